"""Loading the EU trusted lists from a sync cache, offline: ``load_trusted_list_cache``.

Target (issue 16): the whole LOTL (~30 national lists) loads from the cache in < 5 s warm.

The script syncs a folder snapshot into a temporary cache (untimed, no network), then
times ``esig.trust.load_trusted_list_cache`` in this process: the first load (cold:
pyHanko and signxml imported, nothing cached) and ``--reps`` warm loads (imports done,
files in the OS cache), each authenticating the LOTL from its anchors, checking every
file's SHA-256 against the manifest, every national list's signature against the
certificates the LOTL names for its territory, and parsing every list with pyHanko. It
reports the medians, the lists loaded and their total size, and the time per MB.

By default the snapshot is the real EU LOTL 248 of 2019 with the Belgian, Cypriot and
Danish lists of ``tests/data/tl_real/dss-2019`` (0.6 MB), checked against the OJ 2019
LOTL signers. ``--from DIR`` times any folder snapshot, e.g. the 28 national lists of
2019 that DSS keeps in ``dss-tsl-validation/src/test/resources/lotlCache`` (12 MB).

Run: ``python benchmarks/tl_cache.py [--from DIR] [--lotl-signers PEM] [--reps R]``.
Exits 0 unless something crashes: the target is reported (PASS/MISS), not enforced.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=".*DSA.*")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SNAPSHOT = ROOT / "tests" / "data" / "tl_real" / "dss-2019"
DEFAULT_SIGNERS = DEFAULT_SNAPSHOT / "oj-2019-lotl-signers.pem"
TARGET_SECONDS = 5.0
WHOLE_LOTL = 30


def main(argv: list[str] | None = None) -> int:
    """Sync the snapshot, time the loads, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--from", dest="source", type=Path, default=DEFAULT_SNAPSHOT)
    parser.add_argument("--lotl-signers", type=Path, default=DEFAULT_SIGNERS)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)

    from esig.trust import LotlSigners, load_trusted_list_cache, sync_trusted_lists

    signers = LotlSigners.from_file(args.lotl_signers)
    with tempfile.TemporaryDirectory(prefix="esig-tl-bench-") as tmp:
        cache = Path(tmp) / "cache"
        started = time.perf_counter()
        result = sync_trusted_lists(cache, source=args.source, lotl_certificates=signers)
        sync_seconds = time.perf_counter() - started
        stored = [e for e in result.manifest.lists if e.used]
        megabytes = sum(e.size or 0 for e in stored) / 1e6

        started = time.perf_counter()
        source = load_trusted_list_cache(cache, lotl_certificates=signers)
        cold = time.perf_counter() - started
        warm_samples = []
        for _ in range(args.reps):
            started = time.perf_counter()
            source = load_trusted_list_cache(cache, lotl_certificates=signers)
            warm_samples.append(time.perf_counter() - started)
    warm = statistics.median(warm_samples)
    count = len(source.lists)
    names = ", ".join(f"{tl.territory} #{tl.sequence_number}" for tl in source.lists)
    print(
        f"snapshot {args.source}: LOTL EU #{result.manifest.lotl.sequence_number}, "
        f"{count} national lists loaded ({megabytes:.1f} MB), {len(source.refused)} refused"
    )
    print(f"  lists: {names}")
    print(f"  sync (folder, untimed target): {sync_seconds:7.2f} s")
    print(f"  load, cold (first in process): {cold:7.2f} s")
    print(
        f"  load, warm (median of {args.reps}):   {warm:7.2f} s   "
        f"{warm / max(megabytes, 0.001):.2f} s/MB, {warm / max(count, 1):.2f} s/list"
    )
    if count >= WHOLE_LOTL - 5:
        status = "PASS" if warm <= TARGET_SECONDS else "MISS"
        print(f"  target: whole LOTL warm <= {TARGET_SECONDS:.0f} s  {status}")
    else:
        scaled = warm / max(count, 1) * WHOLE_LOTL
        print(
            f"  target: whole LOTL warm <= {TARGET_SECONDS:.0f} s: not measured here "
            f"({count} lists); {WHOLE_LOTL} lists of this size would take ~{scaled:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
