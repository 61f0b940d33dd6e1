"""XAdES on a 1 MB XML document: esig against plain signxml and the raw crypto limit.

Three ways over the same document and key, in one run (best of ``--runs``):

- raw crypto: SHA-256 of the document's bytes plus one signature (RSA PKCS#1 v1.5 or
  ECDSA) and its verification: the floor of any signer;
- plain signxml: ``XAdESSigner.sign`` + ``XAdESVerifier.verify`` with the key object;
- esig: ``sign_xml`` (the device signs; file in, file out) + ``verify_xml`` (the art. 3
  checks, wrapping analysis, certificate path and level).

With ``--lta``, esig signs at B-LTA against certomancer's Animator on 127.0.0.1 (a
signature timestamp, the OCSP responses and CRLs fetched, an archive timestamp) and
verifies offline from the embedded data, still against plain signxml's B-B.

    python benchmarks/xades.py               # RSA-2048, 1 MB
    python benchmarks/xades.py --key ec --size-mb 4
    python benchmarks/xades.py --lta         # B-LTA (local TSA, OCSP, CRL)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from lxml import etree  # type: ignore[import-untyped]
from signxml.algorithms import SignatureMethod
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

import esig
from esig.issuance import KeyType, TestPKI
from esig.signing import BaselineLevel, TimestampService


def document(size: int) -> bytes:
    """An invoice-like XML document of at least ``size`` bytes."""
    lines = [b'<?xml version="1.0" encoding="UTF-8"?>\n<invoice xmlns="urn:example:invoice">\n']
    n = 0
    total = len(lines[0])
    while total < size:
        line = f'  <line n="{n}"><item>chair model {n}</item><price>{n % 97}.50</price></line>\n'
        lines.append(line.encode())
        total += len(line)
        n += 1
    lines.append(b"</invoice>\n")
    return b"".join(lines)


def best(runs: int, fn: Callable[[], object]) -> float:
    """The fastest of ``runs`` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    """Run the three cases and print their times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--key", choices=("rsa", "ec"), default="rsa")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lta", action="store_true", help="esig at B-LTA (local services)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        run(args, stack)


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> None:
    """One benchmark run; the local trust services (for --lta) live in ``stack``."""
    level, timestamp = BaselineLevel.B_B, None
    if args.lta:
        from esig.testing.services import LocalTrustServices

        folder = stack.enter_context(tempfile.TemporaryDirectory())
        services = stack.enter_context(
            LocalTrustServices(
                Path(folder), key_type=KeyType.RSA_2048 if args.key == "rsa" else KeyType.EC_P256
            )
        )
        signer, anchor = services.signer, services.root_certificate
        level, timestamp = BaselineLevel.B_LTA, TimestampService(url=services.tsa_url)
    else:
        pki = TestPKI(KeyType.RSA_2048 if args.key == "rsa" else KeyType.EC_P256)
        signer, anchor = pki.issue_person("Anna", "de Vries"), pki.root.certificate
    device = signer.device()
    data = document(int(args.size_mb * (1 << 20)))
    key = signer.private_key
    public = signer.certificate.public_key()

    def raw() -> None:
        digest = hashlib.sha256(data).digest()
        if isinstance(key, rsa.RSAPrivateKey) and isinstance(public, rsa.RSAPublicKey):
            value = key.sign(digest, padding.PKCS1v15(), hashes.SHA256())
            public.verify(value, digest, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(
            public, ec.EllipticCurvePublicKey
        ):
            value = key.sign(digest, ec.ECDSA(hashes.SHA256()))
            public.verify(value, digest, ec.ECDSA(hashes.SHA256()))

    def plain() -> None:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
        method = SignatureMethod.RSA_SHA256 if args.key == "rsa" else SignatureMethod.ECDSA_SHA256
        signed = XAdESSigner(signature_algorithm=method).sign(
            root, key=key, cert=[signer.certificate, *signer.chain], always_add_key_value=False
        )
        XAdESVerifier().verify(
            etree.tostring(signed),
            x509_cert=signer.certificate,
            expect_config=XAdESSignatureConfiguration(),
        )

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "invoice.xml"
        source.write_bytes(data)
        out = Path(folder) / "signed.xml"

        def esig_sign() -> None:
            esig.sign_xml(source, out, device, level=level, timestamp=timestamp)

        def esig_verify() -> None:
            report = esig.verify_xml(out, trust=[anchor])
            assert report.passed, report.to_text()

        esig_sign()
        esig_verify()  # warm up: imports, caches
        plain()
        times = {
            "raw crypto (SHA-256 + sign + verify)": best(args.runs, raw),
            "plain signxml (sign + verify)": best(args.runs, plain),
            "esig sign_xml": best(args.runs, esig_sign),
            "esig verify_xml": best(args.runs, esig_verify),
        }
    times["esig sign + verify"] = times["esig sign_xml"] + times["esig verify_xml"]
    size = len(data) / (1 << 20)
    print(
        f"XAdES esig {level.value} (plain signxml B-B), {args.key.upper()}, {size:.2f} MiB XML, "
        f"best of {args.runs} (ms):"
    )
    for name, ms in times.items():
        print(f"  {name:<40} {ms:9.1f}")
    ratio = times["esig sign + verify"] / times["plain signxml (sign + verify)"]
    print(f"  esig / plain signxml: {ratio:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
