"""esig.provider: issuing as a certification service provider (BES art. 5).

Real databases (SQLite files and, for the store, issuance and revocation, a real
PostgreSQL server too), real CA keys (software, and on a SoftHSM2 token), real CSRs.
Each letter of art. 5 the software carries gets a test where it is met and one where
the breach is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from esig.issuance import KeyType, TestPKI
from esig.profiles import CertificateProfile, FieldStatus
from esig.provider import (
    AuthenticationError,
    CertificateAuthority,
    CertificateStatus,
    EventKind,
    FixedClock,
    IssuanceRefusedError,
    PermissionDeniedError,
    ProviderError,
    ProviderStore,
    ProviderStoreError,
    RevocationReason,
    Role,
    UnknownCertificateError,
)
from esig.testing.softhsm import SoftHsmTokens
from tests._provider import (
    TERMS_URL,
    evidence,
    make_provider,
    provider_ca_device,
    subscriber_request,
)
from tests._provider_db import Database
from tests._provider_token import token_ca_device

# --------------------------------------------------------------------------- art. 5(c), (e)


def test_a_certificate_after_identity_and_terms_has_the_art6_profile(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    record, _, certificate = provider.issue()
    profile = CertificateProfile.from_certificate(certificate, issuer=provider.ca.certificate)
    # (c), a specific attribute, does not apply to a person signing for themselves.
    assert [field.status for field in profile.fields] == [
        FieldStatus.PRESENT,
        FieldStatus.PRESENT,
        FieldStatus.NOT_APPLICABLE,
        *[FieldStatus.PRESENT] * 5,
    ]
    assert profile.complete
    assert profile.issuer_signature.verified is True
    assert profile.qualified.qc_compliance and profile.qualified.qc_sscd
    assert [s.url for s in profile.limits.disclosure_statements] == [TERMS_URL]
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "PASBQ-NX1234567"
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Anna de Vries"
    # The CSR's own subject ("whatever") is not what the CA certifies.
    assert "whatever" not in subject.rfc4514_string()
    assert record.status is CertificateStatus.GOOD
    assert record.terms_version == "2026-1"


def test_the_issuance_record_points_to_the_identity_check_and_the_acknowledgement(
    tmp_path: Path,
    provider_database: Database,
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    provider.issue()
    events = provider.ca.events()
    kinds = [e.kind for e in events]
    issued = events[kinds.index(EventKind.CERTIFICATE_ISSUED)]
    payload = json.loads(issued.payload)
    identity = events[payload["identity_record"] - 1]
    acknowledgement = events[payload["terms_acknowledgement"] - 1]
    assert identity.kind is EventKind.IDENTITY_VERIFIED
    assert json.loads(identity.payload)["document_number"] == "NX1234567"
    assert identity.operator == "bob"
    assert acknowledgement.kind is EventKind.TERMS_ACKNOWLEDGED
    assert json.loads(acknowledgement.payload)["sha256"] == provider.terms.sha256
    assert identity.sequence < acknowledgement.sequence < issued.sequence


def test_no_identity_record_no_certificate(tmp_path: Path, provider_database: Database) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    provider.officer.acknowledge_terms("c-2", provider.terms.sha256)
    _, csr = subscriber_request()
    with pytest.raises(IssuanceRefusedError, match=r"No identity check .* art\. 5\(e\)"):
        provider.officer.issue("c-2", csr)
    assert not any(e.kind is EventKind.CERTIFICATE_ISSUED for e in provider.ca.events())


# --------------------------------------------------------------------------- art. 5(m)


def test_no_acknowledgement_of_the_current_terms_no_certificate(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    provider.enrol("c-1")
    provider.admin.publish_terms("2026-2", "https://ca.example.bq/pds/2026-2.pdf", b"New terms")
    _, csr = subscriber_request()
    with pytest.raises(IssuanceRefusedError, match=r"current terms \(2026-2\)"):
        provider.officer.issue("c-1", csr)


def test_acknowledging_a_text_other_than_the_current_terms_is_refused(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    provider.officer.record_identity(evidence("c-1"))
    with pytest.raises(ProviderError, match="not the current terms"):
        provider.officer.acknowledge_terms("c-1", "ab" * 32)


def test_new_terms_go_into_the_qcpds_of_later_certificates(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    new = provider.admin.publish_terms("2026-2", "https://ca.example.bq/pds/2026-2.pdf", b"v2")
    provider.terms = new
    _, _, certificate = provider.issue()
    profile = CertificateProfile.from_certificate(certificate)
    assert [s.url for s in profile.limits.disclosure_statements] == [new.url]


# --------------------------------------------------------------------------- art. 5(l), (i)


def test_a_private_key_is_never_taken_in_place_of_a_csr(tmp_path: Path) -> None:
    provider = make_provider(tmp_path)
    provider.enrol()
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(IssuanceRefusedError, match=r"never takes a subscriber's signing key"):
        provider.officer.issue("c-1", pem)
    assert b"PRIVATE KEY" not in provider.database.read_bytes()


def test_the_store_holds_no_subscriber_key_after_issuance(tmp_path: Path) -> None:
    provider = make_provider(tmp_path)
    _, key, certificate = provider.issue()
    private_number = key.private_numbers().private_value.to_bytes(32, "big")
    stored = provider.database.read_bytes()
    assert private_number not in stored
    assert certificate.public_bytes(serialization.Encoding.PEM).decode() in stored.decode("latin-1")


def test_a_csr_whose_signature_fails_proves_no_possession(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    provider.enrol()
    _, pem = subscriber_request()
    der = bytearray(x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # inside the signature value
    with pytest.raises(IssuanceRefusedError, match="does not prove possession"):
        provider.officer.issue("c-1", bytes(der))


def test_a_weak_rsa_key_is_refused(tmp_path: Path, provider_database: Database) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    provider.enrol()
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(IssuanceRefusedError, match="1024 bits is too weak"):
        provider.officer.issue("c-1", csr.public_bytes(serialization.Encoding.PEM))


# --------------------------------------------------------------------------- art. 5(d)


def test_one_clock_to_the_second_in_certificate_store_and_log(
    tmp_path: Path, provider_database: Database
) -> None:
    clock = FixedClock(dt.datetime(2026, 12, 7, 10, 30, 15, 987654, tzinfo=dt.UTC))
    provider = make_provider(tmp_path, database=provider_database, clock=clock)
    clock.advance(61.5)
    record, _, certificate = provider.issue()
    expected = dt.datetime(2026, 12, 7, 10, 31, 16, tzinfo=dt.UTC)
    assert certificate.not_valid_before_utc == expected
    assert record.issued_at == expected
    assert provider.ca.certificate_record(certificate.serial_number).issued_at == expected
    issued = [e for e in provider.ca.events() if e.kind is EventKind.CERTIFICATE_ISSUED]
    assert issued[0].time == expected
    clock.advance(3600)
    revoked = provider.officer.revoke(certificate.serial_number, RevocationReason.KEY_COMPROMISE)
    assert revoked.revoked_at == expected + dt.timedelta(hours=1)
    crl = x509.load_der_x509_crl(provider.ca.crl())
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    assert entry is not None
    assert entry.revocation_date_utc == revoked.revoked_at
    assert crl.last_update_utc == revoked.revoked_at


def test_a_clock_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(dt.datetime(2026, 12, 7, 10, 30))


# --------------------------------------------------------------------------- art. 5(n)(1°)


def test_each_write_checks_the_operator_role_and_a_refusal_is_logged(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    clerk_key = provider.admin.add_operator("carol", [Role.REGISTRATION])
    clerk = provider.ca.login(clerk_key)
    clerk.record_identity(evidence("c-9"))
    clerk.acknowledge_terms("c-9", provider.terms.sha256)
    _, csr = subscriber_request()
    with pytest.raises(PermissionDeniedError, match="needs the 'issuance' role") as caught:
        clerk.issue("c-9", csr)
    assert caught.value.role == "issuance"
    last = provider.ca.events()[-1]
    assert last.kind is EventKind.WRITE_REFUSED
    assert json.loads(last.payload) == {
        "action": "issue",
        "missing_role": "issuance",
        "operator": "carol",
    }
    with pytest.raises(PermissionDeniedError):
        clerk.add_operator("mallory", [Role.ADMINISTRATOR])
    assert provider.officer.issue("c-9", csr).subscriber_id == "c-9"


def test_an_unknown_or_disabled_operator_cannot_write(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    with pytest.raises(AuthenticationError, match="Unknown operator API key"):
        provider.ca.login("esig-op-not-a-key")
    provider.admin.disable_operator("bob")
    with pytest.raises(AuthenticationError, match="disabled"):
        provider.ca.login(provider.officer_key)
    # A session opened before the operator was disabled is refused on its next write.
    with pytest.raises(AuthenticationError, match="disabled"):
        provider.officer.record_identity(evidence())


def test_api_keys_are_not_in_the_store(tmp_path: Path) -> None:
    provider = make_provider(tmp_path)
    stored = provider.database.read_bytes()
    assert provider.admin_key.encode() not in stored
    assert provider.officer_key.encode() not in stored


def test_roles_raised_in_the_database_are_refused(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    clerk_key = provider.admin.add_operator("carol", [Role.REGISTRATION])
    provider.db.execute("UPDATE esig_operators SET roles = 'administrator' WHERE name = 'carol'")
    with pytest.raises(AuthenticationError, match="changed outside esig"):
        provider.ca.login(clerk_key)


# --------------------------------------------------------------------------- art. 5(n)(3°)


def test_only_certificates_with_consent_are_published(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    published, _, _ = provider.issue("c-1", publish=True)
    provider.issue("c-2", publish=False)
    assert [r.serial_number for r in provider.ca.published_certificates()] == [
        published.serial_number
    ]


def test_consent_set_in_the_database_does_not_publish(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    record, _, _ = provider.issue("c-2", publish=False)
    provider.db.execute("UPDATE esig_certificates SET publish = TRUE")
    assert provider.ca.published_certificates() == ()
    (finding,) = provider.ca.audit().findings
    assert finding.serial_number == record.serial_number


# --------------------------------------------------------------------------- the CA's key


def test_a_ca_key_on_a_softhsm_token_issues(
    tmp_path: Path, provider_database: Database, esig_softhsm: SoftHsmTokens, esig_pki: TestPKI
) -> None:
    with token_ca_device(esig_softhsm, esig_pki, f"provider-ca-{provider_database.kind}") as device:
        assert device.evidence.key_extractable is False
        provider = make_provider(tmp_path, database=provider_database, device=device)
        _, _, certificate = provider.issue()
        audit = provider.ca.audit()
    certificate.verify_directly_issued_by(device.certificate)
    profile = CertificateProfile.from_certificate(certificate, issuer=device.certificate)
    assert profile.complete
    assert audit.intact


def test_the_store_refuses_another_key_and_a_second_set_up(tmp_path: Path) -> None:
    provider = make_provider(tmp_path)
    store = ProviderStore.for_path(provider.database)
    with pytest.raises(ProviderStoreError, match="not the CA certificate recorded"):
        CertificateAuthority(store, provider_ca_device())
    with pytest.raises(ProviderStoreError, match="already set up"):
        CertificateAuthority.create(
            store, provider_ca_device(), base_url="http://127.0.0.1:9", administrator="eve"
        )


def test_a_non_ca_certificate_cannot_run_a_ca(tmp_path: Path) -> None:
    signer = TestPKI(KeyType.EC_P256).issue_person("Anna", "de Vries")
    store = ProviderStore.for_path(tmp_path / "ca.db")
    with pytest.raises(ProviderStoreError, match="not a CA certificate"):
        CertificateAuthority.create(
            store, signer.device(), base_url="http://127.0.0.1:9", administrator="alice"
        )


def test_bad_database_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ProviderStoreError, match="Not a database URL"):
        ProviderStore("not a url")
    with pytest.raises(ProviderStoreError, match="does not exist"):
        ProviderStore(f"sqlite:///{tmp_path}/missing/ca.db")
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(ProviderStoreError, match="No CA is set up"):
        CertificateAuthority(ProviderStore.for_path(empty), provider_ca_device())
    # A PostgreSQL server that is not there: a clear error, and the password never shown.
    unreachable = ProviderStore(f"postgresql+psycopg://ca:s3cret@/ca?host={tmp_path}/none")
    assert "s3cret" not in repr(unreachable)
    with pytest.raises(ProviderStoreError, match="Cannot read the provider's database") as caught:
        unreachable.is_set_up()
    assert "s3cret" not in str(caught.value)


def test_only_setting_up_a_ca_creates_the_database_file(tmp_path: Path) -> None:
    # A mistyped path: every use that opens the store is refused, naming the file,
    # and leaves no empty database behind.
    typo = tmp_path / "typo.db"
    store = ProviderStore(f"sqlite:///{typo}")
    assert store.path == typo
    device = provider_ca_device()

    def read_a_setting() -> None:
        with store.transaction() as session:
            store.setting(session, "ca_certificate")

    attempts = (
        store.is_set_up,
        store.missing_triggers,
        read_a_setting,
        lambda: CertificateAuthority(store, device),
    )
    for attempt in attempts:
        with pytest.raises(ProviderStoreError, match="No provider database at") as caught:
            attempt()
        assert str(typo) in str(caught.value)
        assert caught.value.path == typo
        assert not typo.exists()
    # A missing folder is refused when the store is opened, also to set up a CA: it is
    # never created.
    folder = tmp_path / "no-such-folder"
    with pytest.raises(ProviderStoreError, match=r"folder .* does not exist") as caught:
        ProviderStore.for_path(folder / "ca.db")
    assert caught.value.path == folder
    assert not folder.exists()
    # Setting up a CA creates the file; the same store then opens it.
    ca, _ = CertificateAuthority.create(
        store, device, base_url="http://127.0.0.1:9", administrator="alice"
    )
    assert typo.is_file()
    assert store.is_set_up()
    assert store.missing_triggers() == ()
    assert CertificateAuthority(ProviderStore.for_path(typo), device).audit().intact
    assert ca.audit().intact


def test_revoking_twice_or_an_unknown_serial_is_refused(
    tmp_path: Path, provider_database: Database
) -> None:
    provider = make_provider(tmp_path, database=provider_database)
    _, _, certificate = provider.issue()
    provider.officer.revoke(certificate.serial_number)
    with pytest.raises(ProviderError, match="already revoked"):
        provider.officer.revoke(certificate.serial_number)
    with pytest.raises(UnknownCertificateError):
        provider.officer.revoke(12345)


def test_importing_esig_and_esig_provider_loads_no_sqlalchemy() -> None:
    import subprocess
    import sys

    code = "import sys, esig, esig.provider; print('sqlalchemy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
    assert result.stderr == ""
