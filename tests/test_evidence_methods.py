"""One-time codes, email over a real SMTP server, SMS over a real HTTP endpoint, click, drawn."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr, ValidationError

from esig.errors import EsigError
from esig.evidence import (
    ClickAcceptance,
    CodeAlreadyUsedError,
    CodeAttemptsExhaustedError,
    CodeAuthentication,
    CodeChannel,
    CodeExpiredError,
    CodePolicy,
    DeliveryError,
    DrawnSignature,
    EmailCodeSender,
    EvidenceMethod,
    EvidenceRecord,
    EvidenceRecordError,
    HttpSmsTransport,
    MemoryCodeStore,
    OneTimeCodes,
    PresentedDocument,
    Signatory,
    SmsGateway,
    SmtpSettings,
    UnknownCodeError,
    WrongCodeError,
    click_to_accept,
    drawn_signature,
    evidence_disclosure,
)
from esig.evidence import codes as codes_module
from esig.testing.smtp import LocalSmtpServer

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
KEY = bytes(range(32))
CODE_IN_TEXT = re.compile(r"\b(\d{6})\b")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _codes(clock: Clock | None = None, **policy: Any) -> OneTimeCodes:
    return OneTimeCodes(KEY, policy=CodePolicy(**policy), clock=clock or Clock())


def png_bytes(size: tuple[int, int] = (60, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, color=255).save(buffer, format="PNG")
    return buffer.getvalue()


# -- one-time codes ---------------------------------------------------------------------


def test_a_code_is_accepted_once() -> None:
    codes = _codes()
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    assert re.fullmatch(r"\d{6}", code.reveal())
    verification = codes.verify(challenge.code_id, code.reveal())
    assert verification.recipient == "anna@example.org"
    assert verification.attempts == 1
    with pytest.raises(CodeAlreadyUsedError):
        codes.verify(challenge.code_id, code.reveal())


def test_a_wrong_code_is_refused_and_counts_as_an_attempt() -> None:
    codes = _codes(max_attempts=3)
    challenge, code = codes.issue(CodeChannel.SMS, "+59977012345")
    wrong = f"{(int(code.reveal()) + 1) % 1_000_000:06d}"
    with pytest.raises(WrongCodeError) as caught:
        codes.verify(challenge.code_id, wrong)
    assert caught.value.attempts_left == 2
    with pytest.raises(WrongCodeError) as caught:
        codes.verify(challenge.code_id, "not a code")
    assert caught.value.attempts_left == 1
    # the right code still works while attempts remain, and says how many it took
    assert codes.verify(challenge.code_id, code.reveal()).attempts == 3


def test_attempts_exhausted_kill_the_code_even_for_the_right_entry() -> None:
    codes = _codes(max_attempts=2)
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    wrong = f"{(int(code.reveal()) + 7) % 1_000_000:06d}"
    with pytest.raises(WrongCodeError):
        codes.verify(challenge.code_id, wrong)
    with pytest.raises(CodeAttemptsExhaustedError):
        codes.verify(challenge.code_id, wrong)
    with pytest.raises(CodeAttemptsExhaustedError):
        codes.verify(challenge.code_id, code.reveal())


def test_a_code_expires_at_the_end_of_its_lifetime() -> None:
    clock = Clock()
    codes = _codes(clock, lifetime=dt.timedelta(minutes=5))
    early, early_code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    late, late_code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    assert early.expires_at == T0 + dt.timedelta(minutes=5)
    clock.now = T0 + dt.timedelta(minutes=4, seconds=59)
    assert codes.verify(early.code_id, early_code.reveal()).verified_at == clock.now
    clock.now = T0 + dt.timedelta(minutes=5)
    with pytest.raises(CodeExpiredError):
        codes.verify(late.code_id, late_code.reveal())


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(UnknownCodeError):
        _codes().verify("no-such-id", "123456")


def test_only_a_salted_hmac_is_stored_never_the_code() -> None:
    store = MemoryCodeStore()
    codes = OneTimeCodes(KEY, store=store, clock=Clock())
    first, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    second, _ = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    stored = store.get(first.code_id)
    assert stored is not None
    plaintext = code.reveal()
    # nowhere in what is kept or shown
    for text in (
        stored.model_dump_json(),
        repr(stored),
        repr(store),
        repr(codes),
        repr(code),
        str(code),
        repr(first),
        first.model_dump_json(),
        repr(vars(codes)),
    ):
        assert plaintext not in text
    # the hash is HMAC-SHA256 over a per-code salt, the id and the code
    expected = hmac.new(
        KEY, stored.salt + first.code_id.encode() + b"\x00" + plaintext.encode(), hashlib.sha256
    ).digest()
    assert stored.code_hash == expected
    other = store.get(second.code_id)
    assert other is not None and other.salt != stored.salt
    # once used, the state says so (and still holds no code)
    codes.verify(first.code_id, plaintext)
    used = store.get(first.code_id)
    assert used is not None and used.used_at is not None and plaintext not in repr(used)


def test_entries_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes_module.hmac, "compare_digest", spy)
    codes = _codes()
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    with pytest.raises(WrongCodeError):
        codes.verify(challenge.code_id, "000000" if code.reveal() != "000000" else "111111")
    codes.verify(challenge.code_id, code.reveal())
    assert len(calls) == 2
    assert all(len(a) == len(b) == 32 for a, b in calls)


def test_a_short_key_and_a_naive_clock_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        OneTimeCodes(b"short")
    codes = OneTimeCodes(KEY, clock=lambda: dt.datetime(2026, 5, 1))
    with pytest.raises(ValueError, match="aware"):
        codes.issue(CodeChannel.EMAIL, "anna@example.org")


def test_the_secret_code_does_not_pickle() -> None:
    import pickle

    _, code = _codes().issue(CodeChannel.EMAIL, "anna@example.org")
    with pytest.raises(TypeError):
        pickle.dumps(code)


# -- email over a real SMTP server ------------------------------------------------------


def _settings(server: LocalSmtpServer, **extra: Any) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, sender="sign@platform.example", **extra)


def test_an_email_code_round_trips_through_a_real_smtp_server(
    esig_smtp_server: LocalSmtpServer,
) -> None:
    codes = OneTimeCodes(KEY)
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    delivery = EmailCodeSender(_settings(esig_smtp_server)).send_code(
        challenge, code, document_name="lease.pdf"
    )
    [received] = esig_smtp_server.messages
    assert received.recipients == ("anna@example.org",)
    assert received.message["Message-ID"] == delivery.message_id
    assert "lease.pdf" in received.body
    typed = CODE_IN_TEXT.search(received.body)
    assert typed is not None
    verification = codes.verify(challenge.code_id, typed.group(1))
    assert verification.channel is CodeChannel.EMAIL


def test_a_code_read_from_someone_elses_message_fails(esig_smtp_server: LocalSmtpServer) -> None:
    codes = OneTimeCodes(KEY)
    sender = EmailCodeSender(_settings(esig_smtp_server))
    anna, anna_code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    bert, bert_code = codes.issue(CodeChannel.EMAIL, "bert@example.org")
    sender.send_code(anna, anna_code)
    sender.send_code(bert, bert_code)
    bert_message = next(m for m in esig_smtp_server.messages if "bert" in m.recipients[0])
    typed = CODE_IN_TEXT.search(bert_message.body)
    assert typed is not None
    if typed.group(1) != anna_code.reveal():  # 1 in a million: the same digits
        with pytest.raises(WrongCodeError):
            codes.verify(anna.code_id, typed.group(1))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_with_the_right_password_delivers_and_a_wrong_one_is_refused_quietly() -> None:
    codes = OneTimeCodes(KEY)
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    with LocalSmtpServer(credentials=("platform", "s3cret-Pa55")) as server:
        good = _settings(server, username="platform", password=SecretStr("s3cret-Pa55"))
        EmailCodeSender(good).send_code(challenge, code)
        assert len(server.messages) == 1
        bad = _settings(server, username="platform", password=SecretStr("wrong-Pa55word"))
        with pytest.raises(DeliveryError) as caught:
            EmailCodeSender(bad).send_code(challenge, code)
        assert len(server.messages) == 1
    message = str(caught.value)
    assert "refused the login" in message
    assert "wrong-Pa55word" not in message and "wrong-Pa55word" not in repr(bad)
    assert "s3cret" not in repr(good) and "s3cret" not in good.model_dump_json()


def test_an_unreachable_smtp_server_names_itself() -> None:
    port = LocalSmtpServer().port  # a free port that nothing listens on
    codes = OneTimeCodes(KEY)
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    settings = SmtpSettings(host="127.0.0.1", port=port, sender="sign@platform.example", timeout=2)
    with pytest.raises(DeliveryError) as caught:
        EmailCodeSender(settings).send_code(challenge, code)
    assert caught.value.destination == f"127.0.0.1:{port}"
    assert "cannot be reached" in str(caught.value)


def test_email_header_injection_is_refused() -> None:
    codes = OneTimeCodes(KEY)
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org\r\nBcc: eve@evil.example")
    sender = EmailCodeSender(
        SmtpSettings(host="127.0.0.1", port=25, sender="sign@platform.example")
    )
    with pytest.raises(ValueError, match="plain email address"):
        sender.message(challenge, code)


# -- SMS over a real HTTP endpoint ------------------------------------------------------


@dataclass
class SmsEndpoint:
    """A real HTTP server on 127.0.0.1 that records the JSON POSTed to it."""

    status: int = 200
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def sms_endpoint() -> Iterator[SmsEndpoint]:
    endpoint = SmsEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            endpoint.received.append((dict(self.headers.items()), json.loads(body)))
            answer = json.dumps({"id": f"msg-{len(endpoint.received)}"}).encode()
            self.send_response(endpoint.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_an_sms_code_round_trips_through_a_real_http_endpoint(sms_endpoint: SmsEndpoint) -> None:
    codes = OneTimeCodes(KEY)
    challenge, code = codes.issue(CodeChannel.SMS, "+59977012345")
    transport = HttpSmsTransport(sms_endpoint.url, token="tok-Secret-123")
    delivery = SmsGateway(transport, sender="AcmeSign").send_code(challenge, code)
    assert delivery.provider_id == "msg-1"
    [(headers, body)] = sms_endpoint.received
    assert headers["Authorization"] == "Bearer tok-Secret-123"
    assert body["to"] == "+59977012345"
    assert body["from"] == "AcmeSign"
    typed = CODE_IN_TEXT.search(body["text"])
    assert typed is not None
    assert codes.verify(challenge.code_id, typed.group(1)).channel is CodeChannel.SMS
    assert "tok-Secret-123" not in repr(transport)


def test_a_gateway_error_is_a_delivery_error_without_the_token(sms_endpoint: SmsEndpoint) -> None:
    sms_endpoint.status = 503
    codes = OneTimeCodes(KEY)
    challenge, code = codes.issue(CodeChannel.SMS, "+59977012345")
    gateway = SmsGateway(HttpSmsTransport(sms_endpoint.url, token="tok-Secret-123"))
    with pytest.raises(DeliveryError) as caught:
        gateway.send_code(challenge, code)
    assert "HTTP 503" in str(caught.value)
    assert "tok-Secret-123" not in str(caught.value)
    assert caught.value.destination == sms_endpoint.url


def test_sms_numbers_and_urls_are_checked() -> None:
    codes = OneTimeCodes(KEY)
    challenge, code = codes.issue(CodeChannel.SMS, "0612345678")
    gateway = SmsGateway(HttpSmsTransport("http://127.0.0.1:9/sms"))
    with pytest.raises(ValidationError, match=r"E\.164"):
        gateway.send_code(challenge, code)
    with pytest.raises(ValueError, match="http"):
        HttpSmsTransport("file:///etc/passwd")
    email_challenge, _ = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    with pytest.raises(ValueError, match="not SMS"):
        gateway.send_code(email_challenge, code)


# -- click and drawn --------------------------------------------------------------------


def test_click_to_accept_records_the_words_and_the_time() -> None:
    click = click_to_accept("I agree to the lease of 1 May 2026.", clock=Clock())
    assert isinstance(click, ClickAcceptance)
    assert click.accepted_at == T0
    with pytest.raises(ValidationError):
        click_to_accept("", clock=Clock())


def test_a_drawn_signature_keeps_the_png_and_the_strokes() -> None:
    image = png_bytes()
    drawing = drawn_signature(image, strokes=[[(1, 2, 0), (3, 4, 16)], [(5, 6, 40)]], clock=Clock())
    assert isinstance(drawing, DrawnSignature)
    assert drawing.image_sha256 == hashlib.sha256(image).hexdigest()
    assert drawing.strokes[0][1] == (3.0, 4.0, 16.0)
    again = DrawnSignature.model_validate_json(drawing.model_dump_json())
    assert again == drawing


def test_a_drawn_signature_must_be_a_png_with_strokes_in_time_order() -> None:
    with pytest.raises(ValidationError, match="not a PNG"):
        drawn_signature(b"GIF89a....", clock=Clock())
    with pytest.raises(ValidationError, match="time order"):
        drawn_signature(png_bytes(), strokes=[[(1, 2, 30), (3, 4, 10)]], clock=Clock())


# -- the record -------------------------------------------------------------------------


def _what() -> PresentedDocument:
    return PresentedDocument(
        document_sha256="ab" * 32,
        document_size=1000,
        page_count=2,
        pages_presented=2,
        presented_at=T0,
    )


def _code_step(recipient: str, channel: CodeChannel = CodeChannel.EMAIL) -> CodeAuthentication:
    return CodeAuthentication(
        channel=channel,
        recipient=recipient,
        code_id="c0de",
        issued_at=T0 + dt.timedelta(minutes=1),
        verified_at=T0 + dt.timedelta(minutes=2),
        attempts=1,
    )


def _record(method: EvidenceMethod, *steps: Any, who: Signatory | None = None) -> EvidenceRecord:
    return EvidenceRecord(
        platform="Acme Sign",
        method=method,
        who=who or Signatory(name="Anna de Vries", email="anna@example.org", phone="+59977012345"),
        what=_what(),
        when=T0 + dt.timedelta(minutes=3),
        how=steps,
        disclosure=evidence_disclosure(method).acknowledged(T0),
    )


def test_a_code_to_the_signatorys_own_address_ties_the_signer() -> None:
    record = _record(EvidenceMethod.EMAIL_CODE, _code_step("anna@example.org"))
    assert record.ties_signer_uniquely
    assert EvidenceRecord.from_json(record.canonical_json()) == record
    sms = _record(EvidenceMethod.SMS_CODE, _code_step("+59977012345", CodeChannel.SMS))
    assert sms.ties_signer_uniquely


def test_a_click_or_a_drawing_alone_does_not_tie_the_signer() -> None:
    click = _record(EvidenceMethod.CLICK_TO_ACCEPT, click_to_accept("I agree", clock=Clock()))
    drawn = _record(EvidenceMethod.DRAWN, drawn_signature(png_bytes(), clock=Clock()))
    assert not click.ties_signer_uniquely
    assert not drawn.ties_signer_uniquely
    # a drawing with a code to the signer's phone does
    both = _record(
        EvidenceMethod.DRAWN,
        drawn_signature(png_bytes(), clock=Clock()),
        _code_step("+59977012345", CodeChannel.SMS),
    )
    assert both.ties_signer_uniquely


def test_a_record_must_fit_its_method_and_its_signatory() -> None:
    with pytest.raises(ValidationError, match="signatory's email"):
        _record(EvidenceMethod.EMAIL_CODE, _code_step("eve@evil.example"))
    with pytest.raises(ValidationError, match="needs the drawing"):
        _record(EvidenceMethod.DRAWN, click_to_accept("I agree", clock=Clock()))
    late = _record(EvidenceMethod.EMAIL_CODE, _code_step("anna@example.org")).model_dump()
    late["disclosure"]["acknowledged_at"] = T0 + dt.timedelta(hours=1)
    with pytest.raises(ValidationError, match="acknowledged after"):
        EvidenceRecord.model_validate(late)


def test_a_malformed_record_is_an_esig_error() -> None:
    with pytest.raises(EvidenceRecordError) as caught:
        EvidenceRecord.from_json(b'{"record_type": "esig-evidence-record", "schema_version": 2}')
    assert isinstance(caught.value, EsigError)
    with pytest.raises(EvidenceRecordError):
        EvidenceRecord.from_json(b"not json")


def test_the_canonical_json_is_stable() -> None:
    record = _record(EvidenceMethod.EMAIL_CODE, _code_step("anna@example.org"))
    raw = record.canonical_json()
    assert raw == EvidenceRecord.from_json(raw).canonical_json()
    assert json.loads(raw)["what"]["document_size"] == 1000
    assert b" " not in raw.split(b'"text"')[0]  # no spaces between tokens


def test_each_method_has_an_honest_risk_text() -> None:
    for method in (EvidenceMethod.EMAIL_CODE, EvidenceMethod.SMS_CODE):
        text = evidence_disclosure(method).text
        assert "never a qualified electronic signature" in text
        assert "not an advanced electronic signature" in text
    for method in (EvidenceMethod.CLICK_TO_ACCEPT, EvidenceMethod.DRAWN):
        assert "simple electronic signature" in evidence_disclosure(method).text
    hashes = {evidence_disclosure(m).content_hash for m in EvidenceMethod}
    assert len(hashes) == len(EvidenceMethod) - 1  # email and SMS share the code text
