"""The key ceremony (BES art. 5(a), (k)): the CA's key made on a real SoftHSM2 token.

The key's attributes are read back through PKCS#11 (python-pkcs11, not esig), the
certificate is checked with cryptography, and the README's own commands are run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

import esig
from esig.cli.app import build_app
from esig.cli.output import EXIT_USAGE
from esig.demo import sample_pdf
from esig.errors import InputError, SigningError
from esig.issuance import IssuedCertificate, TestPKI
from esig.profiles import CertificateProfile
from esig.provider import (
    CertificateAuthority,
    EventKind,
    KeyCeremonyRecord,
    ProviderError,
    ProviderStore,
    ProviderStoreError,
    Role,
    key_ceremony,
)
from esig.testing import real_part_missing, require_tool
from esig.testing.softhsm import SOFTHSM_MODULE, SoftHsmTokens
from tests._provider import TERMS_TEXT, TERMS_URL, evidence, free_port, subscriber_request
from tests._provider_token import token_ca_device

pytestmark = pytest.mark.real

SUBJECT = "CN=Bonaire Trust Root CA,O=Bonaire Trust,organizationIdentifier=NTRBQ-12345678,C=BQ"
README = Path(__file__).resolve().parents[1] / "README.md"


def _ceremony(
    tokens: SoftHsmTokens, folder: Path, label: str, **options: Any
) -> tuple[CertificateAuthority, str, KeyCeremonyRecord]:
    token = tokens.workbench
    arguments: dict[str, Any] = {
        "subject": SUBJECT,
        "validity_days": 3650,
        "base_url": "http://127.0.0.1:9",
        "administrator": "alice",
        **options,
    }
    return key_ceremony(
        ProviderStore.for_path(folder / "ca.db"),
        module_path=SOFTHSM_MODULE,
        token_label=token.label,
        key_label=label,
        pin=token.pin,
        **arguments,
    )


@contextmanager
def _raw_session(tokens: SoftHsmTokens) -> Iterator[Any]:
    """A python-pkcs11 session of our own, logged in (or sharing this process's login)."""
    import pkcs11
    from pkcs11 import exceptions as p11

    token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=tokens.workbench.label)
    try:
        session = token.open(user_pin=tokens.workbench.pin)
    except p11.UserAlreadyLoggedIn:
        session = token.open()
    with session:
        yield session


def _objects(tokens: SoftHsmTokens, label: str) -> dict[str, list[dict[str, Any]]]:
    """What the token holds under ``label``, read through python-pkcs11 (not esig)."""
    from pkcs11 import Attribute, ObjectClass
    from pkcs11 import exceptions as p11

    def private_facts(key: Any) -> dict[str, Any]:
        facts = {
            name: key[attribute]
            for name, attribute in (
                ("sensitive", Attribute.SENSITIVE),
                ("extractable", Attribute.EXTRACTABLE),
                ("never_extractable", Attribute.NEVER_EXTRACTABLE),
                ("always_sensitive", Attribute.ALWAYS_SENSITIVE),
            )
        }
        facts["id"] = bytes(key[Attribute.ID]).hex()
        try:
            key[Attribute.VALUE]
        except p11.AttributeSensitive:
            facts["value"] = "refused: sensitive"
        else:
            facts["value"] = "readable"
        return facts

    kinds = (
        ("private", ObjectClass.PRIVATE_KEY, private_facts),
        ("public", ObjectClass.PUBLIC_KEY, lambda _: {}),
        ("certificate", ObjectClass.CERTIFICATE, lambda o: {"der": bytes(o[Attribute.VALUE])}),
    )
    with _raw_session(tokens) as session:
        return {
            name: [
                read(obj)
                for obj in session.get_objects({Attribute.CLASS: kind, Attribute.LABEL: label})
            ]
            for name, kind, read in kinds
        }


def test_the_ceremony_makes_a_root_on_the_token_and_logs_it(
    tmp_path: Path, esig_softhsm: SoftHsmTokens
) -> None:
    assert not (tmp_path / "ca.db").exists()
    ca, api_key, record = _ceremony(esig_softhsm, tmp_path, "ceremony-root", witnesses=["nora"])
    assert (tmp_path / "ca.db").is_file()  # the ceremony creates the database
    with ca.signer.device:
        certificate = ca.certificate
        # A self-signed CA certificate, signed on the token by the new key.
        certificate.verify_directly_issued_by(certificate)
        assert certificate.subject.rfc4514_string() == certificate.issuer.rfc4514_string()
        assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert "NTRBQ-12345678" in certificate.subject.rfc4514_string()
        # The first record of the log is the ceremony: who, when, which key, which certificate.
        first, second = ca.events()[:2]
        assert (first.kind, first.operator, first.sequence) == (EventKind.KEY_CEREMONY, "alice", 1)
        assert second.kind is EventKind.CA_CREATED
        payload = json.loads(first.payload)
        der = certificate.public_bytes(Encoding.DER)
        import hashlib

        assert payload["certificate_sha256"] == hashlib.sha256(der).hexdigest()
        assert payload["token_label"] == esig_softhsm.workbench.label
        assert payload["token_serial"] and payload["witnesses"] == ["nora"]
        assert payload["key_id"] == record.key_id
        assert first.time == record.time
        assert ca.audit().intact
    # Read the key's attributes back through PKCS#11 ourselves.
    objects = _objects(esig_softhsm, "ceremony-root")
    assert objects["private"] == [
        {
            "sensitive": True,
            "extractable": False,
            "never_extractable": True,
            "always_sensitive": True,
            "id": record.key_id,
            "value": "refused: sensitive",
        }
    ]
    assert objects["certificate"] == [{"der": der}]
    assert len(objects["public"]) == 1
    assert api_key.startswith("esig-op-")


def test_the_ca_from_the_ceremony_issues_a_qualified_certificate(
    tmp_path: Path, esig_softhsm: SoftHsmTokens
) -> None:
    ca, api_key, _ = _ceremony(esig_softhsm, tmp_path, "ceremony-issuing")
    with ca.signer.device:
        admin = ca.login(api_key)
        terms = admin.publish_terms("2026-1", TERMS_URL, TERMS_TEXT)
        officer = ca.login(
            admin.add_operator("bob", [Role.REGISTRATION, Role.ISSUANCE, Role.REVOCATION])
        )
        officer.record_identity(evidence())
        officer.acknowledge_terms("c-1", terms.sha256)
        _, csr = subscriber_request()
        issued = officer.issue("c-1", csr)
        assert ca.audit().intact
    leaf = x509.load_pem_x509_certificate(issued.pem.encode())
    leaf.verify_directly_issued_by(ca.certificate)
    assert CertificateProfile.from_certificate(leaf, issuer=ca.certificate).complete


def test_a_second_ceremony_on_the_same_store_or_key_label_is_refused(
    tmp_path: Path, esig_softhsm: SoftHsmTokens
) -> None:
    ca, _, _ = _ceremony(esig_softhsm, tmp_path, "ceremony-once")
    ca.signer.device.close()
    with pytest.raises(ProviderStoreError, match="already set up"):
        _ceremony(esig_softhsm, tmp_path, "ceremony-other")
    assert _objects(esig_softhsm, "ceremony-other") == {
        "private": [],
        "public": [],
        "certificate": [],
    }
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(ProviderError, match="already holds a key or certificate labelled"):
        _ceremony(esig_softhsm, other, "ceremony-once")
    objects = _objects(esig_softhsm, "ceremony-once")
    assert [len(objects[k]) for k in ("private", "public", "certificate")] == [1, 1, 1]
    assert not ProviderStore.for_path(other / "ca.db").is_set_up()


def test_a_ceremony_under_an_existing_root(
    tmp_path: Path, esig_softhsm: SoftHsmTokens, esig_pki: TestPKI
) -> None:
    root = esig_pki.root
    ca, _, record = _ceremony(esig_softhsm, tmp_path, "ceremony-under-root", issuer=root.device())
    ca.signer.device.close()
    ca.certificate.verify_directly_issued_by(root.certificate)
    assert record.self_signed is False
    assert record.issuer == root.certificate.subject.rfc4514_string()


def test_a_failed_ceremony_leaves_nothing_on_the_token(
    tmp_path: Path, esig_softhsm: SoftHsmTokens, esig_pki: TestPKI
) -> None:
    # The root's key is on the token, but its session was ended (as when the token is
    # pulled out): the key pair is generated, then the root cannot sign.
    root = token_ca_device(esig_softhsm, esig_pki, "ceremony-gone-root")
    root.close()
    with pytest.raises(SigningError, match="closed"):
        _ceremony(esig_softhsm, tmp_path, "ceremony-failed", issuer=root)
    assert _objects(esig_softhsm, "ceremony-failed") == {
        "private": [],
        "public": [],
        "certificate": [],
    }
    assert not ProviderStore.for_path(tmp_path / "ca.db").is_set_up()


def test_bad_ceremony_inputs_are_refused_before_the_token_is_touched(
    tmp_path: Path, esig_softhsm: SoftHsmTokens, esig_signer: IssuedCertificate
) -> None:
    with pytest.raises(InputError, match="RFC 4514"):
        _ceremony(esig_softhsm, tmp_path, "ceremony-bad", subject="not a name")
    with pytest.raises(InputError, match="common name"):
        _ceremony(esig_softhsm, tmp_path, "ceremony-bad", subject="O=Bonaire Trust,C=BQ")
    with pytest.raises(InputError, match="validity"):
        _ceremony(esig_softhsm, tmp_path, "ceremony-bad", validity_days=0)
    with pytest.raises(ProviderStoreError, match="not a CA certificate"):
        _ceremony(esig_softhsm, tmp_path, "ceremony-bad", issuer=esig_signer.device())
    assert _objects(esig_softhsm, "ceremony-bad")["private"] == []


def _readme_block(marker: str = "provider-ceremony") -> str:
    text = README.read_text()
    match = re.search(rf"<!-- {marker} -->\n```bash\n(.*?)```", text, re.S)
    assert match is not None, f"the README lost its {marker} commands"
    return match.group(1)


def _bash(script: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _readme_env(tmp_path: Path) -> dict[str, str]:
    """A fresh SoftHSM2 token folder and an ``esig`` on PATH, as a user's shell has."""
    require_tool("softhsm2-util")
    if not Path(SOFTHSM_MODULE).exists():
        real_part_missing(f"the SoftHSM2 module {SOFTHSM_MODULE}")
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    shim = tmp_path / "bin" / "esig"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m esig.cli "$@"\n')
    shim.chmod(0o755)
    env = {
        **os.environ,
        "SOFTHSM2_CONF": str(config),
        "PATH": f"{shim.parent}:{os.environ['PATH']}",
        # The commands run in tmp_path: the esig under test must not depend on the cwd.
        "PYTHONPATH": os.pathsep.join(
            [str(Path(esig.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]
        ),
    }
    for name in ("ESIG_CA_DB", "ESIG_PIN", "ESIG_CA_API_KEY"):
        env.pop(name, None)
    return env


def test_the_readme_ceremony_commands_work(tmp_path: Path) -> None:
    env = _readme_env(tmp_path)
    result = _bash(_readme_block(), tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert "CA CN=Bonaire Trust Root CA" in result.stdout
    assert "Audit: INTACT" in result.stdout
    assert oct((tmp_path / "alice.key").stat().st_mode & 0o777) == "0o600"
    # The same commands again (the token is made once): the database has a CA already;
    # with a new database, the token still has the key label.
    rerun = "\n".join(
        line for line in _readme_block().splitlines() if not line.startswith("softhsm2-util")
    )
    for database, refusal in (("ca.db", "already set up"), ("new.db", "already holds a key")):
        (tmp_path / "alice.key").unlink(missing_ok=True)
        again = _bash(rerun.replace("ca.db", database), tmp_path, env)
        assert again.returncode == 2, again.stdout + again.stderr
        assert refusal in again.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--software-key", "ca.p12"], "give --device pkcs11:"),
        (["--device", "file:ca.p12", "--subject", "CN=X", "--validity-days", "9"], "pkcs11:token="),
        (["--device", "pkcs11:token=t?module-path=m.so"], "--subject"),
        (
            [
                "--device",
                "pkcs11:token=t?module-path=m.so",
                "--subject",
                "CN=X",
                "--validity-days",
                "9",
            ],
            "object=NEW-KEY-LABEL",
        ),
    ],
)
def test_the_ceremony_command_refuses_incomplete_options(
    tmp_path: Path, options: list[str], message: str
) -> None:
    arguments = [
        "ca", "init", "--generate-key", "--db", f"sqlite:///{tmp_path / 'ca.db'}",
        "--base-url", "http://127.0.0.1:9", "--admin", "alice",
        "--api-key-out", str(tmp_path / "alice.key"), *options,
    ]  # fmt: skip
    result = CliRunner().invoke(build_app(rich_help=False), arguments)
    assert result.exit_code == EXIT_USAGE, result.output
    assert message in result.output
    assert not (tmp_path / "alice.key").exists()
    assert not (tmp_path / "ca.db").exists()


def test_the_readme_runs_a_ca_from_issuance_to_revocation_and_evidence(tmp_path: Path) -> None:
    # the README's second block, after the ceremony, in one shell: issue from a CSR after
    # the identity record and the terms, serve OCSP, sign, verify, revoke, verify again
    # (revoked at once), audit, export, check the bundle
    require_tool("openssl")
    env = _readme_env(tmp_path)
    (tmp_path / "contract.pdf").write_bytes(sample_pdf())
    port = str(free_port())
    script = (_readme_block() + _readme_block("provider-run")).replace("8080", port)
    result = _bash(script, tmp_path, env)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert result.stderr == ""
    first, second = out.split("Revoked ", 1)
    assert "Verdict:   TOTAL-PASSED (1 signature)" in first
    assert "Verdict:   INDETERMINATE (1 signature)" in second
    assert "Certificate: revoked: Anna de Vries" in second
    assert "exit 1: revoked, at once" in second
    assert second.count("Audit: INTACT") == 1 and "(intact) in evidence.zip" in second
    assert (tmp_path / "ca.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
