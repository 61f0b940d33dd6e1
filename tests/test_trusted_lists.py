"""EU trusted lists (TS 119 612): signatures, status history, qualifiers, the real Belgian list."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from signxml.algorithms import SignatureMethod

from esig.errors import InputError
from esig.issuance import IssuedCertificate, Qualification, TestPKI
from esig.oids import PolicyOID
from esig.testing import real_part_missing
from esig.testing.trusted_lists import (
    ListPointer,
    ProviderSpec,
    QualificationSpec,
    ServiceSpec,
    StatusSpec,
    build_list_of_lists,
    build_trusted_list,
    make_tlso,
    sign_trusted_list,
    tamper_trusted_list,
)
from esig.trust import (
    CertificateType,
    Qualifier,
    SignatureStatus,
    TrustedListError,
    TrustedListQualification,
    TrustedListSignature,
    TrustedListSource,
    TrustServiceStatus,
    read_trusted_list,
)
from esig.trust.trusted_lists import CriteriaAssertion, ServiceType
from esig.ts119615 import CertQualification

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
PROVIDER = "esig Test Trust Services"
CA_NAME = "esig Test Qualified CA"
CUSTOM_POLICY = ObjectIdentifier("1.3.6.1.4.1.55555.1.1")
PSS = SignatureMethod.SHA256_RSA_MGF1
ECDSA_384 = SignatureMethod.ECDSA_SHA384


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    # certificates are issued 51 days ago, after the services below are granted (60 days
    # ago): TS 119 615 judges a certificate at its issuance too
    return TestPKI(now=NOW - 50 * DAY)


@pytest.fixture(scope="module")
def tlso() -> IssuedCertificate:
    return make_tlso(now=NOW)


@pytest.fixture(scope="module")
def qualified_person(pki: TestPKI) -> IssuedCertificate:
    """A qualified certificate for e-signatures with QcSSCD (policy QCP-n-qscd)."""
    return pki.issue_person("Alice", "Qualified", qualified=Qualification())


@pytest.fixture(scope="module")
def plain_person(pki: TestPKI) -> IssuedCertificate:
    """A certificate without any qcStatement, under a custom policy."""
    return pki.issue_person("Bob", "Plain", policies=(CUSTOM_POLICY,))


def chain_of(cert: IssuedCertificate) -> list[x509.Certificate]:
    return [cert.certificate, *cert.chain]


def with_qscd() -> QualificationSpec:
    return QualificationSpec((Qualifier.QC_WITH_QSCD,), (PolicyOID.QCP_N_QSCD,))


def ca_service(
    pki: TestPKI, *history: StatusSpec, certificate: x509.Certificate | None = None
) -> ServiceSpec:
    return ServiceSpec(CA_NAME, certificate or pki.intermediate.certificate, history=history)


Write = Callable[..., Path]


@pytest.fixture
def write_list(tmp_path: Path, tlso: IssuedCertificate) -> Write:
    """Build a list with one provider and these services, sign it (unless told not to)."""
    counter = iter(range(1, 1000))

    def write(
        *services: ServiceSpec,
        signer: IssuedCertificate | None = None,
        signed: bool = True,
        next_update: dt.datetime | None = None,
        territory: str = "BQ",
    ) -> Path:
        xml = build_trusted_list(
            [ProviderSpec(PROVIDER, services)],
            territory=territory,
            sequence_number=7,
            issued=NOW - 10 * DAY,
            next_update=next_update or NOW + 170 * DAY,
        )
        if signed:
            xml = sign_trusted_list(xml, signer or tlso)
        path = tmp_path / f"tl-{next(counter)}.xml"
        path.write_bytes(xml)
        return path

    return write


def source(path: Path, tlso: IssuedCertificate) -> TrustedListSource:
    return TrustedListSource.from_files([path], tlso_certificates=[tlso.certificate])


def granted(
    since: dt.datetime,
    *quals: QualificationSpec,
    certificate_types: tuple[CertificateType, ...] = (CertificateType.ESIG,),
    split_qualifications: bool = False,
) -> StatusSpec:
    return StatusSpec(
        TrustServiceStatus.GRANTED,
        since,
        qualifications=quals,
        certificate_types=certificate_types,
        split_qualifications=split_qualifications,
    )


def withdrawn(since: dt.datetime) -> StatusSpec:
    return StatusSpec(TrustServiceStatus.WITHDRAWN, since)


# --- a valid list ---------------------------------------------------------------------------


def test_a_valid_list_verifies_and_makes_a_qualified_certificate_qualified_with_qscd(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY, with_qscd())))
    src = source(path, tlso)
    (tl,) = src.lists
    assert tl.signature.status is SignatureStatus.VERIFIED
    assert tl.signature.signer == tlso.certificate.subject.rfc4514_string()
    assert (tl.territory, tl.sequence_number, tl.operator) == ("BQ", 7, "Test Scheme Operator")
    ((provider, service),) = list(tl.services)
    assert provider.name == PROVIDER
    assert service.current.status is TrustServiceStatus.GRANTED
    assert service.current.certificate_types == (CertificateType.ESIG,)
    assert service.current.qualifications[0].qualifiers == (Qualifier.QC_WITH_QSCD,)

    q = src.qualification_at(chain_of(qualified_person), NOW - DAY)
    assert q.qualified is True
    assert q.qscd is True
    assert q.qscd_managed_on_behalf is False
    assert q.certificate_type is CertificateType.ESIG
    assert q.status is TrustServiceStatus.GRANTED
    assert q.status_since == NOW - 60 * DAY
    assert (q.service_name, q.provider_name, q.territory) == (CA_NAME, PROVIDER, "BQ")
    assert q.qualifiers == (Qualifier.QC_WITH_QSCD,)
    assert q.list_signature is SignatureStatus.VERIFIED
    assert q.list_expired is False
    assert "QcCompliance" in q.explanation and "QCWithQSCD" in q.explanation
    assert "trusted list BQ #7" in q.source_text
    # the answer round-trips as JSON
    assert TrustedListQualification.model_validate_json(q.model_dump_json()) == q


def test_the_issuing_ca_alone_is_enough_when_the_list_holds_it(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY))), tlso)
    q = src.qualification_at([qualified_person.certificate], NOW)
    assert q.qualified is True and q.qscd is True  # QcSSCD in the certificate


def test_a_list_naming_the_root_covers_certificates_under_its_intermediates(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    service = ca_service(pki, granted(NOW - 60 * DAY), certificate=pki.root.certificate)
    src = source(write_list(service), tlso)
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is True
    # without the intermediate the root cannot be reached: the lists say nothing
    assert src.qualification_at([qualified_person.certificate], NOW).qualified is None


def test_a_certificate_from_an_unlisted_ca_is_not_judged(
    pki: TestPKI, tlso: IssuedCertificate, write_list: Write
) -> None:
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY))), tlso)
    stranger = TestPKI(organization="Unlisted CA").issue_person(
        "Eve", "Elsewhere", qualified=Qualification()
    )
    q = src.qualification_at(chain_of(stranger), NOW)
    assert q.qualified is None and q.qscd is None and q.service_name is None
    assert "No service in the trusted lists" in q.explanation


def test_a_look_alike_ca_with_the_same_name_but_another_key_does_not_match(
    pki: TestPKI, tlso: IssuedCertificate, write_list: Write
) -> None:
    # same organisation name → same issuer DN, but a different key
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY))), tlso)
    twin = TestPKI(organization="esig Test Trust Services")
    forged = twin.issue_person("Mallory", "Twin", qualified=Qualification())
    assert forged.certificate.issuer == pki.intermediate.certificate.subject
    assert src.qualification_at([forged.certificate], NOW).qualified is None


# --- status history -------------------------------------------------------------------------


def test_a_service_withdrawn_before_the_signing_time_makes_it_not_qualified(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    history = (granted(NOW - 60 * DAY, with_qscd()), withdrawn(NOW - 20 * DAY))
    src = source(write_list(ca_service(pki, *history)), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW - 5 * DAY)
    assert q.qualified is False
    assert q.qscd is False
    assert q.status is TrustServiceStatus.WITHDRAWN
    assert q.status_since == NOW - 20 * DAY
    assert q.service_name == CA_NAME
    assert "withdrawn" in q.explanation
    # the history is shown, newest first, with the periods
    (tl,) = src.lists
    ((_, service),) = list(tl.services)
    assert [e.status for e in service.history] == [
        TrustServiceStatus.WITHDRAWN,
        TrustServiceStatus.GRANTED,
    ]
    assert service.history[1].until == NOW - 20 * DAY


def test_a_service_withdrawn_after_the_signing_time_still_made_it_qualified(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    # the granted period is a history entry identified by SKI and subject name only,
    # as in real lists
    history = (granted(NOW - 60 * DAY, with_qscd()), withdrawn(NOW - 5 * DAY))
    src = source(write_list(ca_service(pki, *history)), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW - 20 * DAY)
    assert q.qualified is True
    assert q.qscd is True
    assert q.status is TrustServiceStatus.GRANTED
    assert q.status_since == NOW - 60 * DAY
    assert q.qualifiers == (Qualifier.QC_WITH_QSCD,)


def test_before_the_service_was_granted_the_certificate_was_not_qualified(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    src = source(write_list(ca_service(pki, granted(NOW - 10 * DAY))), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW - 30 * DAY)
    assert q.qualified is False
    assert q.status is None
    assert "not yet listed" in q.explanation


# --- qualifiers (service information extensions) -------------------------------------------


def test_qcnoqscd_overrides_the_qcsscd_of_the_certificate(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    no_qscd = QualificationSpec((Qualifier.QC_NO_QSCD,), (PolicyOID.QCP_N_QSCD,))
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, no_qscd))), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True
    assert q.qscd is False
    assert q.qualifiers == (Qualifier.QC_NO_QSCD,)
    assert "no QSCD" in q.explanation


def test_qcstatement_makes_a_certificate_without_qccompliance_qualified(
    pki: TestPKI, tlso: IssuedCertificate, plain_person: IssuedCertificate, write_list: Write
) -> None:
    plain = source(write_list(ca_service(pki, granted(NOW - 60 * DAY))), tlso)
    assert plain.qualification_at(chain_of(plain_person), NOW).qualified is False

    override = QualificationSpec(
        (Qualifier.QC_STATEMENT, Qualifier.QC_WITH_QSCD, Qualifier.QC_FOR_ESIG), (CUSTOM_POLICY,)
    )
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, override))), tlso)
    q = src.qualification_at(chain_of(plain_person), NOW)
    assert q.qualified is True
    assert q.qscd is True
    assert q.certificate_type is CertificateType.ESIG
    assert set(q.qualifiers) == {
        Qualifier.QC_STATEMENT,
        Qualifier.QC_WITH_QSCD,
        Qualifier.QC_FOR_ESIG,
    }
    assert "declares no qcStatement" in q.explanation


def test_qualifiers_apply_only_to_certificates_matching_their_criteria(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    plain_person: IssuedCertificate,
    write_list: Write,
) -> None:
    not_qualified = QualificationSpec((Qualifier.NOT_QUALIFIED,), (CUSTOM_POLICY,))
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, not_qualified))), tlso)
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is True
    assert src.qualification_at(chain_of(plain_person), NOW).qualified is False

    # "none": NotQualified for every certificate *without* the QCP-n-qscd policy
    others = QualificationSpec(
        (Qualifier.NOT_QUALIFIED,), (PolicyOID.QCP_N_QSCD,), assertion=CriteriaAssertion.NONE
    )
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, others))), tlso)
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is True


def test_every_qualifications_extension_counts_not_only_the_last(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    # as in the Belgian list: one Qualifications extension per qualification
    on_behalf = QualificationSpec((Qualifier.QC_QSCD_MANAGED_ON_BEHALF,), (PolicyOID.QCP_N_QSCD,))
    others = QualificationSpec(
        (Qualifier.NOT_QUALIFIED,), (PolicyOID.QCP_N_QSCD,), assertion=CriteriaAssertion.NONE
    )
    status = granted(NOW - 60 * DAY, on_behalf, others, split_qualifications=True)
    src = source(write_list(ca_service(pki, status)), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True
    assert q.qscd is True and q.qscd_managed_on_behalf is True
    assert q.qualifiers == (Qualifier.QC_QSCD_MANAGED_ON_BEHALF,)


def test_a_service_for_seals_only_does_not_vouch_for_a_signature_certificate(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    seals = granted(NOW - 60 * DAY, certificate_types=(CertificateType.ESEAL,))
    src = source(write_list(ca_service(pki, seals)), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is False
    assert "no service is for a certificate of type esig" in q.explanation
    assert q.certificate_qualification is CertQualification.CERT_ESIG

    seal_cert = pki.issue_legal_person("Acme BV", "NTRBQ-12345678", qualified=Qualification())
    q = src.qualification_at(chain_of(seal_cert), NOW)
    assert q.qualified is True and q.certificate_type is CertificateType.ESEAL


# --- signatures -----------------------------------------------------------------------------


def test_a_list_changed_after_signing_is_refused_with_a_clear_message(
    pki: TestPKI, tlso: IssuedCertificate, tmp_path: Path, write_list: Write
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)))
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(tamper_trusted_list(path.read_bytes()))

    with pytest.raises(TrustedListError) as caught:
        source(tampered, tlso)
    error = caught.value
    assert "refused" in str(error) and "does not verify" in str(error)
    assert "Digest mismatch" in str(error)
    assert error.path == tampered and error.territory == "BQ"
    assert error.signature is not None
    assert error.signature.status is SignatureStatus.NOT_VERIFIED
    assert error.signature.integrity is False

    # without a TLSO certificate, and even when unauthenticated lists are allowed
    with pytest.raises(TrustedListError, match="signature is broken"):
        TrustedListSource.from_files([tampered], allow_unsigned=True)

    # inspection reports it instead of refusing
    shown = read_trusted_list(tampered, tlso_certificates=[tlso.certificate])
    assert shown.signature.status is SignatureStatus.NOT_VERIFIED
    assert shown.signature.integrity is False


def test_a_list_signed_by_someone_else_is_refused(
    pki: TestPKI, tlso: IssuedCertificate, write_list: Write
) -> None:
    impostor = make_tlso("Impostor", now=NOW)
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)), signer=impostor)
    with pytest.raises(TrustedListError, match="does not verify with any of the TLSO") as caught:
        source(path, tlso)
    assert caught.value.signature is not None
    assert caught.value.signature.integrity is True  # intact, but not the operator's
    with pytest.raises(TrustedListError):
        TrustedListSource.from_files(
            [path], tlso_certificates=[tlso.certificate], allow_unsigned=True
        )


def test_a_list_without_tlso_certificate_is_refused_unless_allowed(
    pki: TestPKI, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)))
    with pytest.raises(TrustedListError, match="cannot be authenticated") as caught:
        TrustedListSource.from_files([path])
    assert caught.value.signature is not None
    assert caught.value.signature.status is SignatureStatus.NOT_CHECKED

    src = TrustedListSource.from_files([path], allow_unsigned=True)
    sig = src.lists[0].signature
    assert sig.status is SignatureStatus.NOT_CHECKED
    assert sig.integrity is True and "integrity only" in (sig.reason or "")
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True
    assert q.list_signature is SignatureStatus.NOT_CHECKED
    assert "not authenticated" in q.explanation and "not authenticated" in q.source_text


def test_an_unsigned_list_is_refused_unless_allowed(
    pki: TestPKI, tlso: IssuedCertificate, write_list: Write
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)), signed=False)
    with pytest.raises(TrustedListError, match="carries no XML signature"):
        TrustedListSource.from_files([path])
    with pytest.raises(TrustedListError):
        source(path, tlso)
    src = TrustedListSource.from_files([path], allow_unsigned=True)
    sig = src.lists[0].signature
    assert sig.status is SignatureStatus.NOT_VERIFIED and sig.signature_present is False


def test_an_expired_list_is_used_but_flagged(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)), next_update=NOW - 2 * DAY)
    src = source(path, tlso)
    (tl,) = src.lists
    assert tl.signature.status is SignatureStatus.VERIFIED
    assert tl.is_expired(NOW) and not tl.is_expired(NOW - 3 * DAY)
    assert "EXPIRED" in tl.to_text(now=NOW)
    q = src.qualification_at(chain_of(qualified_person), NOW - 5 * DAY, now=NOW)
    # pyHanko's assessor does not look at NextUpdate: the answer stands, with a warning
    assert q.qualified is True
    assert q.list_expired is True
    assert "had expired" in q.explanation
    assert src.qualification_at(chain_of(qualified_person), NOW - 5 * DAY, now=NOW - 3 * DAY)


@pytest.mark.parametrize(
    ("label", "make_key", "method", "key_value"),
    [
        # a KeyValue beside the certificate, in an unsigned KeyInfo: signxml cannot
        # cross-check it for RSA-PSS, esig verifies against the certificate alone
        ("RSA-PSS", lambda: rsa.generate_private_key(65537, 2048), PSS, True),
        ("brainpool", lambda: ec.generate_private_key(ec.BrainpoolP256R1()), None, False),
        ("P-384", lambda: ec.generate_private_key(ec.SECP384R1()), ECDSA_384, True),
    ],
)
def test_lists_signed_with_rsa_pss_or_brainpool_verify(
    pki: TestPKI,
    qualified_person: IssuedCertificate,
    write_list: Write,
    label: str,
    make_key: Callable[[], Any],
    method: SignatureMethod | None,
    key_value: bool,
) -> None:
    signer = make_tlso(label, now=NOW, key=make_key())
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)), signed=False)
    signed = sign_trusted_list(
        path.read_bytes(), signer, method=method, key_value=key_value, key_info_signed=False
    )
    path.write_bytes(signed)
    src = source(path, signer)
    assert src.lists[0].signature.status is SignatureStatus.VERIFIED
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is True
    # the same list changed after signing is still caught
    path.write_bytes(tamper_trusted_list(signed))
    with pytest.raises(TrustedListError, match="does not verify"):
        source(path, signer)


def test_a_signature_that_cannot_be_checked_is_not_called_tampering(
    pki: TestPKI, write_list: Write
) -> None:
    # RSA-PSS with a KeyValue in a *signed* KeyInfo: signxml cannot cross-check the
    # KeyValue, and it cannot be left out
    signer = make_tlso("PSS", now=NOW, key=rsa.generate_private_key(65537, 2048))
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)), signed=False)
    path.write_bytes(sign_trusted_list(path.read_bytes(), signer, method=PSS))
    shown = read_trusted_list(path)
    assert shown.signature.status is SignatureStatus.NOT_VERIFIED
    assert shown.signature.integrity is None
    assert "cannot be checked" in (shown.signature.reason or "")
    with pytest.raises(TrustedListError, match="cannot be checked") as caught:
        source(path, signer)
    assert "changed after signing" not in str(caught.value)


# --- list of trusted lists ------------------------------------------------------------------


def test_a_lotl_pointer_names_the_certificates_that_may_sign_a_list(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    tmp_path: Path,
    write_list: Write,
) -> None:
    commission = make_tlso("Test Commission", territory="EU", now=NOW)
    tl_path = write_list(ca_service(pki, granted(NOW - 60 * DAY)))

    def lotl(certs: Sequence[x509.Certificate], signer: IssuedCertificate) -> Path:
        pointer = ListPointer("BQ", "https://tl.example.org/BQ.xml", tuple(certs))
        path = tmp_path / f"lotl-{signer.certificate.serial_number}-{len(certs)}.xml"
        path.write_bytes(sign_trusted_list(build_list_of_lists([pointer]), signer))
        return path

    good = lotl([tlso.certificate], commission)
    src = TrustedListSource.from_files(
        [tl_path], lotl=good, lotl_certificates=[commission.certificate]
    )
    assert src.lists[0].signature.status is SignatureStatus.VERIFIED
    assert src.lotl is not None and src.lotl.is_list_of_lists and src.lotl.pointers == ("BQ",)
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is True

    # the LOTL names another operator: the list is refused
    other = lotl([make_tlso("Another", now=NOW).certificate], commission)
    with pytest.raises(TrustedListError, match="does not verify"):
        TrustedListSource.from_files(
            [tl_path], lotl=other, lotl_certificates=[commission.certificate]
        )

    # a LOTL not signed by the expected signer is refused itself
    with pytest.raises(TrustedListError, match="list of trusted lists is refused"):
        TrustedListSource.from_files([tl_path], lotl=good, lotl_certificates=[tlso.certificate])
    # by default the LOTL must be signed by the real EU LOTL signers (bundled with pyHanko)
    with pytest.raises(TrustedListError, match="list of trusted lists is refused"):
        TrustedListSource.from_files([tl_path], lotl=good)

    shown = read_trusted_list(good, tlso_certificates=[commission.certificate])
    assert shown.is_list_of_lists and shown.signature.status is SignatureStatus.VERIFIED


def test_a_lotl_pointer_with_whitespace_around_its_values_still_counts(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    tmp_path: Path,
    write_list: Write,
) -> None:
    commission = make_tlso("Test Commission", territory="EU", now=NOW)
    tl_path = write_list(ca_service(pki, granted(NOW - 60 * DAY)))
    pointers = [
        ListPointer("bq", "https://tl.example.org/BQ.pdf", (tlso.certificate,)),
        ListPointer("BQ", "https://tl.example.org/BQ.xml", (tlso.certificate,)),
    ]
    xml = build_list_of_lists(pointers)
    mime = b"application/vnd.etsi.tsl+xml"
    # the first pointer is the PDF edition of the list; the second wraps its values
    xml = xml.replace(mime, b"application/pdf", 1)
    xml = xml.replace(b">" + mime + b"<", b">\n    " + mime + b"\n  <")
    xml = xml.replace(b">BQ</tsl:SchemeTerritory>", b"> BQ </tsl:SchemeTerritory>")
    lotl = tmp_path / "lotl.xml"
    lotl.write_bytes(sign_trusted_list(xml, commission))
    src = TrustedListSource.from_files(
        [tl_path], lotl=lotl, lotl_certificates=[commission.certificate]
    )
    assert src.lotl is not None and src.lotl.pointers == ("BQ",)
    assert src.lists[0].signature.status is SignatureStatus.VERIFIED
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is True


# --- bad input and invariants ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not xml at all", "not well-formed XML"),
        (b"<?xml version='1.0'?><html/>", "not an ETSI TS 119 612 trusted list"),
        (
            b'<?xml version="1.0"?>\n<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"/>',
            "empty or truncated",
        ),
    ],
)
def test_files_that_are_not_trusted_lists_are_input_errors(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    with pytest.raises(TrustedListError, match=message):
        read_trusted_list(path)
    with pytest.raises(TrustedListError, match="does not exist"):
        TrustedListSource.from_files([tmp_path / "missing.xml"])


def test_an_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#">&x;'
        "</TrustServiceStatusList>"
    )
    with pytest.raises(TrustedListError) as caught:
        read_trusted_list(path)
    assert "TOP SECRET" not in str(caught.value)


def test_models_refuse_inconsistent_states() -> None:
    with pytest.raises(ValueError, match="names its signer"):
        TrustedListSignature(status=SignatureStatus.VERIFIED, signature_present=True)
    with pytest.raises(ValueError, match="needs a reason"):
        TrustedListSignature(status=SignatureStatus.NOT_CHECKED, signature_present=True)
    with pytest.raises(ValueError, match="not established"):
        TrustedListQualification(moment=NOW, qualified=None, qscd=True, explanation="x")
    with pytest.raises(ValueError, match="names its service"):
        TrustedListQualification(moment=NOW, qualified=True, qscd=True, explanation="x")


def test_qualification_needs_a_certificate(
    pki: TestPKI, tlso: IssuedCertificate, write_list: Write
) -> None:
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY))), tlso)
    with pytest.raises(InputError, match="at least the certificate"):
        src.qualification_at([], NOW)


# --- TS 119 615 rules, as DSS applies them ----------------------------------------------------

EIDAS_START = dt.datetime(2016, 6, 30, 22, 0, tzinfo=dt.UTC)  # 1 July 2016, 00:00 Brussels


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        (TrustServiceStatus.UNDER_SUPERVISION, True),
        (TrustServiceStatus.ACCREDITED, True),
        (TrustServiceStatus.SUPERVISION_IN_CESSATION, True),
        (TrustServiceStatus.SET_BY_NATIONAL_LAW, False),
        (TrustServiceStatus.SUPERVISION_REVOKED, False),
    ],
)
def test_pre_eidas_statuses_count_for_periods_before_1_july_2016(
    tlso: IssuedCertificate, write_list: Write, status: TrustServiceStatus, counts: bool
) -> None:
    old = TestPKI(now=dt.datetime(2014, 1, 1, tzinfo=dt.UTC))
    person = old.issue_person("Olga", "Older", qualified=Qualification())
    history = (
        StatusSpec(status, dt.datetime(2010, 1, 1, tzinfo=dt.UTC), certificate_types=()),
        granted(EIDAS_START),
    )
    src = source(write_list(ca_service(old, *history)), tlso)
    q = src.qualification_at(chain_of(person), dt.datetime(2015, 6, 1, tzinfo=dt.UTC))
    assert q.status is status
    assert q.qualified is counts
    assert q.qscd is counts  # QcSSCD in the certificate
    assert q.qualified_at_issuance is counts


def test_a_certificate_issued_before_its_ca_was_granted_is_not_qualified(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    issued = qualified_person.certificate.not_valid_before_utc
    late = source(write_list(ca_service(pki, granted(issued + 10 * DAY, with_qscd()))), tlso)
    q = late.qualification_at(chain_of(qualified_person), NOW - DAY)
    assert q.status is TrustServiceStatus.GRANTED  # granted at the signing time …
    assert q.qualified is False and q.qscd is False  # … but not when it was issued
    assert q.qualified_at_issuance is False and q.issued == issued
    assert "At its issuance" in q.explanation and "not yet listed" in q.explanation
    assert q.qualification_at_issuance is CertQualification.CERT_ESIG

    early = source(write_list(ca_service(pki, granted(issued - 10 * DAY, with_qscd()))), tlso)
    q = early.qualification_at(chain_of(qualified_person), NOW - DAY)
    assert q.qualified is True and q.qualified_at_issuance is True


def test_a_type_that_changed_since_issuance_is_not_established(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    # the service is for signatures and seals (ASI); a usage qualifier overrules the type
    def typed(since: dt.datetime, qualifier: Qualifier) -> StatusSpec:
        spec = QualificationSpec((qualifier,), (PolicyOID.QCP_N_QSCD,))
        return granted(since, spec, certificate_types=(CertificateType.ESIG, CertificateType.ESEAL))

    history = (
        typed(NOW - 60 * DAY, Qualifier.QC_FOR_ESEAL),
        typed(NOW - 30 * DAY, Qualifier.QC_FOR_ESIG),
    )
    src = source(write_list(ca_service(pki, *history)), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW - DAY)
    assert q.qualified is True
    assert q.certificate_type is CertificateType.UNKNOWN
    assert q.qualification_at_issuance is CertQualification.QC_ESEAL_QSCD
    assert q.certificate_qualification is CertQualification.QC_UNKNOWN_QSCD

    steady = (typed(NOW - 60 * DAY, Qualifier.QC_FOR_ESIG),)
    q = source(write_list(ca_service(pki, *steady)), tlso).qualification_at(
        chain_of(qualified_person), NOW - DAY
    )
    assert q.certificate_type is CertificateType.ESIG


def test_services_that_contradict_each_other_leave_the_answer_undetermined(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    ca = pki.intermediate.certificate
    no_qscd = QualificationSpec((Qualifier.QC_NO_QSCD,), (PolicyOID.QCP_N_QSCD,))
    one = ServiceSpec("CA for QSCD", ca, history=(granted(NOW - 60 * DAY, with_qscd()),))
    other = ServiceSpec("CA without QSCD", ca, history=(granted(NOW - 60 * DAY, no_qscd),))
    q = source(write_list(one, other), tlso).qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is None and q.qscd is None
    assert set(q.conflicting_services) == {"CA for QSCD", "CA without QSCD"}
    assert "not determinable" in q.explanation
    assert q.certificate_qualification is CertQualification.NA

    twin = ServiceSpec("Same CA again", ca, history=(granted(NOW - 60 * DAY, with_qscd()),))
    q = source(write_list(one, twin), tlso).qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True and q.qscd is True and q.conflicting_services == ()


# --- criteria of qualifiers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bits", "qualified"),
    [
        ((("nonRepudiation", True),), False),
        ((("nonRepudiation", False),), True),
        ((("digitalSignature", True), ("nonRepudiation", True)), False),
        # every bit listed must match, not just one of them
        ((("nonRepudiation", True), ("keyCertSign", True)), True),
    ],
)
def test_key_usage_criteria_select_the_certificates_a_qualifier_applies_to(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    write_list: Write,
    bits: tuple[tuple[str, bool], ...],
    qualified: bool,
) -> None:
    # the person's certificate has digitalSignature and nonRepudiation, not keyCertSign:
    # "NotQualified" applies to it only when every listed bit has the listed value
    spec = QualificationSpec(
        (Qualifier.NOT_QUALIFIED,), (), assertion=CriteriaAssertion.ALL, key_usage=bits
    )
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, spec))), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is qualified
    (rule,) = src.lists[0].providers[0].services[0].current.qualifications
    assert "nonRepudiation" in rule.criteria


def test_nested_criteria_lists_are_combined(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    plain_person: IssuedCertificate,
    write_list: Write,
) -> None:
    either = QualificationSpec(
        (), (CUSTOM_POLICY,), key_usage=(("nonRepudiation", True),)
    )  # atLeastOne
    spec = QualificationSpec(
        (Qualifier.QC_STATEMENT, Qualifier.QC_QSCD_MANAGED_ON_BEHALF),
        (PolicyOID.QCP_N_QSCD,),
        assertion=CriteriaAssertion.ALL,
        nested=(either,),
    )
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, spec))), tlso)
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True and q.qscd_managed_on_behalf is True
    # the plain certificate has the custom policy but not QCP-n-qscd: "all" fails
    assert src.qualification_at(chain_of(plain_person), NOW).qualified is False


@pytest.mark.parametrize(
    ("assertion", "qualified"),
    [(CriteriaAssertion.ALL, False), (CriteriaAssertion.AT_LEAST_ONE, True)],
)
def test_an_empty_criteria_list_combines_as_dss_combines_it(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    write_list: Write,
    assertion: CriteriaAssertion,
    qualified: bool,
) -> None:
    # "all" of nothing holds for every certificate, "at least one" of nothing for none
    spec = QualificationSpec((Qualifier.NOT_QUALIFIED,), (), assertion=assertion)
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, spec))), tlso)
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is qualified


def test_an_entry_with_an_unknown_criterion_is_reported_not_guessed(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    spec = QualificationSpec((Qualifier.NOT_QUALIFIED,), (CUSTOM_POLICY,), unknown_criterion=True)
    history = (granted(NOW - 60 * DAY, spec), withdrawn(NOW - 5 * DAY))
    src = source(write_list(ca_service(pki, *history)), tlso)
    (tl,) = src.lists
    assert any("cannot be interpreted" in p and "unknown criterion" in p for p in tl.problems)
    q = src.qualification_at(chain_of(qualified_person), NOW - 10 * DAY)
    assert q.qualified is None and q.service_name == CA_NAME
    assert "cannot be interpreted" in q.explanation
    # the withdrawn period is readable, but the certificate was issued in the unreadable
    # one: its qualification at issuance, and so the final one, is not determinable
    later = src.qualification_at(chain_of(qualified_person), NOW)
    assert later.qualified is None and later.qualified_at_issuance is None
    assert later.qualification_at_issuance is CertQualification.NA


@pytest.mark.parametrize(
    ("purpose", "qualified"),
    [(ExtendedKeyUsageOID.EMAIL_PROTECTION, False), (ExtendedKeyUsageOID.SERVER_AUTH, True)],
)
def test_extended_key_usage_criteria_select_certificates(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    write_list: Write,
    purpose: ObjectIdentifier,
    qualified: bool,
) -> None:
    # the person's certificate has emailProtection, not serverAuth
    spec = QualificationSpec(
        (Qualifier.NOT_QUALIFIED,),
        (),
        assertion=CriteriaAssertion.ALL,
        extended_key_usage=(purpose,),
    )
    src = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, spec))), tlso)
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is qualified


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [(NameOID.GIVEN_NAME, CertificateType.ESEAL), (NameOID.PSEUDONYM, CertificateType.ESIG)],
)
def test_subject_name_criteria_select_certificates(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    write_list: Write,
    attribute: ObjectIdentifier,
    expected: CertificateType,
) -> None:
    # "QCForESeal when the subject name has <attribute>": the person has a givenName
    spec = QualificationSpec(
        (Qualifier.QC_FOR_ESEAL,),
        (),
        assertion=CriteriaAssertion.ALL,
        subject_attributes=(attribute,),
    )
    both = (CertificateType.ESIG, CertificateType.ESEAL)
    src = source(
        write_list(ca_service(pki, granted(NOW - 60 * DAY, spec, certificate_types=both))), tlso
    )
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True and q.certificate_type is expected


# --- shapes of real lists ---------------------------------------------------------------------


def test_a_service_with_several_certificates_matches_any_of_them(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    other_ca = TestPKI(organization="Previous CA key").intermediate.certificate
    service = ServiceSpec(
        CA_NAME,
        other_ca,
        history=(granted(NOW - 60 * DAY),),
        additional_certificates=(pki.intermediate.certificate,),
    )
    src = source(write_list(service), tlso)
    assert len(src.lists[0].providers[0].services[0].identity.certificates) == 2
    assert src.qualification_at([qualified_person.certificate], NOW).qualified is True

    alone = ServiceSpec(CA_NAME, other_ca, history=(granted(NOW - 60 * DAY),))
    src = source(write_list(alone), tlso)
    assert src.qualification_at([qualified_person.certificate], NOW).qualified is None


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\n  ", b"\xef\xbb\xbf\r\n"])
def test_a_byte_order_mark_or_blank_lines_before_the_prolog_are_accepted(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    write_list: Write,
    prefix: bytes,
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)))
    path.write_bytes(prefix + path.read_bytes())
    src = source(path, tlso)
    assert src.lists[0].signature.status is SignatureStatus.VERIFIED
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is True
    assert read_trusted_list(path).territory == "BQ"


def test_names_in_several_languages_prefer_english_whatever_its_case(
    pki: TestPKI, tlso: IssuedCertificate, tmp_path: Path
) -> None:
    provider = ProviderSpec(
        PROVIDER,
        (ca_service(pki, granted(NOW - 60 * DAY)),),
        other_names=(("de", "esig Testdienste"), ("nl", "esig Testdiensten")),
    )
    path = tmp_path / "tl-v6.xml"
    path.write_bytes(
        sign_trusted_list(build_trusted_list([provider], version=6, language="EN"), tlso)
    )
    tl = read_trusted_list(path, tlso_certificates=[tlso.certificate])
    assert tl.version == 6
    assert tl.providers[0].name == PROVIDER
    assert tl.operator == "Test Scheme Operator"


def test_status_times_without_a_time_zone_are_read_as_utc(
    pki: TestPKI, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)), signed=False)
    xml = path.read_bytes()
    assert b"Z</tsl:StatusStartingTime>" in xml
    path.write_bytes(xml.replace(b"Z</tsl:StatusStartingTime>", b"</tsl:StatusStartingTime>"))
    src = TrustedListSource.from_files([path], allow_unsigned=True)
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True
    assert q.status_since == NOW - 60 * DAY


def test_a_list_with_two_signatures_is_refused(
    pki: TestPKI, tlso: IssuedCertificate, write_list: Write
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)))
    path.write_bytes(sign_trusted_list(path.read_bytes(), tlso))
    for allow in (False, True):
        with pytest.raises(TrustedListError, match="2 XML signatures") as caught:
            TrustedListSource.from_files(
                [path], tlso_certificates=[tlso.certificate], allow_unsigned=allow
            )
        assert caught.value.signature is not None
        assert caught.value.signature.extra_signatures == 1
    with pytest.raises(TrustedListError, match="2 XML signatures"):
        TrustedListSource.from_files([path], allow_unsigned=True)
    shown = read_trusted_list(path, tlso_certificates=[tlso.certificate])
    assert shown.signature.status is SignatureStatus.NOT_VERIFIED


def test_a_critical_taken_over_by_extension_is_informational(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    # the Slovak list marks TakenOverBy critical; pyHanko alone drops such an entry
    status = StatusSpec(
        TrustServiceStatus.GRANTED,
        NOW - 60 * DAY,
        qualifications=(with_qscd(),),
        taken_over_by="esig Successor Services",
    )
    src = source(write_list(ca_service(pki, status)), tlso)
    (tl,) = src.lists
    assert tl.problems == ()
    assert tl.providers[0].services[0].current.taken_over_by == "esig Successor Services"
    assert "taken over by esig Successor Services" in tl.to_text(now=NOW)
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True and q.qscd is True


def test_an_entry_with_an_unknown_critical_extension_is_not_used(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    # TS 119 612 5.5.9: a critical extension that is not understood voids the entry
    status = StatusSpec(
        TrustServiceStatus.GRANTED,
        NOW - 60 * DAY,
        qualifications=(with_qscd(),),
        unknown_critical_extension=True,
    )
    src = source(write_list(ca_service(pki, status)), tlso)
    assert any("critical extension" in p for p in src.lists[0].problems)
    q = src.qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is None and q.qscd is None
    assert "cannot be interpreted" in q.explanation and "critical extension" in q.explanation


def test_whitespace_around_uris_does_not_change_their_meaning(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, tmp_path: Path
) -> None:
    # some lists wrap URIs in whitespace: a seals-only service must stay seals-only, a
    # qualifier must still apply
    no_qscd = QualificationSpec((Qualifier.QC_NO_QSCD,), (PolicyOID.QCP_N_QSCD,))

    def load(types: tuple[CertificateType, ...]) -> TrustedListSource:
        status = granted(NOW - 60 * DAY, no_qscd, certificate_types=types)
        xml = build_trusted_list([ProviderSpec(PROVIDER, (ca_service(pki, status),))])
        for uri in (b"SvcInfoExt/ForeSeals", b"SvcInfoExt/ForeSignatures", b"SvcInfoExt/QCNoQSCD"):
            xml = xml.replace(
                b"http://uri.etsi.org/TrstSvc/TrustedList/" + uri,
                b"\n  http://uri.etsi.org/TrstSvc/TrustedList/" + uri + b"\n  ",
            )
        path = tmp_path / f"tl-{len(list(tmp_path.iterdir()))}.xml"
        path.write_bytes(sign_trusted_list(xml, tlso))
        return source(path, tlso)

    seals = load((CertificateType.ESEAL,))
    assert seals.lists[0].providers[0].services[0].current.certificate_types == (
        CertificateType.ESEAL,
    )
    assert seals.qualification_at(chain_of(qualified_person), NOW).qualified is False
    q = load((CertificateType.ESIG,)).qualification_at(chain_of(qualified_person), NOW)
    assert q.qualified is True and q.qscd is False and q.qualifiers == (Qualifier.QC_NO_QSCD,)


# --- the command line -----------------------------------------------------------------------


def esig_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
        stdin=subprocess.DEVNULL,
    )


def test_tl_show_prints_providers_services_history_and_signature(
    pki: TestPKI, tlso: IssuedCertificate, tmp_path: Path, write_list: Write
) -> None:
    history = (granted(NOW - 60 * DAY, with_qscd()), withdrawn(NOW - 5 * DAY))
    path = write_list(ca_service(pki, *history))
    pem = tmp_path / "tlso.pem"
    pem.write_bytes(tlso.certificate.public_bytes(Encoding.PEM))

    shown = esig_cli("tl", "show", str(path), "--tlso", str(pem))
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "Trusted list BQ, sequence 7" in out
    assert "Signature:   VERIFIED" in out
    assert f"Provider: {PROVIDER}" in out and f"Service: {CA_NAME}  [CA/QC]" in out
    assert "withdrawn" in out and "granted" in out and "QCWithQSCD" in out

    unchecked = esig_cli("tl", "show", str(path), "--json")
    assert unchecked.returncode == 1
    data = json.loads(unchecked.stdout)
    assert data["signature"]["status"] == "not checked"
    assert data["providers"][0]["services"][0]["history"][0]["status"] == "withdrawn"

    missing = esig_cli("tl", "show", str(tmp_path / "nope.xml"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("esig: error:") and "Traceback" not in missing.stderr


# --- the real Belgian list and a real itsme certificate -------------------------------------


def real(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        real_part_missing(f"the corpus file {path}")
    return path


@pytest.fixture(scope="module")
def belgian_source() -> TrustedListSource:
    return TrustedListSource.from_files([real("trusted-lists/tsl-be-v6.xml")], allow_unsigned=True)


def test_the_belgian_list_cannot_be_authenticated_without_its_operator_certificate() -> None:
    path = real("trusted-lists/tsl-be-v6.xml")
    tl = read_trusted_list(path)
    assert (tl.territory, tl.sequence_number, tl.version) == ("BE", 81, 6)
    assert tl.operator == "FPS Economy, SMEs, Self-employed and Energy"
    assert tl.issued == dt.datetime(2026, 6, 15, 15, tzinfo=dt.UTC)
    assert tl.next_update == dt.datetime(2026, 12, 15, 16, tzinfo=dt.UTC)
    assert len(tl.providers) == 17 and sum(len(p.services) for p in tl.providers) == 135
    assert tl.problems == ()
    # integrity only: the signature matches the certificate the list embeds
    assert tl.signature.status is SignatureStatus.NOT_CHECKED
    assert tl.signature.integrity is True
    assert "Federale Overheidsdienst Economie" in (tl.signature.signer or "")
    with pytest.raises(TrustedListError, match="cannot be authenticated"):
        TrustedListSource.from_files([path])
    # a certificate that is not the operator's does not verify it
    with pytest.raises(TrustedListError, match="does not verify"):
        TrustedListSource.from_files([path], tlso_certificates=[make_tlso(now=NOW).certificate])


def test_the_belgian_list_changed_by_one_byte_is_refused(tmp_path: Path) -> None:
    data = real("trusted-lists/tsl-be-v6.xml").read_bytes()
    marker = b"itsme Sign Issuing CA G2x</Name>"
    assert marker in data
    changed = tmp_path / "be-changed.xml"
    changed.write_bytes(data.replace(marker, b"itsme Sign Issuing CA G2y</Name>", 1))
    with pytest.raises(TrustedListError, match="signature is broken"):
        TrustedListSource.from_files([changed], allow_unsigned=True)


def test_the_real_itsme_certificate_is_qualified_with_a_qscd_managed_on_behalf(
    belgian_source: TrustedListSource,
) -> None:
    leaf = x509.load_der_x509_certificate(real("certs/be-itsme-qes.cer").read_bytes())
    # its issuing CA is not in the corpus: the list's service certificate is found by the
    # issuer name, and its key verifies the certificate's signature
    q = belgian_source.qualification_at([leaf], dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert q.qualified is True
    assert q.certificate_type is CertificateType.ESIG
    assert q.qscd is True
    # the service's Qualifications: QCQSCDManagedOnBehalf for policy 1.3.6.1.4.1.8024.1.410
    # (remote signing: the QSCD is run by the provider for the signatory)
    assert q.qscd_managed_on_behalf is True
    assert q.qualifiers == (Qualifier.QC_QSCD_MANAGED_ON_BEHALF,)
    assert q.service_name == "itsme Sign Issuing CA G2x"
    assert q.provider_name == "DigiCert Europe Belgium B.V."
    assert q.territory == "BE"
    assert q.status is TrustServiceStatus.GRANTED
    assert q.status_since == dt.datetime(2020, 10, 21, tzinfo=dt.UTC)
    assert q.list_signature is SignatureStatus.NOT_CHECKED
    assert "QcCompliance" in q.explanation and "QcSSCD" in q.explanation


def test_a_timestamping_certificate_outside_the_belgian_list_is_not_judged(
    belgian_source: TrustedListSource,
) -> None:
    cert = x509.load_der_x509_certificate(real("certs/sk-tsu-no-qcstatements.cer").read_bytes())
    q = belgian_source.qualification_at([cert], dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert q.qualified is None and q.qscd is None


# --- use by the verifier ----------------------------------------------------------------------


def test_the_source_serves_the_verifiers_qualification_step(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    plain_person: IssuedCertificate,
    write_list: Write,
) -> None:
    from esig.profiles import CertificateProfile
    from esig.verification.qualification import TrustedListLike, assess_qualification

    def lists_with(*qualifiers: Qualifier) -> TrustedListLike:
        override = QualificationSpec(qualifiers, (CUSTOM_POLICY,))
        history = (granted(NOW - 60 * DAY, override), withdrawn(NOW - 5 * DAY))
        return source(write_list(ca_service(pki, *history)), tlso)

    def facts(
        lists: TrustedListLike, person: IssuedCertificate, moment: dt.datetime
    ) -> tuple[bool, bool, bool | None]:
        profile = CertificateProfile.from_certificate(person.certificate)
        found = assess_qualification(chain_of(person), profile, moment, trusted_lists=lists)
        return found.qualified_certificate, found.qscd, found.recognised_provider

    lists = lists_with(Qualifier.QC_STATEMENT, Qualifier.QC_WITH_QSCD, Qualifier.QC_FOR_ESIG)
    # the list makes the plain certificate qualified while the service was granted …
    assert facts(lists, plain_person, NOW - 10 * DAY) == (True, True, True)
    # … and nothing after the withdrawal, whatever the certificate claims
    assert facts(lists, qualified_person, NOW) == (False, False, False)
    # a qualified certificate of no established type (no QcType, no QCForESig) is no
    # qualified certificate *for signatures*: the provider is recognised, nothing more
    untyped = lists_with(Qualifier.QC_STATEMENT, Qualifier.QC_WITH_QSCD)
    assert facts(untyped, plain_person, NOW - 10 * DAY) == (False, False, True)


def test_cli_verify_with_a_trusted_list_reaches_qes(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    write_list: Write,
    tmp_path: Path,
    esig_sample_pdf: Path,
) -> None:
    import json
    import subprocess
    import sys

    from cryptography.hazmat.primitives.serialization import Encoding

    import esig

    signed = tmp_path / "signed.pdf"
    esig.sign_pdf(esig_sample_pdf, signed, qualified_person.device())
    tl = write_list(ca_service(pki, granted(NOW - 60 * DAY, with_qscd())))
    root, tlso_pem = tmp_path / "root.pem", tmp_path / "tlso.pem"
    root.write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))
    tlso_pem.write_bytes(tlso.certificate.public_bytes(Encoding.PEM))

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "esig.cli",
                "verify",
                str(signed),
                "--trust",
                str(root),
                "--json",
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    with_list = run("--trusted-list", str(tl), "--tlso", str(tlso_pem))
    assert with_list.returncode == 0, with_list.stderr
    level = json.loads(with_list.stdout)["signatures"][0]["level"]
    assert level["eidas_level"] == "QES" and level["label"] == "QESig"
    assert json.loads(run().stdout)["signatures"][0]["level"]["eidas_level"] == "AES"
    refused = run("--trusted-list", str(tl))  # no signer certificate: cannot authenticate
    assert refused.returncode == 2
    assert "esig: error:" in refused.stderr


# --- the lists' service certificates are trust anchors --------------------------------------


def test_every_service_certificate_of_an_authenticated_list_is_a_trust_anchor(
    pki: TestPKI, tlso: IssuedCertificate, write_list: Write
) -> None:
    # a CA/QC service, a TSA/QTST service and a withdrawn one: DSS trusts them all; the
    # status and type only decide what the lists say about qualification
    other = TestPKI(organization="esig Test Timestamping")
    tsa = ServiceSpec(
        "esig Test QTST",
        other.intermediate.certificate,
        history=(granted(NOW - 60 * DAY),),
        service_type=ServiceType.TSA_QTST,
    )
    gone = ServiceSpec(
        "esig Old CA",
        pki.root.certificate,
        history=(granted(NOW - 90 * DAY), withdrawn(NOW - 30 * DAY)),
    )
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)), tsa, gone)
    anchors = source(path, tlso).service_certificates
    assert set(anchors) == {
        pki.intermediate.certificate,
        other.intermediate.certificate,
        pki.root.certificate,
    }
    assert len(anchors) == 3


def test_a_list_accepted_without_authentication_gives_no_trust_anchor(
    pki: TestPKI, write_list: Write
) -> None:
    path = write_list(ca_service(pki, granted(NOW - 60 * DAY)), signed=False)
    unsigned = TrustedListSource.from_files([path], allow_unsigned=True)
    assert unsigned.lists[0].signature.status is not SignatureStatus.VERIFIED
    assert unsigned.service_certificates == ()


def test_a_signature_verifies_against_the_list_alone(
    pki: TestPKI,
    tlso: IssuedCertificate,
    qualified_person: IssuedCertificate,
    write_list: Write,
    tmp_path: Path,
    esig_sample_pdf: Path,
) -> None:
    import esig

    signed = tmp_path / "signed.pdf"
    esig.sign_pdf(esig_sample_pdf, signed, qualified_person.device())
    lists = source(write_list(ca_service(pki, granted(NOW - 60 * DAY, with_qscd()))), tlso)
    sig = esig.verify_pdf(signed, trusted_lists=lists).signatures[0]
    path = sig.certificate_path
    assert path is not None and path.status.value == "trusted"
    intermediate = pki.intermediate.certificate
    assert path.chain[-1].sha256_fingerprint == intermediate.fingerprint(SHA256()).hex()
    assert path.trust_anchor_source == (
        f"the trusted list BQ #7, service {CA_NAME!r} (CA/QC) of {PROVIDER}"
    )
    # B-B (no timestamp): QES under eIDAS; BES art. 1(b) would want B-LT
    assert sig.level.eidas_level.value == "QES", sig.level.summary
    # without the list, nothing makes the path trusted
    alone = esig.verify_pdf(signed).signatures[0]
    assert alone.certificate_path is not None
    assert alone.certificate_path.status.value == "no path to a trust anchor"
    # a root you give yourself still counts, and is yours
    yours = esig.verify_pdf(signed, trust=[pki.root.certificate], trusted_lists=lists)
    mine = yours.signatures[0].certificate_path
    assert mine is not None and mine.status.value == "trusted"
    # the report lists the anchors you gave, not the lists' certificates
    root_sha256 = pki.root.certificate.fingerprint(SHA256()).hex()
    assert [a.sha256_fingerprint for a in yours.trust_anchors] == [root_sha256]


def test_issuer_chain_orders_by_name_and_signature(pki: TestPKI) -> None:
    from esig.certificates import issuer_chain

    person = pki.issue_person("Carol", "Chain")
    twin = TestPKI(organization="esig Test Trust Services")  # same names, other keys
    pool = [twin.intermediate.certificate, pki.root.certificate, pki.intermediate.certificate]
    assert issuer_chain(person.certificate, pool) == (
        person.certificate,
        pki.intermediate.certificate,
        pki.root.certificate,
    )
    # a look-alike issuer (same name, another key) is not taken for the issuer
    assert issuer_chain(person.certificate, [twin.intermediate.certificate]) == (
        person.certificate,
    )


def test_lists_held_in_memory_load_as_files_do(
    pki: TestPKI, tlso: IssuedCertificate, qualified_person: IssuedCertificate, write_list: Write
) -> None:
    data = write_list(ca_service(pki, granted(NOW - 60 * DAY, with_qscd()))).read_bytes()
    src = TrustedListSource.from_bytes([data], tlso_certificates=[tlso.certificate])
    assert src.qualification_at(chain_of(qualified_person), NOW).qualified is True
    # an unauthenticated list in memory is refused and named like a file
    other = make_tlso(now=NOW)
    with pytest.raises(TrustedListError, match="verif") as refused:
        TrustedListSource.from_bytes([data], tlso_certificates=[other.certificate])
    assert "<list 1>" in str(refused.value)
