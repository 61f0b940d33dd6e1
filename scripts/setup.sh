#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv with esig and the given
# extras installed. Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh test,docs
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
