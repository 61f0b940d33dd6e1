"""The FAQ's signing methods, judged by their evidence and never by their name (issue #6).

The seed FAQ calls an email code "qualified" and an SMS code "advanced". esig does not
copy such claims: a level follows from what the signature and its sources show — the
certificate, the device, the register of recognised providers (BES art. 4) or an EU
trusted list. Each test signs the way the method really works (a SoftHSM2 token laid out
like a Belgian eID card, a real Cloud Signature Consortium server, a company officer's
certificate) and checks what esig concludes, with the sources that make the difference.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import esig
from esig.issuance import IssuedCertificate, Qualification, TestPKI
from esig.levels import AdesLabel, Level, RequirementId, RequirementStatus
from esig.oids import PolicyOID
from esig.profiles import PersonKind
from esig.testing.trusted_lists import (
    ProviderSpec,
    QualificationSpec,
    ServiceSpec,
    StatusSpec,
    build_trusted_list,
    make_tlso,
    sign_trusted_list,
)
from esig.trust import CertificateType, Qualifier, TrustedListSource, TrustServiceStatus
from esig.trust.register import CspRegister, RegisteredProvider, Withdrawal, WithdrawalReason

if TYPE_CHECKING:
    from esig.testing.csc import LocalCscService
    from esig.testing.softhsm import SoftHsmToken
    from esig.verification.report import SignatureReport

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)


def _register(ca: x509.Certificate, *, withdrawn: dt.datetime | None = None) -> CspRegister:
    """A register recognising the provider behind ``ca`` since 30 days ago."""
    withdrawal = (
        Withdrawal(reason=WithdrawalReason.ON_REQUEST, effective=withdrawn)
        if withdrawn is not None
        else None
    )
    return CspRegister(
        providers=(
            RegisteredProvider(
                name="esig Test Trust Services",
                country="BQ",
                organization_identifier="NTRBQ-00000000",
                recognised_from=NOW - 30 * DAY,
                certificates=(ca.public_bytes(Encoding.PEM).decode(),),
                withdrawal=withdrawal,
            ),
        )
    ).vouched_for("built by the test")


def _only(path: Path, **verify: object) -> SignatureReport:
    report = esig.verify_pdf(path, **verify)  # type: ignore[arg-type]
    assert len(report.signatures) == 1
    return report.signatures[0]


def _status(sig: SignatureReport, requirement: RequirementId) -> RequirementStatus:
    return sig.level.result(requirement).status


# --- eID card: a qualified certificate on a smart card --------------------------------------


@pytest.mark.real
def test_eid_card_with_a_recognised_provider_is_qualified(
    esig_softhsm_beid: SoftHsmToken, esig_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    pytest.importorskip("pkcs11")
    from esig.devices.pkcs11 import BELGIAN_EID, Pkcs11Device

    out = tmp_path / "eid.pdf"
    with Pkcs11Device.from_profile(
        esig_softhsm_beid.module_path, BELGIAN_EID, pin=esig_softhsm_beid.pin
    ) as device:
        assert device.evidence.key_extractable is False
        esig.sign_pdf(esig_sample_pdf, out, device)

    trust = [esig_pki.root.certificate]
    recognised = _register(esig_pki.intermediate.certificate)
    sig = _only(out, trust=trust, register=recognised)
    assert sig.level.eidas_level is Level.QES, sig.level.summary
    assert sig.level.label is AdesLabel.QESIG
    assert sig.signer_certificate is not None
    assert sig.signer_certificate.person_kind is PersonKind.NATURAL_PERSON
    assert _status(sig, RequirementId.QUALIFIED_DEVICE) is RequirementStatus.MET
    assert sig.level.eidas_next_step is None

    # The same card, the same certificate, without a source that recognises the provider:
    # the signature is advanced with a qualified certificate, and the report says what
    # would make it qualified.
    unknown = _only(out, trust=trust)
    assert unknown.level.eidas_level is Level.AES
    assert unknown.level.label is AdesLabel.ADESIG_QC
    assert _status(unknown, RequirementId.RECOGNISED_PROVIDER) is not RequirementStatus.MET
    assert unknown.level.eidas_next_step is not None

    # A provider whose recognition was withdrawn before the signature: not qualified.
    withdrawn = _only(
        out, trust=trust, register=_register(esig_pki.intermediate.certificate, withdrawn=NOW - DAY)
    )
    assert withdrawn.level.eidas_level is Level.AES
    assert _status(withdrawn, RequirementId.RECOGNISED_PROVIDER) is RequirementStatus.NOT_MET


@pytest.mark.real
def test_eid_card_authentication_key_is_not_a_signature_device(
    esig_softhsm_beid: SoftHsmToken,
) -> None:
    """The card's other key authenticates; it is not offered for signatures."""
    pytest.importorskip("pkcs11")
    from esig.devices.pkcs11 import BELGIAN_EID, Pkcs11Device
    from esig.devices.pkcs11.errors import KeyUsageError

    profile = BELGIAN_EID.model_copy(update={"key_label": "Authentication"})
    with pytest.raises(KeyUsageError):
        Pkcs11Device.from_profile(esig_softhsm_beid.module_path, profile, pin=esig_softhsm_beid.pin)


# --- itsme-like remote signing: a key in the provider's QSCD -----------------------------


def _remote_qscd_list(
    tmp_path: Path, ca: x509.Certificate, tlso: IssuedCertificate, *, managed: bool
) -> TrustedListSource:
    """A trusted list making the CA's QCP-n-qscd certificates qualified, key in a QSCD."""
    qualifiers = (Qualifier.QC_STATEMENT, Qualifier.QC_FOR_ESIG)
    qualifiers += (Qualifier.QC_QSCD_MANAGED_ON_BEHALF,) if managed else (Qualifier.QC_NO_QSCD,)
    # Granted since before the certificate was issued: TS 119 615 judges the
    # qualification both at issuance and at the time of signing.
    status = StatusSpec(
        TrustServiceStatus.GRANTED,
        NOW - 5 * 365 * DAY,
        qualifications=(QualificationSpec(qualifiers, (PolicyOID.QCP_N_QSCD,)),),
        certificate_types=(CertificateType.ESIG,),
    )
    xml = build_trusted_list(
        [ProviderSpec("esig Remote Signing", (ServiceSpec("Remote CA", ca, history=(status,)),))],
        territory="BE",
        sequence_number=1,
        issued=NOW - 10 * DAY,
        next_update=NOW + 100 * DAY,
    )
    path = tmp_path / f"tl-{'managed' if managed else 'noqscd'}.xml"
    path.write_bytes(sign_trusted_list(xml, tlso))
    return TrustedListSource.from_files([path], tlso_certificates=[tlso.certificate])


@pytest.mark.real
def test_remote_qscd_is_qualified_when_the_trusted_list_says_so(
    esig_csc_server: LocalCscService, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    server = esig_csc_server
    device = server.device(server.qcp_credential_id, qscd_claimed=True)
    out = tmp_path / "remote.pdf"
    esig.sign_pdf(esig_sample_pdf, out, device)
    trust = [server.root_certificate]
    tlso = make_tlso(now=NOW)
    # The service's certificates name an OCSP responder and CRLs (served beside it).
    fetch = {"allow_fetching": True}

    # The certificate claims to be qualified only through its policy (QCP-n-qscd, no
    # qcStatements). Without a source that recognises the provider, that claim is not
    # enough for QES: advanced, with what is missing named.
    plain = _only(out, trust=trust, **fetch)
    assert plain.level.eidas_level is Level.AES
    assert plain.level.label is AdesLabel.ADESIG_QC
    assert _status(plain, RequirementId.RECOGNISED_PROVIDER) is not RequirementStatus.MET
    assert plain.level.eidas_next_step is not None

    # The provider's trusted list: qualified, QSCD managed on behalf of the signer.
    managed = _only(
        out,
        **fetch,
        trust=trust,
        trusted_lists=_remote_qscd_list(tmp_path, server.root_certificate, tlso, managed=True),
    )
    assert managed.level.eidas_level is Level.QES, managed.level.summary
    assert managed.level.label is AdesLabel.QESIG
    assert "managed" in managed.level.result(RequirementId.QUALIFIED_DEVICE).evidence.lower()

    # The same list saying the keys are not in a QSCD: qualified certificate, not QES —
    # whatever the device claimed about itself when signing.
    no_qscd = _only(
        out,
        **fetch,
        trust=trust,
        trusted_lists=_remote_qscd_list(tmp_path, server.root_certificate, tlso, managed=False),
    )
    assert no_qscd.level.eidas_level is Level.AES
    assert no_qscd.level.label is AdesLabel.ADESIG_QC
    assert _status(no_qscd, RequirementId.QUALIFIED_DEVICE) is RequirementStatus.NOT_MET


# --- company identity: a person signing on behalf of a company ------------------------------


@pytest.fixture(scope="module")
def company_pki() -> TestPKI:
    return TestPKI(now=NOW - 60 * DAY)


def _officer(pki: TestPKI, qualified: Qualification | None) -> IssuedCertificate:
    return pki.issue_person(
        "Jan",
        "Pieters",
        organization="Acme Bonaire N.V.",
        organization_identifier="NTRBQ-12345678",
        title="Director",
        qualified=qualified,
    )


def test_company_identity_is_advanced_and_names_company_and_function(
    company_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "company.pdf"
    esig.sign_pdf(esig_sample_pdf, out, _officer(company_pki, None).device())
    sig = _only(
        out,
        trust=[company_pki.root.certificate],
        register=_register(company_pki.intermediate.certificate),
    )
    assert sig.level.eidas_level is Level.AES
    assert sig.level.label is AdesLabel.ADESIG
    assert not sig.level.is_seal  # a person acting for the company signs; a seal it is not
    assert _status(sig, RequirementId.QUALIFIED_CERTIFICATE) is RequirementStatus.NOT_MET
    profile = sig.signer_certificate
    assert profile is not None
    assert profile.person_kind is PersonKind.NATURAL_PERSON
    text = profile.model_dump_json()
    assert "Acme Bonaire N.V." in text
    assert "Director" in text


@pytest.mark.parametrize(
    ("qscd", "level", "label"),
    [(True, Level.QES, AdesLabel.QESIG), (False, Level.AES, AdesLabel.ADESIG_QC)],
)
def test_company_identity_is_qualified_only_with_a_qualified_certificate_and_qscd(
    company_pki: TestPKI,
    esig_sample_pdf: Path,
    tmp_path: Path,
    qscd: bool,
    level: Level,
    label: AdesLabel,
) -> None:
    out = tmp_path / "company-q.pdf"
    esig.sign_pdf(esig_sample_pdf, out, _officer(company_pki, Qualification(qscd=qscd)).device())
    sig = _only(
        out,
        trust=[company_pki.root.certificate],
        register=_register(company_pki.intermediate.certificate),
    )
    assert sig.level.eidas_level is level, sig.level.summary
    assert sig.level.label is label
    expected = RequirementStatus.MET if qscd else RequirementStatus.NOT_MET
    assert _status(sig, RequirementId.QUALIFIED_DEVICE) is expected


def test_company_seal_is_judged_on_the_seal_ladder(
    company_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    """A company's own certificate makes a seal: QESeal, not QESig."""
    seal = company_pki.issue_legal_person(
        "Acme Bonaire N.V.", "NTRBQ-12345678", qualified=Qualification()
    )
    out = tmp_path / "seal.pdf"
    esig.sign_pdf(esig_sample_pdf, out, seal.device())
    sig = _only(
        out,
        trust=[company_pki.root.certificate],
        register=_register(company_pki.intermediate.certificate),
    )
    assert sig.level.is_seal
    assert sig.level.eidas_level is Level.QES
    assert sig.level.label is AdesLabel.QESEAL


# --- SMS code, email code, click, drawn: the platform seals, the evidence decides -----------


def _evidence_sealed(
    method_name: str, document: Path, out: Path, seal: IssuedCertificate, png: bytes
) -> Path:
    from esig.evidence import (
        CodeChannel,
        EvidenceMethod,
        EvidenceSession,
        OneTimeCodes,
        Signatory,
        click_to_accept,
        drawn_signature,
    )

    method = EvidenceMethod(method_name)
    anna = Signatory(name="Anna de Vries", email="anna@example.org", phone="+59977012345")
    session = EvidenceSession(document, signatory=anna, method=method, platform="Acme Sign")
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    if method in (EvidenceMethod.EMAIL_CODE, EvidenceMethod.SMS_CODE):
        codes = OneTimeCodes()
        sms = method is EvidenceMethod.SMS_CODE
        channel = CodeChannel.SMS if sms else CodeChannel.EMAIL
        challenge, code = codes.issue(channel, (anna.phone if sms else anna.email) or "")
        # Delivery through real SMTP / HTTP gateways is tested in test_evidence_*.py;
        # here the signer types the code they received.
        session.add_code(codes.verify(challenge.code_id, code.reveal()))
    elif method is EvidenceMethod.DRAWN:
        session.add_step(drawn_signature(png, strokes=[[(1, 1, 0), (9, 4, 30)]]))
    else:
        session.add_step(click_to_accept("I agree to sign this document."))
    return session.seal(out, seal.device()).path


@pytest.mark.parametrize(
    ("method", "faq_claims", "expected"),
    [
        ("email one-time code", "qualified", Level.SES),
        ("SMS one-time code", "advanced", Level.SES),
        ("drawn signature", "simple", Level.SES),
        ("click-to-accept", "simple", Level.SES),
    ],
)
def test_evidence_methods_are_never_qualified_whatever_the_faq_says(
    company_pki: TestPKI,
    esig_sample_pdf: Path,
    tmp_path: Path,
    method: str,
    faq_claims: str,
    expected: Level,
) -> None:
    """Even sealed by a platform with a qualified seal from a recognised provider.

    The FAQ calls an email code "qualified"; the signatory in the record holds no
    qualified certificate and no QSCD; a code that reached the signatory's own address
    ties the signer, but it authorised the platform's key, not one under the signer's
    sole control, so every such method is a simple signature.
    """
    from tests.test_evidence_methods import png_bytes

    seal = company_pki.issue_legal_person(
        "Acme Sign B.V.", "NTRBQ-55555555", qualified=Qualification()
    )
    out = _evidence_sealed(method, esig_sample_pdf, tmp_path / "sealed.pdf", seal, png_bytes())
    sig = _only(
        out,
        trust=[company_pki.root.certificate],
        register=_register(company_pki.intermediate.certificate),
    )
    assert sig.level.level is expected, (faq_claims, sig.level.summary)
    assert sig.level.level is not Level.QES
    assert not sig.level.is_seal  # the person in the record signs, not the platform
    assert _status(sig, RequirementId.QUALIFIED_CERTIFICATE) is RequirementStatus.NOT_MET
    assert "Anna de Vries" in sig.level.result(RequirementId.QUALIFIED_CERTIFICATE).evidence
