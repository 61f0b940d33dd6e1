"""The esig pytest plugin: throwaway PKIs and signing devices as fixtures.

Installed with esig and registered as a ``pytest11`` entry point, so any project that
installs esig can use these fixtures without importing anything:

``esig_pki``
    A :class:`~esig.issuance.TestPKI` (RSA-2048 root and intermediate), one per session.
``esig_signer``
    A natural person's certificate and key from ``esig_pki``, one per session.
``esig_device``
    A :class:`~esig.devices.SoftwareKey` for ``esig_signer``.
``esig_root_pem``
    The root certificate of ``esig_pki`` written to a PEM file (a trust anchor path).
``esig_sample_pdf``
    A copy of the sample PDF that ships with esig, in the test's temporary folder.
``esig_signers``
    A :class:`~esig.testing.signers.TestSigners` from ``esig_pki``: a natural person, a
    pseudonym, a company officer, a seal, qualified person and seal, a TSA and an OCSP
    responder, each with ``.device()``.
``esig_softhsm``, ``esig_softhsm_token``, ``esig_softhsm_beid``
    Real SoftHSM2 tokens with non-extractable RSA and P-256 keys and imported
    certificates, and one with the layout of a Belgian eID card; see
    :mod:`esig.testing.softhsm`.
``esig_csc_server``, ``esig_csc_mock``
    A real Cloud Signature Consortium server on 127.0.0.1 (certomancer-csc-dummy), and an
    in-memory CSC service for tests without a server; see :mod:`esig.testing.csc`.
``esig_trust_services``
    Real OCSP, CRL and timestamp services on 127.0.0.1 (certomancer's Animator), with a
    good and a revoked signer; see :class:`esig.testing.services.LocalTrustServices`.
``esig_postgres``
    A real PostgreSQL server in a temporary folder (unix socket only), one per session;
    see :class:`esig.testing.postgres.LocalPostgres`.
``esig_smtp_server``
    A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps the messages it receives; see
    :class:`esig.testing.smtp.LocalSmtpServer`.
``esig_sms_gateway``
    A real HTTP SMS gateway on 127.0.0.1 that keeps the messages it receives; see
    :class:`esig.testing.sms.LocalSmsGateway`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from esig.demo import sample_pdf
from esig.devices.software import SoftwareKey
from esig.issuance import IssuedCertificate, TestPKI
from esig.testing.csc import esig_csc_mock, esig_csc_server
from esig.testing.postgres import esig_postgres
from esig.testing.services import esig_trust_services
from esig.testing.signers import TestSigners
from esig.testing.sms import esig_sms_gateway
from esig.testing.smtp import esig_smtp_server
from esig.testing.softhsm import esig_softhsm, esig_softhsm_beid, esig_softhsm_token

__all__ = [
    "esig_csc_mock",
    "esig_csc_server",
    "esig_device",
    "esig_pki",
    "esig_postgres",
    "esig_root_pem",
    "esig_sample_pdf",
    "esig_signer",
    "esig_signers",
    "esig_sms_gateway",
    "esig_smtp_server",
    "esig_softhsm",
    "esig_softhsm_beid",
    "esig_softhsm_token",
    "esig_trust_services",
]


@pytest.fixture(scope="session")
def esig_pki() -> TestPKI:
    """A throwaway PKI for the whole test session."""
    return TestPKI()


@pytest.fixture(scope="session")
def esig_signer(esig_pki: TestPKI) -> IssuedCertificate:
    """A signing certificate for a natural person, issued by ``esig_pki``."""
    return esig_pki.issue_person("Anna", "de Vries", serial_number="PNOBQ-19800101-1234")


@pytest.fixture(scope="session")
def esig_signers(esig_pki: TestPKI) -> TestSigners:
    """A signer of every kind, issued by ``esig_pki``."""
    return TestSigners(esig_pki)


@pytest.fixture
def esig_device(esig_signer: IssuedCertificate) -> SoftwareKey:
    """A software signing device for ``esig_signer``."""
    return esig_signer.device()


@pytest.fixture(scope="session")
def esig_root_pem(esig_pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The root CA of ``esig_pki`` as a PEM file."""
    path = tmp_path_factory.mktemp("esig-pki") / "root.pem"
    path.write_bytes(esig_pki.root.certificate.public_bytes(Encoding.PEM))
    return path


@pytest.fixture
def esig_sample_pdf(tmp_path: Path) -> Path:
    """A fresh copy of esig's sample PDF."""
    path = tmp_path / "sample.pdf"
    path.write_bytes(sample_pdf())
    return path
