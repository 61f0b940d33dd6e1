"""The portal's other methods over HTTP: a code by SMS, an eID card, a remote QSCD.

The SMS goes to a real HTTP gateway on 127.0.0.1, the eID key lives on a SoftHSM2
token (certified for the signer by the portal's test PKI), the remote key on the
certomancer-csc-dummy server. The PINs typed are never stored nor logged.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import httpx
import pytest
from examples.portal.models import Event, Signer, SignerStatus
from sqlalchemy import select

import esig
from esig.evidence import EvidenceMethod, read_evidence_records
from esig.levels import Level
from esig.signing.disclosures import SigningMethod
from esig.signing.session import read_session_evidence
from esig.testing import require_tool
from tests.portal.conftest import RunningPortal, csrf_of, owner_client, upload
from tests.portal.flows import acknowledge, sign_with_code, sign_with_key, signer_client

SARA, EVA, CARLA = "sara@example.org", "eva@example.org", "carla@example.org"
SARA_PHONE = "+59977012345"


def _send(portal: RunningPortal, signers: list[tuple[str, ...]], pdf: bytes) -> httpx.Client:
    owner = owner_client(portal)
    created = upload(owner, pdf, signers)
    assert created.status_code == 200, created.text[:400]
    envelope = str(created.url).rsplit("/", 1)[1]
    page = owner.get(f"/envelopes/{envelope}")
    owner.post(f"/envelopes/{envelope}/send", data={"csrf": csrf_of(page.text)})
    owner.headers["x-envelope"] = envelope
    return owner


def test_sms_eid_and_remote_signers_sign_in_order_and_the_levels_are_esigs(
    full_portal: RunningPortal, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    portal = full_portal
    assert portal.hsm is not None and portal.csc is not None
    owner = _send(
        portal,
        [
            ("Sara Sms", SARA, "sms_code", SARA_PHONE),
            ("Eva Card", EVA, "eid"),
            ("Carla Elliptic", CARLA, "remote"),
        ],
        esig_sample_pdf.read_bytes(),
    )
    envelope = owner.headers["x-envelope"]
    assert "Thank you, Sara Sms" in sign_with_code(portal, portal.link_for(SARA), SARA_PHONE).text
    assert portal.mail_to(SARA, "signing code") == []  # the code went by SMS only
    pin = portal.hsm.pin
    assert "Thank you, Eva Card" in sign_with_key(portal, portal.link_for(EVA), pin).text
    credential = portal.csc.ec_credential_id
    done = sign_with_key(portal, portal.link_for(CARLA), "4711", credential)
    assert "Thank you, Carla Elliptic" in done.text

    path = tmp_path / "signed.pdf"
    path.write_bytes(owner.get(f"/envelopes/{envelope}/signed.pdf").content)
    report = esig.verify_pdf(path, trust=portal.config.trust, allow_fetching=True)  # type: ignore[arg-type]
    sms, card, remote = report.signatures
    passed = [s.indication is esig.Indication.TOTAL_PASSED for s in report.signatures]
    assert all(passed), report.to_text()
    assert [s.signer.common_name for s in report.signatures] == [
        "esig Reference Portal",  # the platform seals the SMS signer's evidence
        "Eva Card",  # the card's certificate was issued to the signer
        "Carla Elliptic",
    ]
    assert sms.level.level is Level.SES
    # Own keys from a non-qualified test PKI: AES under eIDAS. The card signs at B-B (the
    # demo PKI publishes no revocation data): SES under the decree, nothing keeps it
    # verifiable (BES art. 1(b)). The remote service comes with a TSA and OCSP: B-LT, AES.
    assert card.level.eidas_level is Level.AES and card.level.level is Level.SES
    assert remote.conformance is not None
    assert remote.conformance.reached is esig.BaselineLevel.B_LT
    assert remote.level.eidas_level is Level.AES and remote.level.level is Level.AES
    [record] = read_evidence_records(path)
    assert record.record.method is EvidenceMethod.SMS_CODE
    assert record.record.who.phone == SARA_PHONE
    evidence = read_session_evidence(path)  # the last (remote) signature's art. 2 record
    assert evidence is not None and evidence.rendered
    assert evidence.disclosure.method is SigningMethod.REMOTE_QSCD

    page = owner.get(f"/envelopes/{envelope}").text
    assert page.count('class="level"') == 3
    certificate = tmp_path / "completion.pdf"
    certificate.write_bytes(owner.get(f"/envelopes/{envelope}/completion.pdf").content)
    text = subprocess.run(
        [require_tool("pdftotext"), "-layout", str(certificate), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for words in ("Code by SMS", "eID card", "Remote qualified device", "eIDAS art. 26(a)"):
        assert words in text
    pdfsig = subprocess.run(
        [require_tool("pdfsig"), str(path)], capture_output=True, text=True, check=False
    ).stdout
    assert pdfsig.count("Signature is Valid.") == 3, pdfsig


def test_a_wrong_pin_or_another_persons_credential_is_refused_and_no_pin_is_kept(
    full_portal: RunningPortal, esig_sample_pdf: Path, caplog: pytest.LogCaptureFixture
) -> None:
    portal = full_portal
    assert portal.hsm is not None and portal.csc is not None
    _send(
        portal,
        [("Eva Card", EVA, "eid"), ("Carla Elliptic", CARLA, "remote")],
        esig_sample_pdf.read_bytes(),
    )
    wrong = "000999"
    caplog.set_level(logging.DEBUG)
    client, page = signer_client(portal, portal.link_for(EVA))
    page = acknowledge(client, page)
    csrf = csrf_of(page.text)
    refused = client.post(f"{portal.url}/signing/key", data={"csrf": csrf, "pin": wrong})
    assert refused.status_code == 403 and "did not accept" in refused.text
    with portal.portal.sessions() as db:
        [eva] = [s for s in db.scalars(select(Signer)) if s.email == EVA]
        assert eva.status is SignerStatus.INVITED  # still her turn
        events = " ".join(e.what for e in db.scalars(select(Event)))
    assert "could not unlock" in events
    assert wrong not in events and wrong not in caplog.text
    assert wrong.encode() not in (portal.config.data_dir / "portal.sqlite3").read_bytes()
    signed = client.post(f"{portal.url}/signing/key", data={"csrf": csrf, "pin": portal.hsm.pin})
    assert "Thank you, Eva Card" in signed.text

    # Carla cannot sign with a credential whose certificate is Anna de Vries's
    client, page = signer_client(portal, portal.link_for(CARLA))
    page = acknowledge(client, page)
    csrf = csrf_of(page.text)
    data = {"csrf": csrf, "pin": "4711", "credential": portal.csc.rsa_credential_id}
    other = client.post(f"{portal.url}/signing/key", data=data)
    assert other.status_code == 403 and "Anna de Vries" in other.text
    data["credential"] = portal.csc.unknown_credential_id
    unknown = client.post(f"{portal.url}/signing/key", data=data)
    assert unknown.status_code == 403 and "refused the credential" in unknown.text
    data["credential"] = portal.csc.ec_credential_id
    assert "Thank you, Carla Elliptic" in client.post(f"{portal.url}/signing/key", data=data).text


def test_an_sms_signer_needs_a_phone_number_and_a_method_needs_its_service(
    running_portal: RunningPortal, full_portal: RunningPortal, esig_sample_pdf: Path
) -> None:
    pdf = esig_sample_pdf.read_bytes()
    owner = owner_client(full_portal)
    no_phone = upload(owner, pdf, [("Sara Sms", SARA, "sms_code", "0123")])
    assert no_phone.status_code == 400 and "international form" in no_phone.text
    # a portal without a card reader, SMS gateway or CSC service does not offer them
    plain = owner_client(running_portal)
    for method in ("eid", "remote", "sms_code"):
        refused = upload(plain, pdf, [("Eva Card", EVA, method, SARA_PHONE)])
        assert refused.status_code == 400 and "does not offer" in refused.text
