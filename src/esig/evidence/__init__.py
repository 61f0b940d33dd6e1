"""Signatures without a personal certificate: one-time codes, click, drawn; the sealed record.

The platform authenticates the signer (an email or SMS one-time code, a click, a drawn
signature), records who agreed to what, when and how in an :class:`EvidenceRecord`, and
seals the document with its own certificate, the record inside the seal's signed
attributes. Verification reads the record back: a simple signature (with strong evidence
when a code ties the signer uniquely); never AES or QES, since the code authorises the
platform's key, not one under the signer's sole control. See ``docs/evidence.md``.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esig._lazy import lazy_exports

if TYPE_CHECKING:
    from esig.evidence.codes import (
        CodeChallenge,
        CodeChannel,
        CodePolicy,
        CodeStore,
        CodeVerification,
        MemoryCodeStore,
        OneTimeCodes,
        SecretCode,
        StoredCode,
    )
    from esig.evidence.email import EmailCodeSender, EmailDelivery, SmtpSettings
    from esig.evidence.errors import (
        CodeAlreadyUsedError,
        CodeAttemptsExhaustedError,
        CodeError,
        CodeExpiredError,
        DeliveryError,
        EvidenceError,
        EvidenceMismatchError,
        EvidenceRecordError,
        UnknownCodeError,
        WrongCodeError,
    )
    from esig.evidence.methods import (
        CLICK_TO_ACCEPT_DISCLOSURE,
        EvidenceDisclosure,
        click_to_accept,
        drawn_signature,
        evidence_disclosure,
    )
    from esig.evidence.record import (
        AcknowledgedDisclosure,
        AuthenticationStep,
        ClickAcceptance,
        CodeAuthentication,
        DrawnSignature,
        EvidenceMethod,
        EvidenceRecord,
        PresentedDocument,
        Signatory,
    )
    from esig.evidence.seal import (
        EvidenceSession,
        EvidenceSessionState,
        SealedDocument,
        SealedEvidence,
        async_seal_with_evidence,
        read_evidence_records,
        seal_with_evidence,
    )
    from esig.evidence.sms import (
        HttpSmsTransport,
        SmsDelivery,
        SmsGateway,
        SmsMessage,
        SmsTransport,
    )

_WHERE: dict[str, str] = {
    "AcknowledgedDisclosure": "esig.evidence.record",
    "AuthenticationStep": "esig.evidence.record",
    "CLICK_TO_ACCEPT_DISCLOSURE": "esig.evidence.methods",
    "ClickAcceptance": "esig.evidence.record",
    "CodeAlreadyUsedError": "esig.evidence.errors",
    "CodeAttemptsExhaustedError": "esig.evidence.errors",
    "CodeAuthentication": "esig.evidence.record",
    "CodeChallenge": "esig.evidence.codes",
    "CodeChannel": "esig.evidence.codes",
    "CodeError": "esig.evidence.errors",
    "CodeExpiredError": "esig.evidence.errors",
    "CodePolicy": "esig.evidence.codes",
    "CodeStore": "esig.evidence.codes",
    "CodeVerification": "esig.evidence.codes",
    "DeliveryError": "esig.evidence.errors",
    "DrawnSignature": "esig.evidence.record",
    "EmailCodeSender": "esig.evidence.email",
    "EmailDelivery": "esig.evidence.email",
    "EvidenceDisclosure": "esig.evidence.methods",
    "EvidenceError": "esig.evidence.errors",
    "EvidenceMethod": "esig.evidence.record",
    "EvidenceMismatchError": "esig.evidence.errors",
    "EvidenceRecord": "esig.evidence.record",
    "EvidenceRecordError": "esig.evidence.errors",
    "EvidenceSession": "esig.evidence.seal",
    "EvidenceSessionState": "esig.evidence.seal",
    "HttpSmsTransport": "esig.evidence.sms",
    "MemoryCodeStore": "esig.evidence.codes",
    "OneTimeCodes": "esig.evidence.codes",
    "PresentedDocument": "esig.evidence.record",
    "SealedDocument": "esig.evidence.seal",
    "SealedEvidence": "esig.evidence.seal",
    "SecretCode": "esig.evidence.codes",
    "Signatory": "esig.evidence.record",
    "SmsDelivery": "esig.evidence.sms",
    "SmsGateway": "esig.evidence.sms",
    "SmsMessage": "esig.evidence.sms",
    "SmsTransport": "esig.evidence.sms",
    "SmtpSettings": "esig.evidence.email",
    "StoredCode": "esig.evidence.codes",
    "UnknownCodeError": "esig.evidence.errors",
    "WrongCodeError": "esig.evidence.errors",
    "async_seal_with_evidence": "esig.evidence.seal",
    "click_to_accept": "esig.evidence.methods",
    "drawn_signature": "esig.evidence.methods",
    "evidence_disclosure": "esig.evidence.methods",
    "read_evidence_records": "esig.evidence.seal",
    "seal_with_evidence": "esig.evidence.seal",
}
"""Each public name and the module that defines it: imported on first use."""


__all__ = [
    "CLICK_TO_ACCEPT_DISCLOSURE",
    "AcknowledgedDisclosure",
    "AuthenticationStep",
    "ClickAcceptance",
    "CodeAlreadyUsedError",
    "CodeAttemptsExhaustedError",
    "CodeAuthentication",
    "CodeChallenge",
    "CodeChannel",
    "CodeError",
    "CodeExpiredError",
    "CodePolicy",
    "CodeStore",
    "CodeVerification",
    "DeliveryError",
    "DrawnSignature",
    "EmailCodeSender",
    "EmailDelivery",
    "EvidenceDisclosure",
    "EvidenceError",
    "EvidenceMethod",
    "EvidenceMismatchError",
    "EvidenceRecord",
    "EvidenceRecordError",
    "EvidenceSession",
    "EvidenceSessionState",
    "HttpSmsTransport",
    "MemoryCodeStore",
    "OneTimeCodes",
    "PresentedDocument",
    "SealedDocument",
    "SealedEvidence",
    "SecretCode",
    "Signatory",
    "SmsDelivery",
    "SmsGateway",
    "SmsMessage",
    "SmsTransport",
    "SmtpSettings",
    "StoredCode",
    "UnknownCodeError",
    "WrongCodeError",
    "async_seal_with_evidence",
    "click_to_accept",
    "drawn_signature",
    "evidence_disclosure",
    "read_evidence_records",
    "seal_with_evidence",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
