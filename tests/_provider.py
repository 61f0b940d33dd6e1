"""A small certification service provider for the esig.provider tests.

A real database (a SQLite file in the test's folder, or a fresh database on the session's
real PostgreSQL server), a real CA key (software, or on a SoftHSM2 token), operators with
real API keys, published terms. The subscriber's key is made
here, "on their device", and only its CSR goes to the CA.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from esig.devices.base import SignatureCreationDevice
from esig.devices.software import SoftwareKey
from esig.provider import (
    CertificateAuthority,
    CertificateRecord,
    Clock,
    DocumentKind,
    IdentityEvidence,
    OperatorSession,
    ProviderName,
    ProviderStore,
    Role,
    TermsVersion,
    VerificationMethod,
    software_ca,
)
from tests._provider_db import Database, sqlite_database

TERMS_URL = "https://ca.example.bq/pds/2026-1-en.pdf"
TERMS_TEXT = b"PKI disclosure statement of Bonaire Trust, version 2026-1."


def free_port() -> int:
    """A TCP port nobody listens on now (for a base URL chosen before the service starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def provider_ca_device() -> SoftwareKey:
    """A software CA key with the provider's name (BES art. 6(1)(a))."""
    return software_ca(
        ProviderName(
            organization="Bonaire Trust", country="BQ", organization_identifier="NTRBQ-12345678"
        )
    )


def evidence(subscriber_id: str = "c-1") -> IdentityEvidence:
    """An in-person passport check of Anna de Vries."""
    return IdentityEvidence(
        subscriber_id=subscriber_id,
        given_name="Anna",
        surname="de Vries",
        country="BQ",
        document_kind=DocumentKind.PASSPORT,
        document_number="NX1234567",
        method=VerificationMethod.IN_PERSON,
        note="desk Kralendijk",
    )


def subscriber_request() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A key made on the subscriber's side and its PEM CSR (the only part sent)."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "whatever")]))
        .sign(key, hashes.SHA256())
    )
    return key, csr.public_bytes(serialization.Encoding.PEM)


@dataclass
class Provider:
    """A CA set up in a fresh store, an administrator and one officer with every role."""

    ca: CertificateAuthority
    database: Path
    """The SQLite file (meaningless on PostgreSQL: use :attr:`db`)."""
    db: Database
    admin_key: str
    admin: OperatorSession
    officer_key: str
    officer: OperatorSession
    terms: TermsVersion

    def enrol(self, subscriber_id: str = "c-1") -> None:
        """Identity check and acknowledgement of the current terms."""
        self.officer.record_identity(evidence(subscriber_id))
        self.officer.acknowledge_terms(subscriber_id, self.terms.sha256)

    def issue(
        self, subscriber_id: str = "c-1", *, publish: bool = False
    ) -> tuple[CertificateRecord, ec.EllipticCurvePrivateKey, x509.Certificate]:
        """Enrol and issue; the record, the subscriber's own key and the certificate."""
        self.enrol(subscriber_id)
        key, csr = subscriber_request()
        record = self.officer.issue(subscriber_id, csr, publish=publish)
        return record, key, x509.load_pem_x509_certificate(record.pem.encode())

    def subscriber_device(
        self, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate
    ) -> SoftwareKey:
        """The subscriber's own signing device."""
        return SoftwareKey(key, certificate, (self.ca.certificate,), description="subscriber")


def make_provider(
    folder: Path,
    *,
    device: SignatureCreationDevice | None = None,
    base_url: str = "http://127.0.0.1:9",
    clock: Clock | None = None,
    database: Database | None = None,
) -> Provider:
    """Set up a CA in ``database`` (default: the SQLite file ``folder/ca.db``)."""
    db = database or sqlite_database(folder)
    store = ProviderStore(db.url)
    ca, admin_key = CertificateAuthority.create(
        store,
        device or provider_ca_device(),
        base_url=base_url,
        administrator="alice",
        clock=clock,
    )
    admin = ca.login(admin_key)
    officer_key = admin.add_operator("bob", [Role.REGISTRATION, Role.ISSUANCE, Role.REVOCATION])
    terms = admin.publish_terms("2026-1", TERMS_URL, TERMS_TEXT)
    return Provider(
        ca, Path(db.raw), db, admin_key, admin, officer_key, ca.login(officer_key), terms
    )
