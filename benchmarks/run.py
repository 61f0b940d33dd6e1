"""Benchmark esig's PAdES B-B signing and verification against stock pyHanko.

One process, one run: every case is warmed up, then all cases for one document size
are timed round-robin (so drift in machine load hits them alike) and the medians are
reported. See ``benchmarks/README.md`` for what each row means.

    python benchmarks/run.py              # full mode: 1 MB and 50 MB documents
    python benchmarks/run.py --quick      # smoke mode for CI: 1 MB and 5 MB, few reps
    python benchmarks/run.py --json results.json

The exit code is 0 unless something crashes: targets are reported, not enforced.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

# The benchmarks call pyHanko directly, and pyHanko touches cryptography's deprecated DSA
# classes on import: filter that warning before importing it, as esig itself does.
warnings.filterwarnings("ignore", message="DSA is deprecated")

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

import esig
from esig.demo import sample_pdf
from esig.issuance import KeyType, TestPKI

MB = 1024 * 1024

# Case keys (stable: they are the JSON keys too).
ESIG_SIGN = "esig_sign_pdf"
ESIG_SIGN_BYTES = "esig_sign_pdf_bytes"
STOCK_SIGN = "pyhanko_stock_sign"
KEPT_SIGN = "pyhanko_key_kept_sign"
RAW_LIMIT = "raw_sha256_rsa"
ESIG_VERIFY = "esig_verify_pdf"
STOCK_VALIDATE = "pyhanko_validate"

LABELS = {
    ESIG_SIGN: "esig sign_pdf (file -> file)",
    ESIG_SIGN_BYTES: "esig sign_pdf_bytes (memory)   [info]",
    STOCK_SIGN: "pyHanko stock SimpleSigner",
    KEPT_SIGN: "pyHanko SimpleSigner, key kept [info]",
    RAW_LIMIT: "raw limit: SHA-256 + RSA sign",
    ESIG_VERIFY: "esig verify_pdf",
    STOCK_VALIDATE: "pyHanko validate_pdf_signature",
}

SIGN_TARGET = 0.5
"""esig sign must take at most this fraction of pyHanko stock (1 MB)."""
VERIFY_TARGET = 1.1
"""esig verify may take at most this multiple of pyHanko validate (1 MB, issue 13)."""


@dataclasses.dataclass(frozen=True)
class Mode:
    name: str
    sizes: tuple[tuple[str, int], ...]
    reps: dict[str, int]
    """Repetitions per size label."""
    warmup: int


FULL = Mode(
    name="full",
    sizes=(("1MB", 1 * MB), ("50MB", 50 * MB)),
    reps={"1MB": 21, "50MB": 9},
    warmup=2,
)
QUICK = Mode(
    name="quick",
    sizes=(("1MB", 1 * MB), ("5MB", 5 * MB)),
    reps={"1MB": 5, "5MB": 3},
    warmup=1,
)


# --- key material ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Material:
    """One signer, in the shapes each contender wants."""

    device: esig.SoftwareKey
    key: rsa.RSAPrivateKey
    root: x509.Certificate
    root_asn1: asn1_x509.Certificate
    cert_asn1: asn1_x509.Certificate
    key_asn1: asn1_keys.PrivateKeyInfo
    chain_asn1: tuple[asn1_x509.Certificate, ...]

    def registry(self) -> SimpleCertificateStore:
        store = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        store.register_multiple(list(self.chain_asn1))
        return store


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def make_material() -> Material:
    pki = TestPKI(KeyType.RSA_2048)
    person = pki.issue_person("Anna", "de Vries")
    key = person.private_key
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Material(
        device=person.device(),
        key=key,
        root=pki.root.certificate,
        root_asn1=_asn1_cert(pki.root.certificate),
        cert_asn1=_asn1_cert(person.certificate),
        key_asn1=asn1_keys.PrivateKeyInfo.load(pkcs8),
        chain_asn1=tuple(_asn1_cert(c) for c in person.chain),
    )


class KeptKeySigner(signers.SimpleSigner):
    """SimpleSigner that parses its key once (what pyHanko could do; for reference)."""

    def __init__(self, material: Material) -> None:
        super().__init__(
            signing_cert=material.cert_asn1,
            signing_key=material.key_asn1,
            cert_registry=material.registry(),
        )
        self._key = material.key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        assert digest_algorithm.lower() == "sha256"
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())


# --- documents -------------------------------------------------------------------------


def build_pdf(target_size: int, path: Path) -> int:
    """Write the sample PDF plus one incompressible stream, about ``target_size`` bytes."""
    base = sample_pdf()
    overhead = 512  # object header, stream dictionary, new xref section and trailer
    payload = max(0, target_size - len(base) - overhead)
    writer = IncrementalPdfFileWriter(io.BytesIO(base))
    writer.add_object(generic.StreamObject(stream_data=os.urandom(payload)))
    with path.open("wb") as handle:
        writer.write(handle)  # type: ignore[no-untyped-call]
    return path.stat().st_size


def qpdf_check(path: Path) -> str:
    """Return ``ok``, ``skipped`` or qpdf's complaint."""
    exe = shutil.which("qpdf")
    if exe is None:
        return "skipped (no qpdf)"
    proc = subprocess.run([exe, "--check", str(path)], capture_output=True, text=True, check=False)
    # Exit 0: fine, 3: warnings only, 2: errors.
    if proc.returncode == 0:
        return "ok"
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return f"exit {proc.returncode}: {lines[-1] if lines else ''}"


# --- the contenders --------------------------------------------------------------------


def esig_sign(source: Path, output: Path, material: Material) -> None:
    esig.sign_pdf(source, output, material.device)


def esig_sign_bytes(data: bytes, material: Material) -> None:
    esig.sign_pdf_bytes(data, material.device)


def pyhanko_sign(source: Path, output: Path, signer: signers.Signer) -> None:
    meta = signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES)
    with source.open("rb") as inf, output.open("wb") as outf:
        signers.sign_pdf(IncrementalPdfFileWriter(inf), meta, signer=signer, output=outf)


def stock_signer(material: Material) -> signers.SimpleSigner:
    return signers.SimpleSigner(
        signing_cert=material.cert_asn1,
        signing_key=material.key_asn1,
        cert_registry=material.registry(),
    )


def raw_limit(data: bytes, key: rsa.RSAPrivateKey) -> bytes:
    digest = hashlib.sha256(data).digest()
    return key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


def esig_verify(path: Path, material: Material) -> bool:
    return esig.verify_pdf(path, trust=[material.root]).passed


def pyhanko_validate(path: Path, material: Material) -> bool:
    with path.open("rb") as handle:
        reader = PdfFileReader(handle)
        embedded = reader.embedded_signatures[0]
        context = ValidationContext(trust_roots=[material.root_asn1])
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    return bool(status.bottom_line)


# --- timing ----------------------------------------------------------------------------


@dataclasses.dataclass
class Timing:
    samples_ms: list[float] = dataclasses.field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    def as_json(self) -> dict[str, Any]:
        return {
            "median_ms": round(self.median, 3),
            "min_ms": round(min(self.samples_ms), 3),
            "max_ms": round(max(self.samples_ms), 3),
            "reps": len(self.samples_ms),
            "samples_ms": [round(s, 3) for s in self.samples_ms],
        }


def time_round_robin(
    cases: dict[str, Callable[[], object]], reps: int, warmup: int
) -> dict[str, Timing]:
    """Warm every case up, then time them in turn ``reps`` times each."""
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    timings = {name: Timing() for name in cases}
    for _ in range(reps):
        for name, fn in cases.items():
            # Start every sample from the same state: no garbage, no dirty pages left by
            # the previous case (esig fsyncs its output, and on ext4 that can flush
            # other files' dirty data too).
            gc.collect()
            os.sync()
            start = time.perf_counter()
            fn()
            timings[name].samples_ms.append((time.perf_counter() - start) * 1000)
    return timings


def time_signing(
    source: Path,
    esig_out: Path,
    stock_out: Path,
    kept_out: Path,
    material: Material,
    mode: Mode,
    label: str,
) -> dict[str, Timing]:
    data = source.read_bytes()  # one in-memory copy, for the in-memory cases only
    stock = stock_signer(material)
    kept = KeptKeySigner(material)
    cases: dict[str, Callable[[], object]] = {
        ESIG_SIGN: lambda: esig_sign(source, esig_out, material),
        ESIG_SIGN_BYTES: lambda: esig_sign_bytes(data, material),
        STOCK_SIGN: lambda: pyhanko_sign(source, stock_out, stock),
        KEPT_SIGN: lambda: pyhanko_sign(source, kept_out, kept),
        RAW_LIMIT: lambda: raw_limit(data, material.key),
    }
    return time_round_robin(cases, mode.reps[label], mode.warmup)


def measure_size(
    label: str, size: int, mode: Mode, material: Material, work: Path
) -> tuple[dict[str, Timing], dict[str, Any]]:
    source = work / f"in-{label}.pdf"
    actual = build_pdf(size, source)
    info: dict[str, Any] = {"target_bytes": size, "actual_bytes": actual}
    info["qpdf_input"] = qpdf_check(source)

    esig_out = work / f"esig-{label}.pdf"
    stock_out = work / f"stock-{label}.pdf"
    kept_out = work / f"kept-{label}.pdf"
    timings = time_signing(source, esig_out, stock_out, kept_out, material, mode, label)

    # Both verifiers get the same esig-signed file; both must accept it.
    info["signed_bytes"] = esig_out.stat().st_size
    info["qpdf_signed"] = qpdf_check(esig_out)
    info["esig_verify_passed"] = esig_verify(esig_out, material)
    info["pyhanko_validate_bottom_line"] = pyhanko_validate(esig_out, material)
    info["pyhanko_stock_output_validates"] = pyhanko_validate(stock_out, material)
    verify_cases: dict[str, Callable[[], object]] = {
        ESIG_VERIFY: lambda: esig_verify(esig_out, material),
        STOCK_VALIDATE: lambda: pyhanko_validate(esig_out, material),
    }
    timings |= time_round_robin(verify_cases, mode.reps[label], mode.warmup)
    for path in (source, esig_out, stock_out, kept_out):
        path.unlink(missing_ok=True)
    return timings, info


# --- report ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Ratio:
    name: str
    value: float
    target: float | None = None
    """Upper bound, when the issue sets one."""

    @property
    def status(self) -> str:
        if self.target is None:
            return ""
        return "PASS" if self.value <= self.target else "MISS"


def ratios(results: dict[str, dict[str, Timing]], first: str) -> list[Ratio]:
    out: list[Ratio] = []
    for label, t in results.items():
        sign_target = SIGN_TARGET if label == first else None
        out.append(
            Ratio(
                f"sign {label}: esig / pyHanko stock",
                t[ESIG_SIGN].median / t[STOCK_SIGN].median,
                sign_target,
            )
        )
    for label, t in results.items():
        out.append(
            Ratio(f"sign {label}: esig / raw limit", t[ESIG_SIGN].median / t[RAW_LIMIT].median)
        )
    for label, t in results.items():
        out.append(
            Ratio(
                f"sign {label}: esig / pyHanko key kept",
                t[ESIG_SIGN].median / t[KEPT_SIGN].median,
            )
        )
    for label, t in results.items():
        out.append(
            Ratio(
                f"verify {label}: esig / pyHanko validate",
                t[ESIG_VERIFY].median / t[STOCK_VALIDATE].median,
                VERIFY_TARGET if label == first else None,
            )
        )
    return out


def render(
    mode: Mode,
    results: dict[str, dict[str, Timing]],
    infos: dict[str, dict[str, Any]],
    rows: list[Ratio],
) -> str:
    labels = list(results)
    reps = ", ".join(f"{label} x{mode.reps[label]}" for label in labels)
    lines = [
        f"esig benchmark ({mode.name} mode; medians in ms; reps: {reps}; warm-up {mode.warmup})",
        "",
        f"{'case':<40}" + "".join(f"{label:>12}" for label in labels),
        "-" * (40 + 12 * len(labels)),
    ]
    for case, name in LABELS.items():
        cells = "".join(f"{results[label][case].median:>12.1f}" for label in labels)
        lines.append(f"{name:<40}{cells}")
    lines += ["", f"{'ratio':<44}{'value':>8}  {'target':>8}  status", "-" * 70]
    for row in rows:
        target = f"<= {row.target:g}" if row.target is not None else ""
        lines.append(f"{row.name:<44}{row.value:>8.2f}  {target:>8}  {row.status}")
    lines.append("")
    for label, info in infos.items():
        lines.append(
            f"{label}: input {info['actual_bytes']} B (qpdf {info['qpdf_input']}), "
            f"signed {info['signed_bytes']} B (qpdf {info['qpdf_signed']}), "
            f"esig verify passed={info['esig_verify_passed']}, "
            f"pyHanko bottom_line={info['pyhanko_validate_bottom_line']}"
        )
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "esig": esig.__version__,
        "pyhanko": version("pyhanko"),
        "pyhanko-certvalidator": version("pyhanko-certvalidator"),
        "cryptography": version("cryptography"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke mode: 1 MB + 5 MB, few reps")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--reps", type=int, help="override repetitions for every size")
    args = parser.parse_args(argv)

    mode = QUICK if args.quick else FULL
    if args.reps:
        mode = dataclasses.replace(mode, reps=dict.fromkeys(mode.reps, args.reps))

    material = make_material()
    results: dict[str, dict[str, Timing]] = {}
    infos: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="esig-bench-") as tmp:
        for label, size in mode.sizes:
            print(f"measuring {label} ...", file=sys.stderr, flush=True)
            results[label], infos[label] = measure_size(label, size, mode, material, Path(tmp))

    rows = ratios(results, first=mode.sizes[0][0])
    print(render(mode, results, infos, rows))

    if args.json:
        payload = {
            "mode": mode.name,
            "environment": environment(),
            "documents": infos,
            "results": {
                label: {case: t.as_json() for case, t in cases.items()}
                for label, cases in results.items()
            },
            "ratios": [
                {"name": r.name, "value": round(r.value, 4), "target": r.target, "status": r.status}
                for r in rows
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
