"""Big documents: esig's signing and verification stream, so memory stays flat.

Each case runs in a fresh process (so its peak RSS is its own): the process imports
esig, warms up on the 1 MB document, resets its peak-RSS mark (Linux
``/proc/self/clear_refs``), runs the case once and reports the time and how far the
peak rose above the RSS before the case. Ratios are taken within this run:
sign time against a SHA-256 of the same file (the I/O + hash floor), peak growth of
the big document against the 1 MB one.

    python benchmarks/bigfile.py               # 1 MB and 200 MB
    python benchmarks/bigfile.py --quick       # 1 MB and 50 MB
    python benchmarks/bigfile.py --size-mb 500

Targets (reported, not enforced): peak growth of the big document ≤ 32 MiB over the
1 MB one; sign ≤ 3× SHA-256 of the file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import MB, build_pdf

CASE = r"""
import hashlib, json, sys, time
from pathlib import Path
import esig
from esig.issuance import KeyType, TestPKI

mode, source, small, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
pki = TestPKI(KeyType.RSA_2048)
device = pki.issue_person("Anna", "de Vries").device()
warm = out.with_name("warm.pdf")
esig.sign_pdf(small, warm, device)
esig.verify_pdf(warm, trust=[pki.root.certificate])


def sha() -> None:
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)


def sign() -> None:
    esig.sign_pdf(source, out, device)


def verify() -> None:
    # signed in another process, by another throwaway PKI: the path fails, the rest
    # (digest over the whole file, changes, profile) is all done
    report = esig.verify_pdf(source, trust=[pki.root.certificate])
    assert report.signatures[0].integrity.intact, report.to_text()


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


run = {"sha256": sha, "sign": sign, "verify": verify}[mode]
# Linux keeps ru_maxrss across fork + exec (the parent built a big file): reset the
# high-water mark instead, then read it back after the case.
Path("/proc/self/clear_refs").write_text("5")
before = status_kib("VmRSS")
start = time.perf_counter()
run()
elapsed = time.perf_counter() - start
after = status_kib("VmHWM")
print(json.dumps({"seconds": elapsed, "peak_growth_mib": (after - before) / 1024,
                  "peak_mib": after / 1024}))
"""


def run_case(mode: str, source: Path, small: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CASE, mode, str(source), str(small), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"case {mode} {source.name} failed:\n{proc.stderr}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 MB and 50 MB")
    parser.add_argument("--size-mb", type=int, default=None)
    args = parser.parse_args(argv)
    big_mb = args.size_mb or (50 if args.quick else 200)
    with tempfile.TemporaryDirectory(prefix="esig-bigfile-") as folder:
        root = Path(folder)
        small = root / "doc-1mb.pdf"
        big = root / f"doc-{big_mb}mb.pdf"
        build_pdf(1 * MB, small)
        build_pdf(big_mb * MB, big)
        signed_small, signed_big = root / "signed-1mb.pdf", root / f"signed-{big_mb}mb.pdf"
        rows: dict[str, dict[str, float]] = {}
        for label, doc, signed in (
            ("1 MB", small, signed_small),
            (f"{big_mb} MB", big, signed_big),
        ):
            rows[f"sha256 {label}"] = run_case("sha256", doc, small, root / "x.pdf")
            rows[f"sign {label}"] = run_case("sign", doc, small, signed)
            rows[f"verify {label}"] = run_case("verify", signed, small, root / "x.pdf")
    print(f"{'case':<18}{'time':>10}{'peak growth':>14}{'peak RSS':>11}")
    for name, row in rows.items():
        print(
            f"{name:<18}{row['seconds'] * 1000:>8.0f} ms{row['peak_growth_mib']:>10.1f} MiB"
            f"{row['peak_mib']:>7.0f} MiB"
        )
    big_label = f"{big_mb} MB"
    sign_ratio = rows[f"sign {big_label}"]["seconds"] / rows[f"sha256 {big_label}"]["seconds"]
    growth = {
        kind: rows[f"{kind} {big_label}"]["peak_growth_mib"]
        - rows[f"{kind} 1 MB"]["peak_growth_mib"]
        for kind in ("sign", "verify")
    }
    print()
    status = "PASS" if sign_ratio <= 3 else "MISS"
    print(f"sign {big_label} / SHA-256 of the file: {sign_ratio:.2f}x  (target <= 3x) {status}")
    for kind, extra in growth.items():
        status = "PASS" if extra <= 32 else "MISS"
        print(
            f"{kind} peak growth, {big_label} over 1 MB: {extra:+.1f} MiB (target <= 32) {status}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
