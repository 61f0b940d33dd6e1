"""The local SMS gateway of esig.testing: real HTTP on 127.0.0.1, as HttpSmsTransport posts."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from esig.evidence import (
    CodeChannel,
    DeliveryError,
    HttpSmsTransport,
    OneTimeCodes,
    SmsGateway,
    SmsMessage,
)
from esig.testing.sms import LocalSmsGateway


def test_the_local_sms_gateway_keeps_what_http_sms_transport_sends_and_refuses_the_rest(
    esig_sms_gateway: LocalSmsGateway,
) -> None:
    codes = OneTimeCodes(b"k" * 32)
    challenge, code = codes.issue(CodeChannel.SMS, "+59977012345")
    delivery = SmsGateway(HttpSmsTransport(esig_sms_gateway.url), sender="Portal").send_code(
        challenge, code
    )
    [received] = esig_sms_gateway.messages_to("+59977012345")
    assert delivery.provider_id == received.id
    assert code.reveal() in received.text and received.sender == "Portal"
    # a wrong path or a body without text is refused, and nothing is kept
    with pytest.raises(DeliveryError):
        HttpSmsTransport(esig_sms_gateway.url + "x").send(received_message("+59977012345"))
    answer = post_status(esig_sms_gateway.url, b'{"to": "+59977012345"}')
    assert answer == 400
    assert len(esig_sms_gateway.messages) == 1


def test_a_local_sms_gateway_with_a_token_refuses_a_caller_without_it() -> None:
    with LocalSmsGateway(token="gw-Secret-1") as gateway:
        with pytest.raises(DeliveryError) as caught:
            HttpSmsTransport(gateway.url).send(received_message("+59977012345"))
        assert "401" in str(caught.value)
        HttpSmsTransport(gateway.url, token="gw-Secret-1").send(received_message("+59977012345"))
        assert [m.to for m in gateway.messages] == ["+59977012345"]


def received_message(to: str) -> SmsMessage:
    return SmsMessage(to=to, sender="esig", text="hello")


def post_status(url: str, body: bytes) -> int:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
