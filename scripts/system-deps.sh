#!/usr/bin/env bash
# Install the Debian packages the tests use as real parts, when they are missing:
# SoftHSM2 and OpenSC (PKCS#11 token), poppler-utils (pdfsig, pdftoppm, pdftotext),
# mupdf-tools (mutool), qpdf, NSS tools, xmlsec1 (an independent XML-DSig verifier for
# XAdES), fonts-dejavu-core (the font of visible signatures), chromium with
# chromium-driver (the portal's browser tests), and postgresql (the provider's store on
# PostgreSQL; esig.testing.postgres finds its binaries under /usr/lib/postgresql/*/bin,
# whatever the version). Runs apt-get only as root and only when something is missing;
# otherwise it says what to install and carries on.
set -euo pipefail
packages=(softhsm2 opensc poppler-utils mupdf-tools qpdf libnss3-tools xmlsec1 fonts-dejavu-core chromium chromium-driver postgresql)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "warning: missing Debian packages (tests that need them will skip): ${missing[*]}" >&2
  echo "         install with: sudo apt-get install ${missing[*]}" >&2
fi
