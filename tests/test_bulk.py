"""esig.bulk: verify-many and extend-many over a generated archive, locally and on Dask.

The archive is a few hundred distinct signed PDFs (each signed on its own) with broken
ones among them; the Dask tests run a real ``LocalCluster`` (scheduler and two worker
processes) and kill a worker by its pid mid-run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from esig.bulk import (
    ResultLine,
    Verdict,
    async_verify_many,
    expand_sources,
    extend_many,
    local_cluster,
    read_results,
    verify_many,
    write_parquet,
)
from esig.bulk.jobs import VerifyJob
from esig.bulk.sandbox import Sandbox
from esig.cli.app import build_app
from esig.demo import sample_pdf
from esig.devices.software import SoftwareKey
from esig.errors import DocumentNotFoundError, InputError
from esig.signing import (
    BaselineLevel,
    TimestampService,
    sign_asic,
    sign_detached,
    sign_many,
    sign_pdf,
    sign_xml,
)
from esig.testing.documents import with_incremental_updates
from esig.testing.services import LocalTrustServices
from esig.verification import verify_pdf
from tests.conftest import flip_byte

GOOD = 200
"""Distinct signed PDFs in the archive."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lines(path: Path) -> list[ResultLine]:
    return list(read_results(path))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, esig_pki: object) -> dict[str, Path]:
    """A folder of GOOD signed PDFs and three broken ones; the root certificate beside it."""
    from esig.issuance import TestPKI

    assert isinstance(esig_pki, TestPKI)
    base = tmp_path_factory.mktemp("bulk")
    store = base / "store"
    (store / "2025").mkdir(parents=True)
    (store / "2026").mkdir()
    source = base / "sample.pdf"
    source.write_bytes(sample_pdf())
    device: SoftwareKey = esig_pki.issue_person("Bea", "Bulk").device()
    pairs = [(source, store / f"{2025 + i % 2}" / f"contract-{i:04}.pdf") for i in range(GOOD)]
    results = sign_many(pairs, device, workers=2, reason="bulk test")
    assert all(r.ok for r in results)
    good = store / "2025" / "contract-0000.pdf"
    data = good.read_bytes()
    (store / "2026" / "truncated.pdf").write_bytes(data[: len(data) // 3])
    (store / "2026" / "not-a-pdf.pdf").write_bytes(b"Dear auditor, this is a letter.\n")
    # a byte inside the signed range changed: the digest no longer matches
    marker = data.index(b"/Reason")
    (store / "2026" / "tampered.pdf").write_bytes(flip_byte(data, marker + 9))
    root = base / "root.pem"
    root.write_bytes(esig_pki.root.certificate.public_bytes(Encoding.PEM))
    return {"store": store, "root": root, "base": base}


def _hashes(folder: Path) -> dict[Path, str]:
    return {p: _sha(p) for p in folder.rglob("*") if p.is_file()}


def _check_complete(lines: list[ResultLine], store: Path) -> dict[str, ResultLine]:
    """Every document of ``store`` has exactly one line; return them by file name."""
    paths = [line.path for line in lines]
    assert len(paths) == len(set(paths)), "a document has two result lines"
    expected = {str(p) for p in store.rglob("*.pdf")}
    assert set(paths) == expected
    return {Path(line.path).name: line for line in lines}


def _check_verdicts(by_name: dict[str, ResultLine], store: Path) -> None:
    assert by_name["tampered.pdf"].verdict is Verdict.TOTAL_FAILED
    assert by_name["not-a-pdf.pdf"].verdict is Verdict.ERROR
    assert by_name["not-a-pdf.pdf"].error_type == "NotAPdfError"
    assert by_name["truncated.pdf"].verdict is not Verdict.TOTAL_PASSED
    good = [line for name, line in by_name.items() if name.startswith("contract-")]
    assert len(good) == GOOD
    assert {line.verdict for line in good} == {Verdict.TOTAL_PASSED}
    one = by_name["contract-0007.pdf"]
    assert one.sha256 == _sha(store / "2026" / "contract-0007.pdf")
    (signature,) = one.signatures
    assert signature.indication == "TOTAL-PASSED"
    assert signature.level in {"SES", "AES", "QES"}


def test_the_local_pool_gives_every_document_one_line_and_leaves_inputs_alone(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    before = _hashes(archive["store"])
    out = tmp_path / "results.jsonl"
    summary = verify_many([archive["store"]], out, trust=[archive["root"]], workers=2)
    by_name = _check_complete(_lines(out), archive["store"])
    _check_verdicts(by_name, archive["store"])
    assert summary.documents == GOOD + 3
    assert summary.verdicts[Verdict.TOTAL_PASSED] == GOOD
    assert not summary.all_passed
    assert _hashes(archive["store"]) == before
    # every line is whole JSON on its own line
    assert all(json.loads(raw) for raw in out.read_text().splitlines())


def test_without_the_trust_anchor_no_document_passes(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "results.jsonl"
    summary = verify_many([str(archive["store"] / "2025" / "contract-00[0-3]*.pdf")], out)
    assert summary.documents == 20
    assert summary.verdicts == {Verdict.INDETERMINATE.value: 20}


def test_resume_skips_what_is_done_and_redoes_what_changed(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "some"
    folder.mkdir()
    for path in sorted((archive["store"] / "2025").glob("*.pdf"))[:12]:
        (folder / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "results.jsonl"
    first = verify_many([folder], out, trust=[archive["root"]], workers=2)
    assert first.documents == 12 and first.skipped == 0
    changed = sorted(folder.glob("*.pdf"))[3]
    changed.write_bytes(b"replaced by something else")
    examined: list[str] = []
    second = verify_many(
        [folder], out, trust=[archive["root"]], workers=2, resume=True, on_result=examined.append
    )
    assert [Path(line.path) for line in examined] == [changed]  # type: ignore[attr-defined]
    assert second.skipped == 11 and second.documents == 12
    assert second.verdicts == {"TOTAL-PASSED": 11, "ERROR": 1}
    assert len(_lines(out)) == 13  # the changed document's new line appended
    third = verify_many([folder], out, trust=[archive["root"]], resume=True)
    assert third.skipped == 12
    # without --resume the file starts afresh
    verify_many([folder], out, trust=[archive["root"]], workers=1)
    assert len(_lines(out)) == 12


def test_a_torn_last_line_is_skipped_and_the_next_run_starts_on_a_new_line(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    for path in sorted((archive["store"] / "2025").glob("*.pdf"))[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "results.jsonl"
    verify_many([folder], out, trust=[archive["root"]], workers=1)
    whole = out.read_bytes()
    out.write_bytes(whole[: len(whole) - 40])  # as if killed while writing the last line
    summary = verify_many([folder], out, trust=[archive["root"]], workers=1, resume=True)
    assert summary.skipped == 1 and summary.documents == 2
    assert len(_lines(out)) == 2
    torn, appended = out.read_text().splitlines()[1:]
    with pytest.raises(ValueError):
        json.loads(torn)
    assert json.loads(appended)["path"] == torn.split('"path":"')[1].split('"')[0]


def test_a_document_that_hangs_gets_a_timeout_line_and_the_others_go_on(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    hang = tmp_path / "stale-mount.pdf"
    os.mkfifo(hang)  # reading it blocks forever: no writer ever comes
    docs = sorted((archive["store"] / "2025").glob("*.pdf"))[:4]
    out = tmp_path / "results.jsonl"
    started = time.monotonic()
    summary = verify_many([hang, *docs], out, trust=[archive["root"]], workers=2, timeout=2.0)
    assert time.monotonic() - started < 30
    lines = {Path(line.path).name: line for line in _lines(out)}
    assert len(lines) == 5
    assert lines["stale-mount.pdf"].verdict is Verdict.ERROR
    assert lines["stale-mount.pdf"].error_type == "Timeout"
    assert summary.verdicts["TOTAL-PASSED"] == 4


def test_a_pdf_with_thousands_of_updates_gets_a_timeout_line_and_the_others_go_on(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    signed = (archive["store"] / "2025" / "contract-0000.pdf").read_bytes()
    # a real document, saved 40,000 times after signing (5.8 MB): reading every revision
    # takes ~14 s (esig is linear in them: benchmarks/revisions.py), past the 3 s limit
    slow = tmp_path / "edited-40000-times.pdf"
    slow.write_bytes(with_incremental_updates(signed, 40_000))
    few = tmp_path / "edited-50-times.pdf"
    few.write_bytes(with_incremental_updates(signed, 50))  # the same kind of file, quick
    docs = sorted((archive["store"] / "2025").glob("*.pdf"))[:4]
    out = tmp_path / "results.jsonl"
    started = time.monotonic()
    summary = verify_many([slow, few, *docs], out, trust=[archive["root"]], workers=2, timeout=3.0)
    assert time.monotonic() - started < 30
    lines = {Path(line.path).name: line for line in _lines(out)}
    assert len(lines) == 6
    assert lines[slow.name].error_type == "Timeout"
    assert lines[slow.name].verdict is Verdict.ERROR
    assert "Timed out after 3 s" in (lines[slow.name].error or "")
    assert lines[few.name].verdict is Verdict.TOTAL_PASSED  # updates after it are allowed
    assert summary.verdicts["TOTAL-PASSED"] == 5


def test_a_child_killed_while_examining_gives_a_crash_line_and_is_replaced(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    hang = tmp_path / "blocked.pdf"
    os.mkfifo(hang)
    sandbox = Sandbox(VerifyJob(trust=(str(archive["root"]),)), timeout=None)
    try:
        answer: list[ResultLine] = []
        worker = threading.Thread(target=lambda: answer.append(sandbox.run(str(hang))))
        worker.start()
        deadline = time.monotonic() + 60
        while sandbox.pid is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # the child has the document
        assert sandbox.pid is not None
        os.kill(sandbox.pid, signal.SIGKILL)
        worker.join(30)
        (line,) = answer
        assert line.error_type == "WorkerCrashed"
        assert "signal 9" in (line.error or "")
        good = sorted((archive["store"] / "2025").glob("*.pdf"))[0]
        assert sandbox.run(str(good)).verdict is Verdict.TOTAL_PASSED  # a fresh child
    finally:
        sandbox.stop()


def test_a_local_cluster_with_a_killed_worker_still_gives_every_document_one_line(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    dask = pytest.importorskip("dask")
    before = _hashes(archive["store"])
    out = tmp_path / "results.jsonl"
    with local_cluster(2) as cluster, distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        assert len(pids) == 2
        victim = sorted(pids.values())[0]
        seen: list[ResultLine] = []

        def kill_midway(line: ResultLine) -> None:
            seen.append(line)
            if len(seen) == 30:
                os.kill(victim, signal.SIGKILL)

        summary = verify_many(
            [archive["store"]], out, trust=[archive["root"]], client=client, on_result=kill_midway
        )
        assert victim not in client.run(os.getpid).values()  # it really died
        # Dask's housekeeping is slowed down on every worker, the restarted one too
        ticks = client.run(lambda: dask.config.get("distributed.admin.tick.interval"))
        assert set(ticks.values()) == {"1s"}, ticks
        # and what it held was given to another worker: a task entered processing twice
        entered = Counter(
            entry[0]
            for entry in cluster.scheduler.transition_log
            if entry[2] == "processing" and str(entry[0]).startswith("esig-bulk-")
        )
        assert max(entered.values()) >= 2, entered
        # the CLI on the same cluster, by its address: same lines, nothing on stderr
        cli_out = tmp_path / "cli.jsonl"
        code, stdout, stderr = _cli(
            "verify-many",
            str(archive["store"] / "2026"),
            "--out",
            str(cli_out),
            "--trust",
            str(archive["root"]),
            "--scheduler",
            cluster.scheduler_address,
        )
        assert (code, stderr) == (1, ""), stdout
        assert len(_lines(cli_out)) == GOOD // 2 + 3
    assert len(seen) == GOOD + 3
    by_name = _check_complete(_lines(out), archive["store"])
    _check_verdicts(by_name, archive["store"])
    assert summary.verdicts["TOTAL-PASSED"] == GOOD
    assert _hashes(archive["store"]) == before


def test_sources_expand_folders_globs_and_manifests(
    archive: dict[str, Path], tmp_path: Path, esig_device: SoftwareKey
) -> None:
    content = tmp_path / "invoice.xml.bin"
    content.write_bytes(b"an invoice")
    sign_detached(content, tmp_path / "invoice.xml.bin.p7s", esig_device)
    listed = tmp_path / "list.txt"
    listed.write_text(
        "# contracts\ninvoice.xml.bin.p7s\n\nmissing.pdf\nhttps://example.org/a.pdf\n"
    )
    found = expand_sources([tmp_path, f"@{listed}", str(tmp_path / "*.p7s")])
    assert found == [
        str(tmp_path / "invoice.xml.bin.p7s"),  # the content file is its signature's
        str(listed),
        str(tmp_path / "missing.pdf"),
        "https://example.org/a.pdf",
    ]
    with pytest.raises(DocumentNotFoundError):
        expand_sources([tmp_path / "nothing-here"])
    with pytest.raises(DocumentNotFoundError, match="matches no file"):
        expand_sources([str(tmp_path / "*.docx")])
    out = tmp_path / "out" / "results.jsonl"
    out.parent.mkdir()
    verify_many([f"@{listed}"], out, trust=[archive["root"]], workers=1, timeout=20)
    lines = {Path(line.path).name: line for line in _lines(out)}
    assert lines["invoice.xml.bin.p7s"].kind == "cades"
    assert lines["invoice.xml.bin.p7s"].verdict is Verdict.TOTAL_PASSED
    assert lines["missing.pdf"].error_type == "DocumentNotFoundError"
    assert lines["a.pdf"].verdict is Verdict.ERROR  # no network here: its own line


def test_every_kind_esig_verify_reads_is_verified_by_content(
    archive: dict[str, Path], tmp_path: Path, esig_device: SoftwareKey
) -> None:
    store = tmp_path / "kinds"
    store.mkdir()
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(b"<invoice><total>12.50</total></invoice>")
    sign_xml(invoice, store / "invoice-signed.xml", esig_device)
    sign_asic([invoice], store / "bundle.asice", esig_device)
    (store / "letter.txt").write_bytes(b"a letter")
    sign_detached(store / "letter.txt", store / "letter.txt.p7s", esig_device)
    pdf = sorted((archive["store"] / "2025").glob("*.pdf"))[0]
    (store / "contract.bin").write_bytes(pdf.read_bytes())  # the name plays no part
    tampered = (store / "invoice-signed.xml").read_bytes().replace(b"12.50", b"99.50")
    (store / "invoice-tampered.xml").write_bytes(tampered)
    out = tmp_path / "results.jsonl"
    verify_many([store], out, trust=[archive["root"]], workers=2)
    lines = {Path(line.path).name: line for line in _lines(out)}
    assert {name: (line.kind, line.verdict.value) for name, line in lines.items()} == {
        "invoice-signed.xml": ("xades", "TOTAL-PASSED"),
        "invoice-tampered.xml": ("xades", "TOTAL-FAILED"),
        "bundle.asice": ("asic", "TOTAL-PASSED"),
        "letter.txt.p7s": ("cades", "TOTAL-PASSED"),
        "contract.bin": ("pdf", "TOTAL-PASSED"),
    }


@pytest.fixture(scope="module")
def listed_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A PDF signed with a qualified certificate, its root, and a signed trusted list
    (with its TLSO certificate) that grants the issuing CA QCWithQSCD."""
    from esig.issuance import Qualification, TestPKI
    from esig.oids import PolicyOID
    from esig.testing.trusted_lists import (
        ProviderSpec,
        QualificationSpec,
        ServiceSpec,
        StatusSpec,
        build_trusted_list,
        make_tlso,
        sign_trusted_list,
    )
    from esig.trust import CertificateType, Qualifier, TrustServiceStatus

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    day = dt.timedelta(days=1)
    pki = TestPKI(now=now - 50 * day)  # issued after the service was granted
    base = tmp_path_factory.mktemp("listed")
    (base / "store").mkdir()
    source = base / "sample.pdf"
    source.write_bytes(sample_pdf())
    person = pki.issue_person("Quentin", "Qualified", qualified=Qualification())
    sign_pdf(source, base / "store" / "qualified.pdf", person.device())
    status = StatusSpec(
        TrustServiceStatus.GRANTED,
        now - 60 * day,
        qualifications=(QualificationSpec((Qualifier.QC_WITH_QSCD,), (PolicyOID.QCP_N_QSCD,)),),
        certificate_types=(CertificateType.ESIG,),
    )
    service = ServiceSpec("esig Test Qualified CA", pki.intermediate.certificate, history=(status,))
    xml = build_trusted_list(
        [ProviderSpec("esig Test Trust Services", (service,))],
        issued=now - 10 * day,
        next_update=now + 170 * day,
    )
    tlso = make_tlso(now=now)
    (base / "tl.xml").write_bytes(sign_trusted_list(xml, tlso))
    (base / "tlso.pem").write_bytes(tlso.certificate.public_bytes(Encoding.PEM))
    (base / "root.pem").write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))
    return {name: base / name for name in ("store", "tl.xml", "tlso.pem", "root.pem")}


def test_a_trusted_list_given_to_verify_many_makes_the_signature_qes(
    listed_store: dict[str, Path], tmp_path: Path
) -> None:
    store, root = listed_store["store"], listed_store["root.pem"]
    out = tmp_path / "r.jsonl"
    verify_many([store], out, trust=[root], workers=1)
    (without,) = _lines(out)
    assert without.verdict is Verdict.TOTAL_PASSED
    assert without.signatures[0].label == "AdESig-QC"  # it claims qualified; nothing says so
    code, stdout, stderr = _cli(
        "verify-many",
        str(store),
        "--out",
        str(out),
        "--trust",
        str(root),
        "--trusted-list",
        str(listed_store["tl.xml"]),
        "--tlso",
        str(listed_store["tlso.pem"]),
    )
    assert (code, stderr) == (0, ""), stdout
    (listed,) = _lines(out)
    assert listed.signatures[0].label == "QESig"
    # the same list checked against a certificate that did not sign it is refused
    code, _, stderr = _cli(
        "verify-many",
        str(store),
        "--out",
        str(out),
        "--trusted-list",
        str(listed_store["tl.xml"]),
        "--tlso",
        str(root),
    )
    assert code == 2 and stderr.startswith("esig: error: ") and "Traceback" not in stderr
    with pytest.raises(InputError, match="trusted-list cache"):
        verify_many(
            [store], out, trusted_lists=tmp_path, trusted_list_files=[listed_store["tl.xml"]]
        )


def test_a_detached_xades_signature_is_verified_over_the_file_its_uri_names(
    archive: dict[str, Path], tmp_path: Path, esig_device: SoftwareKey
) -> None:
    store = tmp_path / "xml"
    for name in ("good", "changed", "alone"):
        (store / name).mkdir(parents=True)
        content = store / name / "scan 1.tif"  # a space: the URI is percent-encoded
        content.write_bytes(b"II*\x00 a scanned page " + name.encode())
        sign_xml(content, store / name / "scan-1.xml", esig_device, packaging="detached")
    assert 'URI="scan%201.tif"' in (store / "good" / "scan-1.xml").read_text()
    (store / "changed" / "scan 1.tif").write_bytes(b"II*\x00 another page")
    (store / "alone" / "scan 1.tif").unlink()
    # the content is not a document of its own: its signature is
    assert expand_sources([store]) == [
        str(store / name / "scan-1.xml") for name in ("alone", "changed", "good")
    ]
    out = tmp_path / "r.jsonl"
    verify_many([store], out, trust=[archive["root"]], workers=2)
    lines = {Path(line.path).parent.name: line for line in _lines(out)}
    assert lines["good"].kind == "xades"
    assert lines["good"].verdict is Verdict.TOTAL_PASSED
    assert lines["changed"].verdict is Verdict.TOTAL_FAILED
    assert lines["alone"].verdict is Verdict.ERROR
    assert lines["alone"].error_type == "DocumentNotFoundError"
    # by a manifest too, from another folder: the URI is relative to the signature
    listed = tmp_path / "list.txt"
    listed.write_text("xml/good/scan-1.xml\n")
    summary = verify_many([f"@{listed}"], out, trust=[archive["root"]], workers=1)
    assert summary.verdicts == {"TOTAL-PASSED": 1}
    # a signature naming its content by an absolute URI is not followed
    absolute = store / "good" / "absolute.xml"
    absolute.write_bytes(
        (store / "good" / "scan-1.xml")
        .read_bytes()
        .replace(b'URI="scan%201.tif"', b'URI="file:///etc/passwd"')
    )
    verify_many([absolute], out, workers=1)
    (line,) = _lines(out)
    assert line.error_type == "InputError" and "absolute URI" in (line.error or "")


def test_resume_judges_a_detached_signature_again_when_its_content_changed(
    archive: dict[str, Path], tmp_path: Path, esig_device: SoftwareKey
) -> None:
    store = tmp_path / "detached"
    store.mkdir()
    for name in ("kept", "replaced", "removed"):
        (store / f"{name}.txt").write_bytes(f"the {name} letter".encode())
        sign_detached(store / f"{name}.txt", store / f"{name}.txt.p7s", esig_device)
        (store / f"{name}.bin").write_bytes(f"the {name} scan".encode())
        sign_xml(store / f"{name}.bin", store / f"{name}.xml", esig_device, packaging="detached")
    out = tmp_path / "r.jsonl"
    first = verify_many([store], out, trust=[archive["root"]], workers=2)
    assert first.verdicts == {"TOTAL-PASSED": 6}
    line = next(x for x in _lines(out) if x.path.endswith("kept.txt.p7s"))
    assert line.content_path == str(store / "kept.txt")
    assert line.content_sha256 == hashlib.sha256(b"the kept letter").hexdigest()
    # the signatures stay as they were; what they sign does not
    for suffix in ("txt", "bin"):
        (store / f"replaced.{suffix}").write_bytes(b"something else")
        (store / f"removed.{suffix}").unlink()
    examined: list[str] = []
    second = verify_many(
        [store], out, trust=[archive["root"]], workers=2, resume=True, on_result=examined.append
    )
    assert sorted(Path(x.path).name for x in examined) == [  # type: ignore[attr-defined]
        "removed.txt.p7s",
        "removed.xml",
        "replaced.txt.p7s",
        "replaced.xml",
    ]
    assert second.skipped == 2
    assert second.verdicts == {"TOTAL-PASSED": 2, "TOTAL-FAILED": 2, "ERROR": 2}
    # the missing content is recorded as missing, so the next resume tries again
    again = verify_many([store], out, trust=[archive["root"]], workers=1, resume=True)
    assert again.skipped == 4


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(rich_help=False), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_exit_codes_summary_and_parquet(archive: dict[str, Path], tmp_path: Path) -> None:
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    out, table = tmp_path / "r.jsonl", tmp_path / "r.parquet"
    store, root = str(archive["store"]), str(archive["root"])
    code, stdout, stderr = _cli(
        "verify-many",
        f"{store}/2025/contract-00[0-3]*.pdf",
        "--out",
        str(out),
        "--trust",
        root,
        "--workers",
        "2",
        "--parquet",
        str(table),
    )
    assert (code, stderr) == (0, "")
    assert "TOTAL-PASSED" in stdout and f"{20:>8}" in stdout
    rows = pyarrow_parquet.read_table(table).to_pylist()
    assert len(rows) == 20
    assert {r["verdict"] for r in rows} == {"TOTAL-PASSED"}
    assert rows[0]["signatures"][0]["indication"] == "TOTAL-PASSED"
    code, stdout, stderr = _cli(
        "verify-many", f"{store}/2026/*.pdf", "--out", str(out), "--trust", root
    )
    assert (code, stderr) == (1, "")
    assert "TOTAL-FAILED" in stdout and "NotAPdfError" in stdout
    code, _, stderr = _cli("verify-many", str(tmp_path / "absent"), "--out", str(out))
    assert code == 2 and stderr.startswith("esig: error: ")


def test_extend_many_writes_lta_copies_beside_or_below_and_never_touches_inputs(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    store = tmp_path / "store"
    (store / "a").mkdir(parents=True)
    source = tmp_path / "sample.pdf"
    source.write_bytes(sample_pdf())
    device = esig_trust_services.signer.device()
    pairs = [(source, store / "a" / f"deed-{i}.pdf") for i in range(3)]
    tsa = TimestampService(url=esig_trust_services.tsa_url, timeout=10)
    assert all(r.ok for r in sign_many(pairs, device, level=BaselineLevel.B_T, timestamp=tsa))
    (store / "a" / "note.pdf").write_bytes(b"no pdf at all")
    before = _hashes(store)
    root = tmp_path / "root.pem"
    root.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    out = tmp_path / "extend.jsonl"
    summary = extend_many(
        [store], out, tsa=esig_trust_services.tsa_url, trust=[root], workers=2, timeout=120
    )
    assert summary.verdicts == {"EXTENDED": 3, "ERROR": 1}
    assert _hashes(store).items() >= before.items()  # inputs byte-identical
    for i in range(3):
        made = store / "a" / f"deed-{i}-lta.pdf"
        report = verify_pdf(made, trust=[esig_trust_services.root_certificate])
        assert report.passed, report.to_text()
        assert report.signatures[0].conformance is not None
        assert report.signatures[0].conformance.reached is not None
        assert report.signatures[0].conformance.reached.value == "B-LTA"
    target = tmp_path / "renewed"
    code, stdout, stderr = _cli(
        "extend-many",
        str(store / "a" / "deed-*[0-9].pdf"),
        "--out",
        str(out),
        "--tsa",
        esig_trust_services.tsa_url,
        "--trust",
        str(root),
        "--output-dir",
        str(target),
    )
    assert (code, stderr) == (0, ""), stdout
    assert sorted(p.name for p in target.rglob("*.pdf")) == [f"deed-{i}.pdf" for i in range(3)]
    assert _hashes(store).items() >= before.items()
    code, _, stderr = _cli("extend-many", str(store), "--out", str(out))
    assert code == 2 and "time-stamping service" in stderr
    # an output folder that maps each document onto itself is refused per document
    onto_itself = extend_many(
        [store / "a" / "deed-0.pdf"], out, tsa=esig_trust_services.tsa_url, output_dir=store / "a"
    )
    assert onto_itself.errors == {"InputError": 1}
    assert _hashes(store).items() >= before.items()
    # in place only when asked: the input is replaced by its B-LTA version
    deed = store / "a" / "deed-1.pdf"
    extend_many([deed], out, tsa=esig_trust_services.tsa_url, trust=[root], in_place=True)
    assert _sha(deed) != before[deed]
    conformance = verify_pdf(deed, trust=[esig_trust_services.root_certificate]).signatures[0]
    assert conformance.conformance is not None and conformance.conformance.reached is not None
    assert conformance.conformance.reached.value == "B-LTA"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it once the probe is closed


def test_an_unreachable_scheduler_fails_fast_with_one_esig_line_and_leaves_out_alone(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    pytest.importorskip("distributed")
    out = tmp_path / "r.jsonl"
    out.write_text("earlier results\n")
    address = f"tcp://127.0.0.1:{_closed_port()}"
    document = str(archive["store"] / "2025" / "contract-0000.pdf")
    started = time.monotonic()
    run = subprocess.run(
        [
            *(sys.executable, "-m", "esig.cli", "verify-many", document, "--out", str(out)),
            *("--scheduler", address, "--connect-timeout", "2"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert time.monotonic() - started < 15  # the interpreter's start included; 30 s before
    assert run.returncode == 2
    (line,) = run.stderr.splitlines()  # nothing from Dask, no traceback
    assert line.startswith(f"esig: error: The Dask scheduler at {address} cannot be reached")
    assert "within 2 s" in line and "--connect-timeout" in line
    assert out.read_text() == "earlier results\n"
    with pytest.raises(InputError, match="not a Dask scheduler address"):
        verify_many([document], out, scheduler="tcp://127.0.0.1:no-port")
    with pytest.raises(InputError, match="connection timeout must be positive"):
        verify_many([document], out, scheduler=address, connect_timeout=0)


def test_without_the_bulk_extra_a_cluster_is_refused_naming_the_extra(
    archive: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(InputError, match=r"esig\[bulk\]"):
        verify_many(
            [archive["store"] / "2025" / "contract-0000.pdf"],
            tmp_path / "r.jsonl",
            scheduler="tcp://127.0.0.1:8786",
        )
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InputError, match=r"esig\[bulk\]"):
        write_parquet([], tmp_path / "r.parquet")
    assert not (tmp_path / "r.parquet").exists()


def test_the_async_twin_reports_each_line_on_the_loop(
    archive: dict[str, Path], tmp_path: Path
) -> None:
    seen: list[ResultLine] = []
    docs = sorted((archive["store"] / "2025").glob("*.pdf"))[:3]
    summary = asyncio.run(
        async_verify_many(
            docs, tmp_path / "r.jsonl", trust=[archive["root"]], workers=1, on_result=seen.append
        )
    )
    assert summary.verdicts == {"TOTAL-PASSED": 3}
    assert sorted(Path(line.path) for line in seen) == docs
