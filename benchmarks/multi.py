"""Verify a document that carries 10 signatures (no network): esig against pyHanko.

Target (issue 14; issue 5 asked < 1 s): esig verifies the 10-signature document in
< 0.3 s on this machine. Each signed revision is compared with the latest one by esig's
object analysis; the pages are rendered and compared too, unless that analysis shows the
later revisions draw nothing new (here: invisible signatures only).

Run: ``python benchmarks/multi.py [--signatures N] [--reps R]``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import warnings

# The benchmarks call pyHanko directly, and pyHanko touches cryptography's deprecated DSA
# classes on import: filter that warning before importing it, as esig itself does.
warnings.filterwarnings("ignore", message="DSA is deprecated")

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

import esig
from esig._pyhanko.signer import to_asn1
from esig.demo import sample_pdf
from esig.issuance import TestPKI


def build(signatures: int) -> tuple[bytes, TestPKI]:
    """The sample document signed by ``signatures`` different people in turn."""
    pki = TestPKI()
    data = sample_pdf()
    for index in range(signatures):
        device = pki.issue_person("Signer", f"Number {index + 1}").device()
        data = esig.sign_pdf_bytes(data, device)
    return data, pki


def esig_verify(data: bytes, pki: TestPKI) -> bool:
    return esig.verify_pdf(data, trust=[pki.root.certificate]).passed


def pyhanko_validate(data: bytes, pki: TestPKI) -> bool:
    reader = PdfFileReader(io.BytesIO(data))
    ok = True
    for sig in reader.embedded_regular_signatures:
        context = ValidationContext(trust_roots=[to_asn1(pki.root.certificate)])
        ok = validate_pdf_signature(sig, context).bottom_line and ok
    return ok


def median_ms(fn: object, data: bytes, pki: TestPKI, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        assert fn(data, pki)  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--signatures", type=int, default=10)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)

    data, pki = build(args.signatures)
    esig_verify(data, pki)  # warm-up
    pyhanko_validate(data, pki)
    esig_ms = median_ms(esig_verify, data, pki, args.reps)
    pyhanko_ms = median_ms(pyhanko_validate, data, pki, args.reps)
    target = 300.0
    print(f"document: {args.signatures} signatures, {len(data)} bytes; medians of {args.reps}")
    print(f"  esig verify_pdf                          {esig_ms:8.1f} ms")
    print(f"  pyHanko validate_pdf_signature x{args.signatures:<3}     {pyhanko_ms:8.1f} ms")
    print(f"  ratio esig / pyHanko                    {esig_ms / pyhanko_ms:8.2f}")
    status = "PASS" if esig_ms < target else "MISS"
    print(f"  target esig < {target:.0f} ms                    {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
