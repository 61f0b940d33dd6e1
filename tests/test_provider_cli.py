"""``esig ca …`` as a provider runs it, from the README: the real CLI in subprocesses.

A CA on a SoftHSM2 token and a quick-start software CA; operators with API keys in
files; an identity check, the terms acknowledged, a certificate issued from a CSR made
on the subscriber's side; ``esig ca serve`` answering openssl; revocation; the audit and
the exported bundle, whose signature openssl verifies.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from esig.issuance import TestPKI
from esig.testing import require_tool
from esig.testing.softhsm import SOFTHSM_MODULE, SoftHsmTokens
from tests._provider import TERMS_TEXT, free_port, subscriber_request
from tests._provider_token import token_ca_device

pytestmark = pytest.mark.real

PASSPHRASE = "correct horse battery staple"


def esig_ca(*args: str | Path, api_key: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ESIG_PASSPHRASE": PASSPHRASE}
    env.pop("ESIG_CA_API_KEY", None)
    if api_key is not None:
        env["ESIG_CA_API_KEY"] = api_key.read_text().strip()
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", "ca", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    return result.stdout


def _set_up(tmp_path: Path, port: int) -> tuple[str, Path, Path]:
    """A software CA, an officer, terms; the database URL and both API key files."""
    db = f"sqlite:///{tmp_path / 'ca.db'}"
    admin, officer = tmp_path / "admin.key", tmp_path / "officer.key"
    out = _ok(
        esig_ca(
            "init", "--db", db, "--base-url", f"http://127.0.0.1:{port}", "--admin", "alice",
            "--api-key-out", admin, "--software-key", tmp_path / "ca.p12",
            "--organization", "Bonaire Trust", "--organization-identifier", "NTRBQ-12345678",
        )
    )  # fmt: skip
    assert "set up in sqlite" in out
    assert admin.read_text().strip() not in out
    assert oct(admin.stat().st_mode & 0o777) == "0o600"
    _ok(
        esig_ca(
            "operator", "add", "--db", db, "bob", "--role", "registration", "--role",
            "issuance", "--role", "revocation", "--api-key-out", officer, api_key=admin,
        )
    )  # fmt: skip
    (tmp_path / "terms.txt").write_bytes(TERMS_TEXT)
    _ok(
        esig_ca(
            "terms", "add", "--db", db, "2026-1", "--url", "https://ca.example.bq/pds.pdf",
            "--file", tmp_path / "terms.txt", api_key=admin,
        )
    )  # fmt: skip
    return db, admin, officer


def _enrol_and_issue(tmp_path: Path, db: str, officer: Path) -> Path:
    _ok(
        esig_ca(
            "identity", "record", "--db", db, "c-1", "--given-name", "Anna", "--surname",
            "de Vries", "--document", "passport", "--number", "NX1234567", api_key=officer,
        )
    )  # fmt: skip
    sha256 = hashlib.sha256(TERMS_TEXT).hexdigest()
    _ok(esig_ca("terms", "ack", "--db", db, "c-1", "--sha256", sha256, api_key=officer))
    _, csr = subscriber_request()
    (tmp_path / "c-1.csr").write_bytes(csr)
    cert = tmp_path / "c-1.pem"
    _ok(esig_ca("issue", "--db", db, "c-1", tmp_path / "c-1.csr", "--out", cert, api_key=officer))
    return cert


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_provider_runs_its_ca_from_the_command_line(tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    port = free_port()
    db, _, officer = _set_up(tmp_path, port)
    cert = _enrol_and_issue(tmp_path, db, officer)
    serial = format(x509.load_pem_x509_certificate(cert.read_bytes()).serial_number, "x")

    env = {**os.environ, "ESIG_PASSPHRASE": PASSPHRASE}
    server = subprocess.Popen(
        [sys.executable, "-m", "esig.cli", "ca", "serve", "--db", db, "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/ca.crt")
        ca_pem = tmp_path / "ca.pem"
        ca_pem.write_bytes(
            x509.load_der_x509_certificate(
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ca.crt", timeout=5).read()
            ).public_bytes(Encoding.PEM)
        )

        def ocsp_status() -> str:
            result = subprocess.run(
                [
                    openssl, "ocsp", "-issuer", str(ca_pem), "-cert", str(cert), "-url",
                    f"http://127.0.0.1:{port}/ocsp", "-CAfile", str(ca_pem),
                ],
                capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
            assert "Response verify OK" in result.stdout + result.stderr
            return result.stdout

        assert f"{cert}: good" in ocsp_status()
        out = _ok(
            esig_ca("revoke", "--db", db, serial, "--reason", "key_compromise", api_key=officer)
        )
        assert f"Revoked {serial}" in out
        assert f"{cert}: revoked" in ocsp_status()
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=20)
    assert stderr.decode().startswith("Serving OCSP at")

    audit = esig_ca("audit", "--db", db)
    assert audit.returncode == 0
    assert audit.stdout.startswith("Audit: INTACT")

    bundle = tmp_path / "evidence.zip"
    _ok(esig_ca("export", "--db", db, bundle))
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(tmp_path / "bundle")
    folder = tmp_path / "bundle"
    verified = subprocess.run(
        [
            openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in",
            str(folder / "SHA256SUMS.p7s"), "-content", str(folder / "SHA256SUMS"),
            "-CAfile", str(folder / "ca.pem"), "-purpose", "any", "-out", os.devnull,
        ],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    sums = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False
    )
    assert sums.returncode == 0, sums.stdout
    assert "certificate-revoked" in (folder / "log.jsonl").read_text()


def test_the_cli_refuses_and_reports_what_is_wrong(tmp_path: Path) -> None:
    db, admin, officer = _set_up(tmp_path, free_port())
    _, csr = subscriber_request()
    (tmp_path / "x.csr").write_bytes(csr)
    # No identity record: refused, exit 2, one line.
    refused = esig_ca(
        "issue", "--db", db, "c-9", tmp_path / "x.csr", "--out", tmp_path / "x.pem",
        api_key=officer,
    )  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.startswith("esig: error: No identity check is recorded")
    assert not (tmp_path / "x.pem").exists()
    # The administrator lacks the issuance role.
    denied = esig_ca(
        "issue", "--db", db, "c-9", tmp_path / "x.csr", "--out", tmp_path / "x.pem",
        api_key=admin,
    )  # fmt: skip
    assert denied.returncode == 2
    assert "needs the 'issuance' role" in denied.stderr
    # The CA certificate needs no key and no PIN; an empty database has none.
    printed = _ok(esig_ca("certificate", "--db", db))
    assert printed.startswith("-----BEGIN CERTIFICATE-----")
    (tmp_path / "empty.db").touch()
    empty = esig_ca("certificate", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert empty.returncode == 2 and "No CA is set up" in empty.stderr
    # No API key at all.
    missing = esig_ca("revoke", "--db", db, "1234")
    assert missing.returncode == 2
    assert "ESIG_CA_API_KEY" in missing.stderr
    # Tampering makes the audit fail with exit code 1.
    with sqlite3.connect(tmp_path / "ca.db") as conn:
        conn.execute("DROP TRIGGER esig_events_no_delete")
        conn.execute("DELETE FROM esig_events WHERE sequence = 2")
    audit = esig_ca("audit", "--db", db)
    assert audit.returncode == 1
    assert "missing: record 2: record 2 is missing" in audit.stdout


def test_only_init_creates_the_database_file(tmp_path: Path) -> None:
    typo = tmp_path / "typo.db"
    db = f"sqlite:///{typo}"
    admin = tmp_path / "admin.key"
    admin.write_text("not a real key\n")
    (tmp_path / "terms.txt").write_bytes(TERMS_TEXT)
    commands: list[tuple[str | Path, ...]] = [
        ("audit", "--db", db),
        ("certificate", "--db", db),
        ("export", "--db", db, tmp_path / "evidence.zip"),
        ("serve", "--db", db, "--port", str(free_port())),
        ("revoke", "--db", db, "1234", "--api-key-file", admin),
        ("operator", "add", "--db", db, "bob", "--role", "issuance",
         "--api-key-out", tmp_path / "bob.key", "--api-key-file", admin),
        ("terms", "add", "--db", db, "2026-1", "--url", "https://ca.example.bq/pds",
         "--file", tmp_path / "terms.txt", "--api-key-file", admin),
    ]  # fmt: skip
    for command in commands:
        refused = esig_ca(*command)
        assert refused.returncode == 2, (command, refused.stdout, refused.stderr)
        assert refused.stderr == (
            f"esig: error: No provider database at {typo}; check the path "
            "(esig ca init creates the database)\n"
        ), command
        assert refused.stdout == ""
        assert not typo.exists(), command
    assert sorted(p.name for p in tmp_path.iterdir()) == ["admin.key", "terms.txt"]
    # A missing folder: refused by every command, init too; nothing is created.
    init = (
        "init", "--base-url", "http://127.0.0.1:9", "--admin", "alice",
        "--software-key", tmp_path / "ca.p12", "--organization", "Bonaire Trust",
        "--organization-identifier", "NTRBQ-12345678",
    )  # fmt: skip
    folder = tmp_path / "no-such-folder"
    for command in (
        ("audit", "--db", f"sqlite:///{folder / 'ca.db'}"),
        (*init, "--db", f"sqlite:///{folder / 'ca.db'}", "--api-key-out", tmp_path / "a.key"),
    ):
        refused = esig_ca(*command)
        assert refused.returncode == 2
        assert refused.stderr == f"esig: error: The database's folder {folder} does not exist\n"
        assert not folder.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["admin.key", "terms.txt"]
    # esig ca init creates the file; then the commands open it.
    out = _ok(esig_ca(*init, "--db", db, "--api-key-out", tmp_path / "alice.key"))
    assert f"set up in {db}" in out
    assert typo.is_file()
    assert "INTACT" in _ok(esig_ca("audit", "--db", db))


def test_init_with_the_ca_key_on_a_token(
    tmp_path: Path, esig_softhsm: SoftHsmTokens, esig_pki: TestPKI
) -> None:
    token_ca_device(esig_softhsm, esig_pki, "cli-ca").close()
    uri = f"pkcs11:token={esig_softhsm.workbench.label};object=cli-ca?module-path={SOFTHSM_MODULE}"
    db = f"sqlite:///{tmp_path / 'ca.db'}"
    os.environ["ESIG_PIN"] = esig_softhsm.workbench.pin
    try:
        out = _ok(
            esig_ca(
                "init", "--db", db, "--base-url", "http://127.0.0.1:9", "--admin", "alice",
                "--api-key-out", tmp_path / "admin.key", "--device", uri,
            )
        )  # fmt: skip
        assert "CN=Bonaire Trust Qualified CA" in out
        audit = esig_ca("audit", "--db", db)
    finally:
        del os.environ["ESIG_PIN"]
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_an_unreachable_database_server_is_one_line_on_stderr(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    port = free_port()  # nothing listens there: the driver's reason spans two lines
    done = esig_ca("audit", "--db", f"postgresql+psycopg://esig@127.0.0.1:{port}/ca")
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error: Cannot read the provider's database: ")
    assert "Connection refused" in done.stderr and "Is the server running" in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
