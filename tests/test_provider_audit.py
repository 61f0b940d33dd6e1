"""The provider's records as evidence (BES art. 5(k), 5(n)): the audit finds tampering.

Each test runs on a SQLite file and on a real PostgreSQL server. Every tampering is done
the way an intruder with database access would do it: raw SQL on the SQLite file, or as
the PostgreSQL superuser, with esig out of the way (the append-only triggers dropped
first, which the audit reports as well).
"""

from __future__ import annotations

import hashlib
import sqlite3
import zipfile
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from esig.provider import AuditProblem, AuditReport, ProviderError
from esig.provider.export import BUNDLE_FILES, export_evidence
from esig.provider.log import record_hash
from esig.verification import CheckId, Outcome, verify_detached
from tests._provider import Provider, make_provider
from tests._provider_db import Database


@pytest.fixture
def provider(tmp_path: Path, provider_database: Database) -> Provider:
    """A CA with two certificates issued and one revoked: 11 log records."""
    provider = make_provider(tmp_path, database=provider_database)
    provider.issue("c-1")
    _, _, certificate = provider.issue("c-2")
    provider.officer.revoke(certificate.serial_number)
    return provider


def _tamper(provider: Provider, *statements: str) -> None:
    provider.db.execute(*provider.db.drop_guard(), *statements)


def _refused(provider: Provider) -> AbstractContextManager[object]:
    """The driver's refusal of ``statement`` by the append-only guard."""
    if provider.db.kind == "sqlite":
        return pytest.raises(sqlite3.IntegrityError, match="append-only")
    import psycopg

    return pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only")


def _problems(report: AuditReport) -> list[tuple[AuditProblem, int | None]]:
    return [(f.problem, f.sequence) for f in report.findings if f.sequence is not None]


def test_untouched_records_are_intact(provider: Provider) -> None:
    report = provider.ca.audit()
    assert report.intact, report.to_text()
    assert report.records == report.head_sequence == 11
    assert report.certificates == 2
    assert report.to_text().startswith("Audit: INTACT")


def test_the_database_refuses_to_change_or_delete_a_log_record(provider: Provider) -> None:
    before = provider.db.query("SELECT * FROM esig_events ORDER BY sequence")
    statements = [
        "UPDATE esig_events SET operator = 'eve' WHERE sequence = 3",
        "DELETE FROM esig_events WHERE sequence = 3",
    ]
    if provider.db.kind == "postgresql":
        statements.append("TRUNCATE esig_events")
    for statement in statements:
        with _refused(provider):
            provider.db.execute(statement)
    assert provider.db.query("SELECT * FROM esig_events ORDER BY sequence") == before
    assert provider.ca.audit().intact


def test_a_disabled_guard_is_reported(provider: Provider) -> None:
    if provider.db.kind == "sqlite":
        provider.db.execute("DROP TRIGGER esig_events_no_delete")
        expected = ["esig_events_no_delete"]
    else:
        provider.db.execute("ALTER TABLE esig_events DISABLE TRIGGER esig_events_no_truncate")
        expected = ["esig_events_no_truncate"]
    report = provider.ca.audit()
    assert [f.problem for f in report.findings] == [AuditProblem.WEAKENED]
    assert expected[0] in report.findings[0].detail


def test_a_deleted_record_is_named(provider: Provider) -> None:
    _tamper(provider, "DELETE FROM esig_events WHERE sequence = 7")
    report = provider.ca.audit()
    assert _problems(report) == [(AuditProblem.MISSING, 7)]
    assert "record 7 is missing" in report.to_text()
    weakened = [f for f in report.findings if f.problem is AuditProblem.WEAKENED]
    assert len(weakened) == len(provider.db.drop_guard())  # every trigger dropped


def test_deleting_the_newest_records_shows_against_the_signed_head(provider: Provider) -> None:
    _tamper(provider, "DELETE FROM esig_events WHERE sequence >= 10")
    report = provider.ca.audit()
    assert _problems(report) == [(AuditProblem.MISSING, 10)]
    assert "its signed head says 11" in report.to_text()


def test_an_altered_record_is_named(provider: Provider) -> None:
    _tamper(
        provider,
        "UPDATE esig_events SET payload = replace(payload, 'NX1234567', 'NX7654321') "
        "WHERE sequence = 5",
    )
    assert _problems(provider.ca.audit()) == [(AuditProblem.ALTERED, 5)]


def test_swapped_records_are_named_as_reordered(provider: Provider) -> None:
    _tamper(
        provider,
        "UPDATE esig_events SET sequence = -1 WHERE sequence = 8",
        "UPDATE esig_events SET sequence = 8 WHERE sequence = 9",
        "UPDATE esig_events SET sequence = 9 WHERE sequence = -1",
    )
    problems = _problems(provider.ca.audit())
    assert problems[0] == (AuditProblem.REORDERED, 8)
    assert (AuditProblem.REORDERED, 9) in problems


def test_a_record_rehashed_without_the_ca_key_is_forged(provider: Provider) -> None:
    (row,) = provider.db.query(
        "SELECT sequence, time, kind, operator, payload, previous_hash FROM esig_events "
        "WHERE sequence = 5"
    )
    payload = row[4].replace("bob", "eve")
    forged = record_hash(
        sequence=row[0],
        time=row[1],
        kind=row[2],
        operator="eve",
        payload=payload,
        previous_hash=row[5],
    )
    _tamper(
        provider,
        f"UPDATE esig_events SET operator = 'eve', payload = '{payload}', "
        f"record_hash = '{forged}' WHERE sequence = 5",
    )
    problems = _problems(provider.ca.audit())
    assert problems[0] == (AuditProblem.FORGED, 5)
    # The next record still points at the real hash: the chain breaks there too.
    assert (AuditProblem.REORDERED, 6) in problems


def test_an_undone_revocation_is_found_and_no_status_is_answered(provider: Provider) -> None:
    provider.db.execute(
        "UPDATE esig_certificates SET status = 'good', revoked_at = NULL, reason = NULL "
        "WHERE status = 'revoked'"
    )
    report = provider.ca.audit()
    assert [f.problem for f in report.findings] == [AuditProblem.CERTIFICATE_ALTERED]
    with pytest.raises(ProviderError, match="changed outside esig"):
        provider.ca.crl()


def test_roles_raised_in_the_database_weaken_the_store(provider: Provider) -> None:
    provider.db.execute(
        "UPDATE esig_operators SET roles = 'administrator,issuance' WHERE name = 'bob'"
    )
    report = provider.ca.audit()
    assert [(f.problem, f.detail) for f in report.findings] == [
        (AuditProblem.WEAKENED, "operator 'bob': roles, key or status changed outside esig")
    ]


def test_the_exported_bundle_is_signed_and_shows_a_changed_file(
    provider: Provider, tmp_path: Path
) -> None:
    bundle = export_evidence(provider.ca, tmp_path / "evidence.zip")
    assert (bundle.records, bundle.certificates, bundle.audit.intact) == (11, 2, True)
    folder = tmp_path / "bundle"
    with zipfile.ZipFile(bundle.path) as zf:
        assert sorted(zf.namelist()) == sorted([*BUNDLE_FILES, "SHA256SUMS", "SHA256SUMS.p7s"])
        zf.extractall(folder)
    manifest = folder / "SHA256SUMS"
    report = verify_detached(folder / "SHA256SUMS.p7s", manifest, trust=[provider.ca.certificate])
    (integrity,) = report.signatures[0].find(CheckId.INTEGRITY)
    assert integrity.outcome is Outcome.PASSED
    listed = dict(reversed(line.split("  ")) for line in manifest.read_text().splitlines())
    log = folder / "log.jsonl"
    assert hashlib.sha256(log.read_bytes()).hexdigest() == listed["log.jsonl"]
    # A record removed from the exported log no longer matches the signed manifest.
    log.write_text("".join(log.read_text().splitlines(keepends=True)[1:]))
    assert hashlib.sha256(log.read_bytes()).hexdigest() != listed["log.jsonl"]
    # and a changed manifest no longer matches its signature.
    manifest.write_text(manifest.read_text().replace(listed["log.jsonl"], "0" * 64))
    changed = verify_detached(folder / "SHA256SUMS.p7s", manifest, trust=[provider.ca.certificate])
    (integrity,) = changed.signatures[0].find(CheckId.INTEGRITY)
    assert integrity.outcome is Outcome.FAILED


def test_a_bundle_of_broken_records_says_so(provider: Provider, tmp_path: Path) -> None:
    _tamper(provider, "DELETE FROM esig_events WHERE sequence = 4")
    bundle = export_evidence(provider.ca, tmp_path / "evidence.zip")
    assert not bundle.audit.intact
    with zipfile.ZipFile(bundle.path) as zf:
        assert '"missing"' in zf.read("audit.json").decode()
