"""Benchmark batch signing: esig's sign_many against a naive loop over pyHanko's sign_pdf.

N copies of the bundled sample PDF are signed (PAdES B-B, RSA-2048) file to file:

* with a software key (a PKCS#12 file) opened by ``open_device("file:...")``;
* with a key on a SoftHSM2 token opened by ``open_device("pkcs11:...")`` (skipped when
  ``softhsm2-util`` or python-pkcs11 is missing);

each time with one device, one login, one PIN entry, and ``sign_many`` choosing its
workers. The baseline is the loop a user would write with stock pyHanko:
``SimpleSigner.load_pkcs12`` once, then per file ``signers.sign_pdf(
IncrementalPdfFileWriter(f), meta, signer=signer, output=out)``. Rows marked [info]
are for reference: esig in one process (``workers=1``), and pyHanko's own PKCS#11
signer on the same token with its session opened once.

    python benchmarks/batch.py              # 1,000 files per row
    python benchmarks/batch.py --quick      # 50 files per row
    python benchmarks/batch.py --n 200 --json batch.json

Memory: peak RSS of this process (``getrusage``) before and after each row, the
resident set at 10 % and at 100 % of the files, and the peak RSS of the worker
processes. The exit code is 0 unless something crashes: the target (esig >= 4x the
naive loop's throughput) is reported, not enforced.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

# The benchmarks call pyHanko directly, and pyHanko touches cryptography's deprecated DSA
# classes on import: filter that warning before importing it, as esig itself does.
warnings.filterwarnings("ignore", message="DSA is deprecated")

from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

import esig
from esig.demo import sample_pdf
from esig.devices.factory import open_device
from esig.issuance import KeyType, TestPKI
from esig.signing.batch import sign_many

TARGET = 4.0
"""esig's throughput must be at least this multiple of the naive pyHanko loop's."""
PASSPHRASE = "benchmark passphrase"
TOKEN = "esig-bench"
KEY_LABEL = "bench-rsa"

NAIVE = "pyhanko_naive_loop"
ESIG_SOFTWARE = "esig_software"
ESIG_SOFTWARE_SEQ = "esig_software_one_process"
ESIG_SOFTHSM = "esig_softhsm"
ESIG_SOFTHSM_SEQ = "esig_softhsm_one_process"
PYHANKO_PKCS11 = "pyhanko_pkcs11_loop"

LABELS = {
    NAIVE: "pyHanko naive loop, SimpleSigner (PKCS#12)",
    ESIG_SOFTWARE: "esig sign_many, software key (PKCS#12)",
    ESIG_SOFTWARE_SEQ: "esig sign_many workers=1, software [info]",
    ESIG_SOFTHSM: "esig sign_many, SoftHSM2 RSA-2048",
    ESIG_SOFTHSM_SEQ: "esig sign_many workers=1, SoftHSM2 [info]",
    PYHANKO_PKCS11: "pyHanko PKCS11Signer loop, SoftHSM2 [info]",
}


Case = Callable[["RssProbe", dict[str, Any]], None]

# --- measuring -------------------------------------------------------------------------


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclasses.dataclass
class Row:
    key: str
    files: int
    seconds: float
    signed: int
    peak_before_mib: float
    peak_after_mib: float
    rss_at_10pct_mib: float
    rss_at_end_mib: float
    workers_peak_mib: float | None = None
    checks: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds


class RssProbe:
    """Samples this process's resident set at 10 % of the files and at the end."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.at_10 = float("nan")

    def tick(self, _: object = None) -> None:
        self.done += 1
        if self.done == max(1, self.total // 10):
            self.at_10 = current_rss_mib()


@contextmanager
def measured(key: str, files: int, rows: list[Row]) -> Iterator[tuple[RssProbe, dict[str, Any]]]:
    gc.collect()
    os.sync()
    probe = RssProbe(files)
    checks: dict[str, Any] = {}
    before = peak_rss_mib()
    start = time.perf_counter()
    yield probe, checks
    seconds = time.perf_counter() - start
    rows.append(
        Row(
            key=key,
            files=files,
            seconds=seconds,
            signed=int(checks.pop("signed", files)),
            peak_before_mib=before,
            peak_after_mib=peak_rss_mib(),
            rss_at_10pct_mib=probe.at_10,
            rss_at_end_mib=current_rss_mib(),
            workers_peak_mib=checks.pop("workers_peak_mib", None),
            checks=checks,
        )
    )
    print(f"  {LABELS[key]}: {files / seconds:.1f} files/s", file=sys.stderr, flush=True)


# --- the contenders --------------------------------------------------------------------


def naive_pyhanko(pairs: list[tuple[Path, Path]], p12: Path, probe: RssProbe) -> None:
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSPHRASE.encode())
    assert signer is not None
    meta = signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES)
    for source, output in pairs:
        with source.open("rb") as inf, output.open("wb") as outf:
            signers.sign_pdf(IncrementalPdfFileWriter(inf), meta, signer=signer, output=outf)
        probe.tick()


def pyhanko_pkcs11(pairs: list[tuple[Path, Path]], token: Any, probe: RssProbe) -> None:
    from pyhanko.sign import pkcs11 as hk11
    from pyhanko.sign.pkcs11 import TokenCriteria

    from esig._pyhanko.signer import to_asn1

    session = hk11.open_pkcs11_session(
        token.module_path, token_criteria=TokenCriteria(label=TOKEN), user_pin=token.pin
    )
    try:
        signer = hk11.PKCS11Signer(
            session,
            key_label=KEY_LABEL,
            cert_label=KEY_LABEL,
            ca_chain=[to_asn1(c) for c in token.chain],
        )
        meta = signers.PdfSignatureMetadata(
            field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES
        )
        for source, output in pairs:
            with source.open("rb") as inf, output.open("wb") as outf:
                signers.sign_pdf(IncrementalPdfFileWriter(inf), meta, signer=signer, output=outf)
            probe.tick()
    finally:
        session.close()


def esig_batch(
    pairs: list[tuple[Path, Path]],
    uri: str,
    secret: str,
    probe: RssProbe,
    checks: dict[str, Any],
    workers: int | None,
) -> None:
    prompts: list[str] = []

    def provider(prompt: str) -> str:
        prompts.append(prompt)
        return secret

    children_before = peak_rss_mib(resource.RUSAGE_CHILDREN)
    logins_before = _login_calls()
    device = open_device(uri, secret_provider=provider)
    try:
        results = sign_many(pairs, device, on_progress=probe.tick, workers=workers)
    finally:
        close = getattr(device, "close", None)
        if callable(close):
            close()
    checks["secret_prompts"] = len(prompts)
    checks["logins"] = _login_calls() - logins_before
    checks["signed"] = sum(r.ok for r in results)
    children_after = peak_rss_mib(resource.RUSAGE_CHILDREN)
    if workers != 1 and children_after > children_before:
        checks["workers_peak_mib"] = children_after
    failures = [r.error for r in results if not r.ok]
    if failures:
        checks["first_failure"] = failures[0]


def _login_calls() -> int:
    try:
        from esig.devices.pkcs11.login import Logins
    except ImportError:
        return 0
    return Logins.login_calls


def check_outputs(outputs: list[Path], root: Any, checks: dict[str, Any]) -> None:
    """Untimed: esig verifies the first and last output, pdfsig the last."""
    checks["esig_verify_first_last"] = all(
        esig.verify_pdf(p, trust=[root]).passed for p in (outputs[0], outputs[-1])
    )
    pdfsig = shutil.which("pdfsig")
    if pdfsig is not None:
        done = subprocess.run(
            [pdfsig, str(outputs[-1])], capture_output=True, text=True, check=False
        )
        checks["pdfsig_valid"] = "Signature is Valid." in done.stdout
    checks["leftover_part_files"] = len(list(outputs[0].parent.glob(".*.part")))


# --- set-up ----------------------------------------------------------------------------


def make_inputs(folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    data = sample_pdf()
    paths = []
    for i in range(n):
        path = folder / f"doc-{i:05d}.pdf"
        path.write_bytes(data)
        paths.append(path)
    return paths


def make_token(pki: TestPKI, folder: Path) -> Any:
    """A SoftHSM2 token with one RSA-2048 key and its certificate; None when unavailable."""
    if shutil.which("softhsm2-util") is None:
        return None
    try:
        import pkcs11  # noqa: F401

        from esig.testing.softhsm import SoftHsm, SoftHsmToken
    except ImportError:
        return None
    hsm = SoftHsm(folder)
    hsm.init_tokens(TOKEN)
    hsm.add_signer(
        pki,
        TOKEN,
        label=KEY_LABEL,
        key_id=b"\x01",
        key_type=KeyType.RSA_2048,
        given_name="Bench",
        surname="Token",
    )
    return SoftHsmToken(
        module_path=hsm.module_path,
        label=TOKEN,
        pin=hsm.pin,
        chain=(pki.intermediate.certificate, pki.root.certificate),
    )


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


# --- report ----------------------------------------------------------------------------


def render(rows: list[Row], n: int, notes: list[str], load: tuple[float, float]) -> str:
    by_key = {r.key: r for r in rows}
    naive = by_key[NAIVE].files_per_second
    lines = [
        f"esig batch benchmark: {n} small PDFs ({len(sample_pdf())} B each) per row, "
        f"{os.cpu_count()} CPUs; load average {load[0]:.2f} before, {load[1]:.2f} after "
        "(other work on the machine skews the parallel rows most)",
        "",
        f"{'row':<46}{'files/s':>9}{'x naive':>9}{'signed':>8}"
        f"{'peak RSS MiB':>16}{'RSS@10%/end':>14}{'workers':>9}",
        "-" * 111,
    ]
    for row in rows:
        workers = f"{row.workers_peak_mib:.0f}" if row.workers_peak_mib else "-"
        lines.append(
            f"{LABELS[row.key]:<46}{row.files_per_second:>9.1f}"
            f"{row.files_per_second / naive:>9.2f}{row.signed:>8}"
            f"{row.peak_before_mib:>8.0f} ->{row.peak_after_mib:>5.0f}"
            f"{row.rss_at_10pct_mib:>8.0f}/{row.rss_at_end_mib:<5.0f}{workers:>9}"
        )
    lines += ["", f"{'target':<46}{'value':>9}  {'needed':>8}  status", "-" * 75]
    for key in (ESIG_SOFTWARE, ESIG_SOFTHSM):
        if key in by_key:
            ratio = by_key[key].files_per_second / naive
            status = "PASS" if ratio >= TARGET else "MISS"
            lines.append(f"{LABELS[key] + ' / naive':<46}{ratio:>9.2f}  {'>= 4':>8}  {status}")
    lines.append("")
    for row in rows:
        if row.checks:
            facts = ", ".join(f"{k}={v}" for k, v in row.checks.items())
            lines.append(f"{row.key}: {facts}")
    lines += notes
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
        "cryptography": version("cryptography"),
        "python-pkcs11": version("python-pkcs11"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1000, help="files per row (default 1000)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: 50 files per row")
    parser.add_argument("--no-info", action="store_true", help="skip the [info] rows")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    args = parser.parse_args(argv)
    n = 50 if args.quick else args.n

    rows: list[Row] = []
    notes: list[str] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="esig-batch-bench-") as tmp:
        work = Path(tmp)
        pki = TestPKI(KeyType.RSA_2048)
        person = pki.issue_person("Anna", "de Vries")
        files = pki.write(work / "pki", person, PASSPHRASE.encode())
        chain = work / "pki" / "chain.pem"
        chain.write_bytes(
            b"".join(c.certificate.public_bytes(Encoding.PEM) for c in (pki.intermediate, pki.root))
        )
        root = pki.root.certificate
        print(f"making {n} input files ...", file=sys.stderr, flush=True)
        inputs = make_inputs(work / "in", n)
        out = work / "out"
        out.mkdir()

        def pairs() -> list[tuple[Path, Path]]:
            fresh(out)
            return [(p, out / p.name) for p in inputs]

        outputs = [out / p.name for p in inputs]
        software_uri = f"file:{files['signer_p12']}"

        def esig_case(uri: str, secret: str, workers: int | None) -> Case:
            def run(probe: RssProbe, checks: dict[str, Any]) -> None:
                esig_batch(pairs(), uri, secret, probe, checks, workers)

            return run

        cases: list[tuple[str, Case]] = [(ESIG_SOFTWARE, esig_case(software_uri, PASSPHRASE, None))]
        if not args.no_info:
            cases.append((ESIG_SOFTWARE_SEQ, esig_case(software_uri, PASSPHRASE, 1)))
        token = make_token(pki, work / "softhsm")
        if token is None:
            notes.append("SoftHSM2 rows skipped: softhsm2-util or python-pkcs11 is missing.")
        else:
            token_uri = (
                f"pkcs11:token={TOKEN};object={KEY_LABEL}"
                f"?module-path={token.module_path}&chain={chain}"
            )
            cases.append((ESIG_SOFTHSM, esig_case(token_uri, token.pin, None)))
            if not args.no_info:
                cases.append((ESIG_SOFTHSM_SEQ, esig_case(token_uri, token.pin, 1)))
                cases.append(
                    (PYHANKO_PKCS11, lambda probe, _: pyhanko_pkcs11(pairs(), token, probe))
                )
        cases.append((NAIVE, lambda probe, _: naive_pyhanko(pairs(), files["signer_p12"], probe)))

        for key, run in cases:
            print(f"{LABELS[key]} ...", file=sys.stderr, flush=True)
            with measured(key, n, rows) as (probe, checks):
                run(probe, checks)
            if key.startswith("esig"):
                check_outputs(outputs, root, rows[-1].checks)

    load = (load_before, os.getloadavg()[0])
    print(render(rows, n, notes, load))
    if args.json:
        payload = {
            "files_per_row": n,
            "load_average_before_after": load,
            "environment": environment(),
            "rows": [
                {
                    **dataclasses.asdict(r),
                    "label": LABELS[r.key],
                    "files_per_second": round(r.files_per_second, 2),
                }
                for r in rows
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
