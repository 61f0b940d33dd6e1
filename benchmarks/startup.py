"""Start-up time: ``import esig``, ``esig --help`` and ``esig verify --help``, in fresh processes.

Targets (issue 13): ``import esig`` ≤ 0.15 s, ``esig --help`` and ``esig verify --help``
≤ 0.3 s on this machine. The baseline in the same run is a bare ``python -c pass`` (the
interpreter's own start-up) and ``import pyhanko.sign`` (what a pyHanko user pays before
the first line of their own code), so the figures can be read as ratios on a noisy machine.

Each case runs ``--reps`` times round-robin in a fresh interpreter (the help screens with
stdout piped, as a script or CI sees them); the medians are reported.

Run: ``python benchmarks/startup.py [--reps R]``. Exits 0 unless something crashes:
targets are reported (PASS/MISS), not enforced.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES: dict[str, tuple[list[str], float | None]] = {
    "python -c pass": (["-c", "pass"], None),
    "import pyhanko.sign": (["-c", "import pyhanko.sign"], None),
    "import esig": (["-c", "import esig"], 0.15),
    "esig --help": (["-m", "esig", "--help"], 0.3),
    "esig verify --help": (["-m", "esig", "verify", "--help"], 0.3),
}
"""Case name → (interpreter arguments, target in seconds or None for a baseline)."""


def _run_once(args: list[str], *, quiet: bool = True) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or (quiet and proc.stderr):
        raise SystemExit(f"{args!r} failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Time every case round-robin and print medians, ratios and target status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args(argv)

    # esig's cases must print nothing on stderr; the pyHanko baseline prints its
    # dependencies' warnings, which is not this benchmark's business.
    for case_args, target in CASES.values():  # warm the OS file cache and .pyc files
        _run_once(case_args, quiet=target is not None)
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.reps):
        for name, (case_args, target) in CASES.items():
            samples[name].append(_run_once(case_args, quiet=target is not None))

    medians = {name: statistics.median(values) for name, values in samples.items()}
    bare = medians["python -c pass"]
    print(f"start-up, fresh interpreter, medians of {args.reps} (stdout piped)")
    print(f"  {'case':<22}{'seconds':>9}{'x bare python':>15}  target")
    for name, (_, target) in CASES.items():
        seconds = medians[name]
        status = "" if target is None else f"≤ {target:.2f} s  "
        if target is not None:
            status += "PASS" if seconds <= target else "MISS"
        print(f"  {name:<22}{seconds:9.3f}{seconds / bare:15.1f}  {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
