"""Signatures without a personal certificate: one-time codes, click, drawn; the sealed record.

The platform authenticates the signer (an email or SMS one-time code, a click, a drawn
signature), records who agreed to what, when and how in an :class:`EvidenceRecord`, and
seals the document with its own certificate, the record inside the seal's signed
attributes. Verification reads the record back: SES, or AES when a code ties the signer
uniquely; never QES. See ``docs/evidence.md``.

.. versionadded:: 0.2.0
"""

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
    SealedDocument,
    SealedEvidence,
    async_seal_with_evidence,
    read_evidence_records,
    seal_with_evidence,
)
from esig.evidence.sms import HttpSmsTransport, SmsDelivery, SmsGateway, SmsMessage, SmsTransport

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
