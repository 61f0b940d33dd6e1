"""One signer of every kind, from one test PKI — for tests, notebooks and demos.

:class:`TestSigners` issues, from a :class:`~esig.issuance.TestPKI`, a certificate and
key for each kind of signer the decree and the FAQ talk about. Each is an
:class:`~esig.issuance.IssuedCertificate`, so ``.device()`` gives a signing device.
The pytest plugin exposes it as the ``esig_signers`` fixture.
"""

from __future__ import annotations

from esig.issuance import IssuedCertificate, Qualification, TestPKI

__all__ = ["TestSigners"]


class TestSigners:
    """A signer of each kind, issued by ``pki``.

    Attributes:
        person: A natural person (not qualified).
        pseudonym: A natural person known by a pseudonym (2.5.4.65).
        company_officer: A person signing on behalf of a company, with title and
            organisation (BES art. 6(1)(c); the FAQ's "company identity").
        seal: A legal person's electronic seal (not qualified).
        qualified_person: A qualified certificate for electronic signatures, key in a QSCD.
        qualified_seal: A qualified certificate for electronic seals, key in a QSCD.
        tsa: A time-stamping unit.
        ocsp_responder: A delegated OCSP responder.

    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, pki: TestPKI) -> None:
        self.pki = pki
        self.person: IssuedCertificate = pki.issue_person(
            "Anna", "de Vries", serial_number="PNOBQ-19800101-1234"
        )
        self.pseudonym: IssuedCertificate = pki.issue_pseudonym("Blue Flamingo")
        self.company_officer: IssuedCertificate = pki.issue_person(
            "Jan",
            "Pieters",
            organization="Acme Bonaire N.V.",
            organization_identifier="NTRBQ-12345678",
            title="Director",
        )
        self.seal: IssuedCertificate = pki.issue_legal_person(
            "Bonaire Port Authority", "NTRBQ-87654321"
        )
        self.qualified_person: IssuedCertificate = pki.issue_person(
            "Rosa", "Martis", serial_number="PNOBQ-19900202-5678", qualified=Qualification()
        )
        self.qualified_seal: IssuedCertificate = pki.issue_legal_person(
            "Caribbean Registry Office", "NTRBQ-11223344", qualified=Qualification()
        )
        self.tsa: IssuedCertificate = pki.issue_tsa()
        self.ocsp_responder: IssuedCertificate = pki.issue_ocsp_responder()

    def signing(self) -> dict[str, IssuedCertificate]:
        """The signers that sign documents (not the TSA or OCSP responder), by name."""
        return {
            "person": self.person,
            "pseudonym": self.pseudonym,
            "company_officer": self.company_officer,
            "seal": self.seal,
            "qualified_person": self.qualified_person,
            "qualified_seal": self.qualified_seal,
        }
