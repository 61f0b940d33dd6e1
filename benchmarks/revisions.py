"""Verify a signed PDF followed by many incremental updates: esig stays linear.

An editor that saves after every change leaves one revision per save. A verifier that
looks at every revision from every revision is quadratic: before this benchmark esig's
DSS history did that, and 8,000 updates (1.1 MB) took minutes. Measured here, in one
run: esig ``verify_pdf`` and pyHanko's plain ``validate_pdf_signature`` on the same
files, and the floor, pyHanko opening the file (reading every xref section).

Target: esig's time per update stays flat, the largest file costing ≤ 3× per update what
the middle one does.

Run: ``python benchmarks/revisions.py [--updates 500 2000 8000] [--reps R]``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import warnings

warnings.filterwarnings("ignore", message="DSA is deprecated")

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

import esig
from esig._pyhanko.signer import to_asn1
from esig.demo import sample_pdf
from esig.issuance import TestPKI
from esig.testing.documents import with_incremental_updates


def _median_s(fn: object, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, nargs="+", default=[500, 2000, 8000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--pyhanko-max",
        type=int,
        default=2000,
        help="run pyHanko's validator only up to this many updates (it is quadratic: "
        "8,000 updates took it over 4 minutes)",
    )
    args = parser.parse_args(argv)

    pki = TestPKI()
    signed = esig.sign_pdf_bytes(sample_pdf(), pki.issue_person("Ed", "Itor").device())
    anchors = [pki.root.certificate]
    print(f"signed sample {len(signed)} bytes; medians of {args.reps}")
    print(f"{'updates':>8} {'MB':>6} {'open':>8} {'pyHanko':>9} {'esig':>8} {'esig/upd':>10}")
    per_update: list[float] = []
    for count in args.updates:
        data = with_incremental_updates(signed, count)

        def opened(data: bytes = data) -> None:
            PdfFileReader(io.BytesIO(data))

        def plain(data: bytes = data) -> None:
            reader = PdfFileReader(io.BytesIO(data))
            context = ValidationContext(trust_roots=[to_asn1(anchors[0])])
            validate_pdf_signature(reader.embedded_regular_signatures[0], context)

        def ours(data: bytes = data) -> None:
            assert esig.verify_pdf(data, trust=anchors).passed

        ours()  # warm-up
        open_s, esig_s = (_median_s(f, args.reps) for f in (opened, ours))
        per_update.append(esig_s / count)
        if count <= args.pyhanko_max:
            plain_s = _median_s(plain, 1)
            versus = f"{plain_s:>8.2f}s", f"(esig/pyHanko {esig_s / plain_s:.2f}×)"
        else:
            versus = f"{'skipped':>9}", ""
        print(
            f"{count:>8} {len(data) / 1e6:>6.2f} {open_s:>7.2f}s {versus[0]} "
            f"{esig_s:>7.2f}s {esig_s / count * 1e3:>8.2f}ms  {versus[1]}"
        )
    if len(per_update) >= 2:
        growth = per_update[-1] / per_update[len(per_update) // 2]
        status = "PASS" if growth <= 3 else "MISS"
        print(f"per-update cost, largest vs middle: {growth:.2f}× (target ≤ 3×) {status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
