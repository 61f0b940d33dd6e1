"""Sign and verify a 10-file ASiC-E container (CAdES, B-B): esig against its limits.

Rows, all over the same bytes (10 files of ``--size-kb`` random bytes each):

- **raw crypto**: SHA-256 of every file plus one RSA-2048 signature (or verification) with
  cryptography: what no signer can beat;
- **detached CAdES**: ``sign_detached`` / ``verify_detached`` of one file holding the same
  bytes: esig's CMS path without the container;
- **ASiC-E**: ``sign_asic`` (10 files copied and compressed into the container, the
  ASiCManifest, the CAdES over it) and ``verify_asic`` (the container read with its
  limits, every digest recomputed, the report).

Target (issue 17): sign + verify of the 10-file container within 2x the detached CAdES
over the same bytes. Medians, round-robin, in one process.

With ``--lta``, the local trust services (certomancer's Animator: TSA, OCSP, CRLs) start
and two more pairs of rows time ASiC-S over the 10 files joined: signed at B-LT, and at
B-LTA (the archive-time-stamp-v3 in the signature: one more TSA request), each verified.

Run: ``python benchmarks/asic.py [--size-kb 100] [--reps 9] [--lta]``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", message="DSA is deprecated")

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import esig
from esig.issuance import TestPKI


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size-kb", type=int, default=100, help="size of each of the 10 files")
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--lta", action="store_true", help="also ASiC-S at B-LT and B-LTA")
    args = parser.parse_args(argv)

    pki = TestPKI()
    issued = pki.issue_person("Anna", "de Vries")
    device = issued.device()
    key = issued.private_key
    assert isinstance(key, rsa.RSAPrivateKey)
    root = pki.root.certificate
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for index in range(10):
            path = folder / f"file-{index}.bin"
            path.write_bytes(os.urandom(args.size_kb * 1024))
            files.append(path)
        joined = folder / "joined.bin"
        joined.write_bytes(b"".join(p.read_bytes() for p in files))
        total = joined.stat().st_size
        container = folder / "bundle.asice"
        p7s = folder / "joined.bin.p7s"

        def raw_sign() -> None:
            digest = hashlib.sha256()
            for path in files:
                digest.update(path.read_bytes())
            key.sign(digest.digest(), padding.PKCS1v15(), hashes.SHA256())

        signature = key.sign(b"x", padding.PKCS1v15(), hashes.SHA256())

        def raw_verify() -> None:
            for path in files:
                hashlib.sha256(path.read_bytes()).digest()
            key.public_key().verify(signature, b"x", padding.PKCS1v15(), hashes.SHA256())

        def cades_sign() -> None:
            esig.sign_detached(joined, p7s, device)

        def cades_verify() -> None:
            assert esig.verify_detached(p7s, joined, trust=[root]).passed

        def asic_sign() -> None:
            esig.sign_asic(files, container, device)

        def asic_verify() -> None:
            assert esig.verify_asic(container, trust=[root]).passed

        cases: dict[str, Callable[[], None]] = {
            "raw crypto sign": raw_sign,
            "raw crypto verify": raw_verify,
            "detached CAdES sign": cades_sign,
            "detached CAdES verify": cades_verify,
            "ASiC-E sign": asic_sign,
            "ASiC-E verify": asic_verify,
        }
        services = None
        if args.lta:
            services = _lta_cases(cases, folder, joined)
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for fn in cases.values():  # warm-up (and the files the verifiers read)
            fn()
        for _ in range(args.reps):
            for name, fn in cases.items():
                gc.collect()
                start = time.perf_counter()
                fn()
                samples[name].append((time.perf_counter() - start) * 1000)
        size = container.stat().st_size
        if services is not None:
            services.stop()
    median = {name: statistics.median(values) for name, values in samples.items()}
    print(
        f"10 files x {args.size_kb} KiB = {total / 1024:.0f} KiB; container {size / 1024:.0f} "
        f"KiB; medians of {args.reps} (ms)"
    )
    for name, value in median.items():
        print(f"  {name:<24} {value:8.1f}")
    asic = median["ASiC-E sign"] + median["ASiC-E verify"]
    cades = median["detached CAdES sign"] + median["detached CAdES verify"]
    raw = median["raw crypto sign"] + median["raw crypto verify"]
    status = "PASS" if asic <= 2 * cades else "MISS"
    print(f"  sign+verify: ASiC-E {asic:.1f}, detached CAdES {cades:.1f}, raw {raw:.1f}")
    print(f"  ASiC-E / detached CAdES = {asic / cades:.2f} (target <= 2.00: {status})")
    return 0


def _lta_cases(cases: dict[str, Callable[[], None]], folder: Path, joined: Path) -> Any:
    """Add the ASiC-S B-LT / B-LTA rows (local trust services); the started services."""
    from esig.signing import BaselineLevel, TimestampService
    from esig.testing.services import LocalTrustServices

    services = LocalTrustServices(folder / "services").start()
    tsa = TimestampService(url=services.tsa_url)
    signer = services.signer.device()
    anchors = [services.root_certificate]
    for level in (BaselineLevel.B_LT, BaselineLevel.B_LTA):
        target = folder / f"joined-{level.value}.asics"

        def sign(level: BaselineLevel = level, target: Path = target) -> None:
            esig.sign_asic([joined], target, signer, form="asics", level=level, timestamp=tsa)

        def verify(target: Path = target) -> None:
            assert esig.verify_asic(target, trust=anchors).passed

        cases[f"ASiC-S {level.value} sign"] = sign
        cases[f"ASiC-S {level.value} verify"] = verify
    return services


if __name__ == "__main__":
    sys.exit(main())
