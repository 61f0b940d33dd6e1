"""The errors of evidence-based signing: one-time codes, delivery, the evidence record."""

from __future__ import annotations

from pathlib import Path

from esig.errors import EsigError, SigningError

__all__ = [
    "CodeAlreadyUsedError",
    "CodeAttemptsExhaustedError",
    "CodeError",
    "CodeExpiredError",
    "DeliveryError",
    "EvidenceError",
    "EvidenceMismatchError",
    "EvidenceRecordError",
    "UnknownCodeError",
    "WrongCodeError",
]


class EvidenceError(EsigError):
    """Root of the errors of :mod:`esig.evidence`."""


class CodeError(EvidenceError):
    """A one-time code was not accepted; no signature may follow.

    Attributes:
        code_id: The code's identifier (never the code itself).

    """

    def __init__(self, message: str, *, code_id: str) -> None:
        super().__init__(message)
        self.code_id = code_id


class UnknownCodeError(CodeError):
    """No code was issued under this identifier (or it was forgotten)."""


class CodeExpiredError(CodeError):
    """The code's lifetime is over; issue a new one."""


class CodeAlreadyUsedError(CodeError):
    """The code was already accepted once; a code is good for one signature."""


class CodeAttemptsExhaustedError(CodeError):
    """Too many wrong entries; the code is dead, issue a new one."""


class WrongCodeError(CodeError):
    """The entered code is wrong; the signer may try again.

    Attributes:
        attempts_left: How many more entries the code accepts.

    """

    def __init__(self, message: str, *, code_id: str, attempts_left: int) -> None:
        super().__init__(message, code_id=code_id)
        self.attempts_left = attempts_left


class DeliveryError(EvidenceError):
    """A code could not be delivered (SMTP server or SMS gateway refused or is down).

    Attributes:
        destination: The server or gateway that failed (host:port or URL), never a secret.

    """

    def __init__(self, message: str, *, destination: str) -> None:
        super().__init__(message)
        self.destination = destination


class EvidenceRecordError(EvidenceError):
    """An evidence record cannot be read (malformed JSON, unknown schema, inconsistent)."""


class EvidenceMismatchError(SigningError):
    """The evidence record does not describe the document to be sealed; nothing was sealed.

    Attributes:
        record_sha256: The document digest (hex) the record names.
        document_sha256: The digest (hex) of the document given to seal.

    """

    def __init__(
        self,
        message: str,
        *,
        record_sha256: str,
        document_sha256: str,
        path: str | Path | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.record_sha256 = record_sha256
        self.document_sha256 = document_sha256
