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
1 MB one; sign ≤ 3× SHA-256 of the file. Every case runs on disk and in memory (tmpfs,
where fsync costs nothing): on disk esig's durable output includes writing the file to
the device, so that run also reports a durable copy of the file (read, write, fsync) as
the floor; the target is judged in memory. Each case runs 3 times; the fastest time and
the highest peak are kept.
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
import hashlib, json, os, sys, time
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


def copy() -> None:
    # the floor of any signer that writes a new, durable file: read, write, fsync
    with source.open("rb") as handle, out.open("wb") as target:
        while chunk := handle.read(1 << 20):
            target.write(chunk)
        target.flush()
        os.fsync(target.fileno())


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


run = {"sha256": sha, "copy": copy, "sign": sign, "verify": verify}[mode]
# Linux keeps ru_maxrss across fork + exec (the parent built a big file): reset the
# high-water mark instead, then read it back after the case.
# Untimed: write out what the harness and the warm-up left dirty (the big input it just
# built). On ext4 (data=ordered) esig's fsync of its output commits the journal, which
# would otherwise also wait for those unrelated pages, as run.py notes too.
os.sync()
Path("/proc/self/clear_refs").write_text("5")
before = status_kib("VmRSS")
start = time.perf_counter()
run()
elapsed = time.perf_counter() - start
after = status_kib("VmHWM")
print(json.dumps({"seconds": elapsed, "peak_growth_mib": (after - before) / 1024,
                  "peak_mib": after / 1024}))
"""


REPS = 3
"""Fresh processes per case (1 with --quick); the fastest time and the highest peak are
reported. This machine's slowdowns are one-sided (a busy disk, memory the host takes
back), so the fastest run is the one that shows what the code costs."""


def run_case(mode: str, source: Path, small: Path, out: Path, reps: int) -> dict[str, float]:
    runs: list[dict[str, float]] = []
    for _ in range(reps):
        proc = subprocess.run(
            [sys.executable, "-c", CASE, mode, str(source), str(small), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"case {mode} {source.name} failed:\n{proc.stderr}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {
        "seconds": min(run["seconds"] for run in runs),
        "peak_growth_mib": max(run["peak_growth_mib"] for run in runs),
        "peak_mib": max(run["peak_mib"] for run in runs),
    }


def measure(folder: Path, big_mb: int, reps: int) -> dict[str, dict[str, float]]:
    """The sha256, sign and verify cases of both sizes, with every file in ``folder``."""
    with tempfile.TemporaryDirectory(prefix="esig-bigfile-", dir=folder) as work:
        root = Path(work)
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
            rows[f"sha256 {label}"] = run_case("sha256", doc, small, root / "x.pdf", reps)
            rows[f"copy {label}"] = run_case("copy", doc, small, root / "x.pdf", reps)
            rows[f"sign {label}"] = run_case("sign", doc, small, signed, reps)
            rows[f"verify {label}"] = run_case("verify", signed, small, root / "x.pdf", reps)
    return rows


def report(place: str, rows: dict[str, dict[str, float]], big_mb: int, judged: bool) -> None:
    print(f"{place}\n{'case':<18}{'time':>10}{'peak growth':>14}{'peak RSS':>11}")
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
    marginal = (rows[f"sign {big_label}"]["seconds"] - rows["sign 1 MB"]["seconds"]) / (
        rows[f"sha256 {big_label}"]["seconds"] - rows["sha256 1 MB"]["seconds"]
    )
    print()
    # The target is the issue's, for 200 MB: at smaller sizes the fixed cost of a signature
    # (building the CMS, ~30-40 ms here) weighs more, and the smoke run says so.
    if not judged:
        status = "[info: includes the disk's durable write]"
    elif big_mb < 200:
        status = "n/a below 200 MB"
    else:
        status = "PASS" if sign_ratio <= 3 else "MISS"
    print(f"sign {big_label} / SHA-256 of the file: {sign_ratio:.2f}x  (target <= 3x) {status}")
    print(f"sign per extra byte, {big_label} vs 1 MB, / SHA-256's: {marginal:.2f}x  [info]")
    floor = rows[f"sha256 {big_label}"]["seconds"] + rows[f"copy {big_label}"]["seconds"]
    print(
        f"sign {big_label} / (SHA-256 + durable copy of the file): "
        f"{rows[f'sign {big_label}']['seconds'] / floor:.2f}x  [info: the I/O floor]"
    )
    for kind, extra in growth.items():
        status = "PASS" if extra <= 32 else "MISS"
        print(
            f"{kind} peak growth, {big_label} over 1 MB: {extra:+.1f} MiB (target <= 32) {status}"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 MB and 50 MB")
    parser.add_argument("--size-mb", type=int, default=None)
    args = parser.parse_args(argv)
    big_mb = args.size_mb or (50 if args.quick else 200)
    # The SHA-256 floor reads the file from the page cache; esig's output is fsynced, so on
    # disk its time includes writing the document to the device, at whatever speed the
    # disk has that minute. In memory (tmpfs) fsync costs nothing: that run shows esig's
    # own cost, and the target is judged there; the disk run is reported beside it.
    shm = Path("/dev/shm")
    places: list[tuple[str, Path | None, bool]] = [("on disk", None, not shm.is_dir())]
    if shm.is_dir():
        places.append((f"in memory ({shm}, tmpfs)", shm, True))
    for place, folder, judged in places:
        rows = measure(folder or Path(tempfile.gettempdir()), big_mb, 1 if args.quick else REPS)
        report(place, rows, big_mb, judged)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
