"""What the portal refuses: reused and expired links, other owners' envelopes, wrong codes,
forms without their CSRF token, uploads that are not PDFs or are far too large."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.portal.conftest import RunningPortal, csrf_of, owner_client, upload
from tests.portal.flows import acknowledge, signer_client

ANNA = "anna@example.org"


def _sent(portal: RunningPortal, pdf: Path, owner: httpx.Client | None = None) -> int:
    owner = owner or owner_client(portal)
    created = upload(owner, pdf.read_bytes(), [("Anna de Vries", ANNA, "email_code")])
    envelope = int(str(created.url).rsplit("/", 1)[1])
    page = owner.get(f"/envelopes/{envelope}")
    assert owner.post(f"/envelopes/{envelope}/send", data={"csrf": csrf_of(page.text)}).is_success
    return envelope


def _envelope_count(portal: RunningPortal) -> int:
    from examples.portal.models import Envelope
    from sqlalchemy import func, select

    with portal.portal.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Envelope)) or 0)


def test_a_link_works_once(running_portal: RunningPortal, esig_sample_pdf: Path) -> None:
    _sent(running_portal, esig_sample_pdf)
    link = running_portal.link_for(ANNA)
    _client, first = signer_client(running_portal, link)
    assert first.status_code == 200 and "Hello Anna de Vries" in first.text
    _other, again = signer_client(running_portal, link)
    assert again.status_code == 410 and "already used" in again.text
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    assert signer_client(running_portal, forged)[1].status_code == 404


def test_a_link_expires(running_portal: RunningPortal, esig_sample_pdf: Path) -> None:
    _sent(running_portal, esig_sample_pdf)
    link = running_portal.link_for(ANNA)
    running_portal.clock.offset = running_portal.config.link_lifetime + dt.timedelta(seconds=1)
    _client, page = signer_client(running_portal, link)
    assert page.status_code == 410 and "expired" in page.text
    running_portal.clock.offset = dt.timedelta(0)  # still good before its time
    assert signer_client(running_portal, link)[1].status_code == 200


def test_another_owners_envelope_is_not_found(
    running_portal: RunningPortal, esig_sample_pdf: Path
) -> None:
    mine = _sent(running_portal, esig_sample_pdf)
    intruder = owner_client(running_portal, "mallory@evil.example")
    for path in ("", "/signed.pdf", "/completion.pdf"):
        assert intruder.get(f"/envelopes/{mine}{path}").status_code == 404
    page = intruder.get("/")
    refused = intruder.post(f"/envelopes/{mine}/send", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 404
    assert owner_client(running_portal).get(f"/envelopes/{mine}").status_code == 200
    # a signer's session reaches only its own envelope: no id to change in the URLs
    anonymous = httpx.Client(base_url=running_portal.url, trust_env=False)
    assert anonymous.get("/signing").status_code == 401


def test_five_wrong_codes_kill_the_code_and_nothing_is_signed(
    running_portal: RunningPortal, esig_sample_pdf: Path
) -> None:
    envelope = _sent(running_portal, esig_sample_pdf)
    client, page = signer_client(running_portal, running_portal.link_for(ANNA))
    page = acknowledge(client, page)
    page = client.post(f"{running_portal.url}/signing/code/send", data={"csrf": csrf_of(page.text)})
    csrf = csrf_of(page.text)
    right = running_portal.code_for(ANNA)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [
        client.post(f"{running_portal.url}/signing/code", data={"csrf": csrf, "code": wrong})
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [403] * 5
    assert "4 attempt(s) left" in answers[0].text and "last attempt" in answers[4].text
    late = client.post(f"{running_portal.url}/signing/code", data={"csrf": csrf, "code": right})
    assert late.status_code == 403 and "Too many wrong entries" in late.text
    owner = owner_client(running_portal)
    assert '<td class="signer-status">invited</td>' in owner.get(f"/envelopes/{envelope}").text
    # the stored code is an HMAC, and the code is nowhere in the database
    database = (running_portal.config.data_dir / "portal.sqlite3").read_bytes()
    assert right.encode() not in database


def test_the_right_code_signs_and_a_form_without_its_csrf_token_is_refused(
    running_portal: RunningPortal, esig_sample_pdf: Path
) -> None:
    _sent(running_portal, esig_sample_pdf)
    client, page = signer_client(running_portal, running_portal.link_for(ANNA))
    page = acknowledge(client, page)
    no_csrf = client.post(f"{running_portal.url}/signing/code/send", data={"csrf": "forged"})
    assert no_csrf.status_code == 403
    assert running_portal.mail_to(ANNA, "signing code") == []
    page = client.post(f"{running_portal.url}/signing/code/send", data={"csrf": csrf_of(page.text)})
    signed = client.post(
        f"{running_portal.url}/signing/code",
        data={"csrf": csrf_of(page.text), "code": running_portal.code_for(ANNA)},
    )
    assert "Thank you, Anna de Vries" in signed.text


def test_a_file_that_is_not_a_pdf_is_refused(running_portal: RunningPortal) -> None:
    owner = owner_client(running_portal)
    answer = upload(owner, b"GIF89a not a pdf at all", [("Anna de Vries", ANNA, "drawn")])
    assert answer.status_code == 400 and "not a PDF" in answer.text
    assert _envelope_count(running_portal) == 0


def _chunks(total: int, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    block = b"%PDF-1.7\n" + b"0" * (chunk - 9)
    for _ in range(total // chunk):
        yield block


@pytest.mark.parametrize("declared", [True, False])
def test_a_200_mb_upload_is_refused_without_being_read(
    running_portal: RunningPortal, declared: bool
) -> None:
    owner = owner_client(running_portal)
    csrf = csrf_of(owner.get("/").text)
    size = 200 * 1024 * 1024
    boundary = "esigboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from _chunks(size)
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    if declared:
        headers["content-length"] = str(len(head) + size + len(boundary) + 8)
    started = time.perf_counter()
    try:
        answer = owner.post("/envelopes", content=body(), headers=headers)
        status = answer.status_code
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        status = 413  # the server answered 413 and closed while the client still wrote
    assert status == 413
    assert time.perf_counter() - started < 30
    assert _envelope_count(running_portal) == 0


def test_a_box_is_placed_only_on_the_page_of_ones_own_draft(
    running_portal: RunningPortal, esig_sample_pdf: Path
) -> None:
    portal = running_portal
    owner = owner_client(portal)
    created = upload(owner, esig_sample_pdf.read_bytes(), [("Anna", "anna@example.org", "drawn")])
    envelope = str(created.url).rsplit("/", 1)[1]
    csrf = csrf_of(owner.get(f"/envelopes/{envelope}").text)
    place = f"/envelopes/{envelope}/place"
    box = {"csrf": csrf, "signer": "1", "page": "1", "x1": "10", "y1": "10", "x2": "110"}
    moved = owner.post(place, data=box | {"y2": "50"})
    assert moved.status_code == 200 and "(10, 10)–(110, 50)" in moved.text
    assert owner.post(place, data=box | {"y2": "900"}).status_code == 400  # off the page
    assert owner.post(place, data=box | {"y2": "50", "page": "2"}).status_code == 400
    assert owner.post(place, data=box | {"y2": "50", "csrf": "forged"}).status_code == 403
    mallory = owner_client(portal, "mallory@example.org")
    theirs = csrf_of(mallory.get("/").text)
    assert mallory.post(place, data=box | {"y2": "50", "csrf": theirs}).status_code == 404
    assert mallory.get(f"/envelopes/{envelope}/page/1.png").status_code == 404
    assert owner.get(f"/envelopes/{envelope}/page/1.png").content.startswith(b"\x89PNG")
    owner.post(f"/envelopes/{envelope}/send", data={"csrf": csrf})
    assert owner.post(place, data=box | {"y2": "60"}).status_code == 409  # sent: fixed
    assert "(10, 10)–(110, 50)" in owner.get(f"/envelopes/{envelope}").text
