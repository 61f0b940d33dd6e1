"""A signing session kept between requests, its device given last, its box visible (#19).

A portal shows the document and the risk text before the signer connects a card or
logs in to a remote service: :class:`SigningSession` starts without a device, is stored
as :meth:`SigningSession.state` and resumed with the device in the request that signs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

import esig
from esig.errors import InputError
from esig.evidence import (
    EvidenceMethod,
    EvidenceSession,
    Signatory,
    click_to_accept,
    read_evidence_records,
)
from esig.issuance import TestPKI
from esig.levels import Level
from esig.signing import (
    BaselineLevel,
    TimestampService,
    ValidationServices,
    VisibleSignature,
)
from esig.signing.disclosures import SigningMethod
from esig.signing.session import (
    NotAcknowledgedError,
    NotReadyError,
    SigningSession,
    SigningSessionState,
    UnsuitableMethodError,
    read_session_evidence,
)
from esig.testing import TestSigners
from esig.testing.certomancer_config import ServiceUrls
from esig.testing.csc import LocalCscService
from esig.testing.softhsm import SoftHsmToken


def _stored(session: SigningSession) -> SigningSessionState:
    """What a portal writes to its database and reads back in the next request."""
    return SigningSessionState.model_validate_json(session.state().model_dump_json())


def _widget_rect(path: Path, field: str) -> tuple[float, ...]:
    with path.open("rb") as handle:
        reader = PdfFileReader(handle)
        for annot in reader.root["/AcroForm"]["/Fields"]:
            found = annot.get_object()
            if found["/T"] == field:
                return tuple(float(v) for v in found["/Rect"])
    raise AssertionError(f"no field {field}")


def test_a_session_begun_without_a_device_signs_with_the_card_in_the_box(
    tmp_path: Path, esig_sample_pdf: Path, esig_softhsm_token: SoftHsmToken, esig_pki: TestPKI
) -> None:
    first = SigningSession(esig_sample_pdf, None, method=SigningMethod.SMART_CARD)
    presented = first.present()
    assert presented.pages  # a renderer is installed
    state = _stored(first)
    assert state.presentation is not None and state.presentation.pages == ()
    assert state.pages_rendered == presented.page_count

    second = SigningSession.resume(esig_sample_pdf, state)
    second.acknowledge(second.disclosure.content_hash)
    box = (100.0, 120.0, 300.0, 180.0)
    with esig_softhsm_token.open_device("rsa-signer") as device:
        signed = SigningSession.resume(esig_sample_pdf, _stored(second), device).sign(
            tmp_path / "signed.pdf",
            field_name="Card",
            appearance=VisibleSignature(page=1, box=box),
        )
    assert signed.visible
    assert _widget_rect(signed.path, "Card") == box
    evidence = read_session_evidence(signed.path)
    assert evidence is not None
    assert evidence.rendered  # the pages counted, though the state kept no renderings
    assert evidence.presented_at == presented.presented_at
    [report] = esig.verify_pdf(signed.path, trust=[esig_pki.root.certificate]).signatures
    assert report.indication is esig.Indication.TOTAL_PASSED
    # AES under eIDAS; under the decree a B-B signature stays SES: nothing in it lets it
    # be verified once the certificate's status is no longer published (BES art. 1(b))
    assert report.level.eidas_level is Level.AES
    assert report.level.level is Level.SES


def test_a_session_without_a_device_cannot_sign_nor_be_resumed_with_the_wrong_one(
    tmp_path: Path, esig_sample_pdf: Path, esig_signers: TestSigners
) -> None:
    with pytest.raises(UnsuitableMethodError):
        SigningSession(esig_sample_pdf, None)
    session = SigningSession(esig_sample_pdf, None, method=SigningMethod.SMART_CARD)
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    with pytest.raises(NotReadyError):
        session.sign(tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    # a smart-card risk text does not describe a software key
    with pytest.raises(UnsuitableMethodError):
        SigningSession.resume(esig_sample_pdf, _stored(session), esig_signers.person.device())
    # the acknowledgement is part of the state: without it, no signature
    bare = SigningSession(esig_sample_pdf, None, method=SigningMethod.SOFTWARE_KEY)
    bare.present()
    resumed = SigningSession.resume(esig_sample_pdf, _stored(bare), esig_signers.person.device())
    with pytest.raises(NotAcknowledgedError):
        resumed.sign(tmp_path / "y.pdf")


def test_evidence_records_and_session_evidence_are_read_apart_in_one_document(
    tmp_path: Path, esig_sample_pdf: Path, esig_signers: TestSigners
) -> None:
    anna = Signatory(name="Anna de Vries", email="anna@example.org")
    sealing = EvidenceSession(
        esig_sample_pdf, signatory=anna, method=EvidenceMethod.CLICK_TO_ACCEPT, platform="P"
    )
    sealing.present()
    sealing.acknowledge(sealing.disclosure.content_hash)
    sealing.add_step(click_to_accept("I agree"))
    sealed = sealing.seal(tmp_path / "sealed.pdf", esig_signers.seal.device())
    session = SigningSession(sealed.path, esig_signers.person.device())
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    both = session.sign(tmp_path / "both.pdf").path
    # the platform's seal carries an evidence record, the signer's signature a session record
    [record] = read_evidence_records(both)
    assert record.field_name == sealed.field_name and record.record.who.name == anna.name
    evidence = read_session_evidence(both)
    assert evidence is not None and evidence.disclosure.method is SigningMethod.SOFTWARE_KEY


def test_a_remote_signature_at_b_lt_in_a_session_is_advanced_under_the_decree_too(
    tmp_path: Path, esig_sample_pdf: Path, esig_csc_server: LocalCscService
) -> None:
    csc = esig_csc_server
    assert csc.revocation_url is not None
    tsa = TimestampService(url=ServiceUrls.for_prefix(csc.revocation_url).tsa)
    validation = ValidationServices(trust=[csc.root_certificate])
    session = SigningSession(esig_sample_pdf, None, method=SigningMethod.REMOTE_QSCD)
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    device = csc.device(csc.rsa_credential_id)
    # a level without its services is refused before the device is used
    with pytest.raises(InputError):
        SigningSession.resume(esig_sample_pdf, _stored(session), device).sign(
            tmp_path / "x.pdf", level=BaselineLevel.B_T
        )
    assert not (tmp_path / "x.pdf").exists()
    signed = SigningSession.resume(esig_sample_pdf, _stored(session), device).sign(
        tmp_path / "lt.pdf", level=BaselineLevel.B_LT, timestamp=tsa, validation=validation
    )
    assert signed.level is BaselineLevel.B_LT
    [report] = esig.verify_pdf(signed.path, trust=[csc.root_certificate]).signatures  # offline
    assert report.indication is esig.Indication.TOTAL_PASSED
    assert report.conformance is not None and report.conformance.reached is BaselineLevel.B_LT
    assert report.level.level is Level.AES  # BES art. 1(b) met: verifiable later
    assert read_session_evidence(signed.path) is not None
