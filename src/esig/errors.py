"""One exception tree for everything esig cannot do.

A signature that *fails* verification is not an exception: it yields a report whose
checks say why. An :class:`EsigError` means esig could not do the job it was asked to
do: the input was missing or unreadable, a key could not be opened, a service did not
answer. Every message is written for the person who has to act on it, and never
contains a passphrase, PIN or key material.

The tree::

    EsigError
    ├── InputError                 bad or missing input (CLI exit code 2)
    │   ├── DocumentNotFoundError
    │   ├── NotAPdfError
    │   ├── CorruptDocumentError
    │   ├── EncryptedDocumentError
    │   └── CertificateLoadError
    ├── KeyLoadError               a key or key container cannot be opened
    │   ├── WrongPassphraseError
    │   └── KeyCertificateMismatchError
    ├── SigningError               a signature could not be created
    │   └── ServiceError           a TSA, OCSP responder or CRL server failed
    ├── VerificationError          verification could not run at all
    └── OutputError                an output could not be written
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

__all__ = [
    "CertificateLoadError",
    "CorruptDocumentError",
    "DocumentNotFoundError",
    "EncryptedDocumentError",
    "EsigError",
    "InputError",
    "KeyCertificateMismatchError",
    "KeyLoadError",
    "NotAPdfError",
    "OutputError",
    "ServiceError",
    "ServiceKind",
    "SigningError",
    "VerificationError",
    "WrongPassphraseError",
]


class EsigError(Exception):
    """Root of every error esig raises on purpose.

    Attributes:
        message: A sentence a user can act on.
        path: The file the error is about, where there is one.

    """

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        super().__init__(message)

    def __str__(self) -> str:
        if self.path is not None and str(self.path) not in self.message:
            return f"{self.message} ({self.path})"
        return self.message


class InputError(EsigError):
    """The input given to esig is missing, unreadable or not what it claims to be."""


class DocumentNotFoundError(InputError):
    """The document to sign or verify does not exist."""


class NotAPdfError(InputError):
    """The document does not start like a PDF file."""


class CorruptDocumentError(InputError):
    """The document claims to be a PDF but cannot be parsed."""


class EncryptedDocumentError(InputError):
    """The document is encrypted and esig was given no way to open it."""


class CertificateLoadError(InputError):
    """A certificate (or trust anchor) could not be read."""


class KeyLoadError(EsigError):
    """A private key or key container (PEM, PKCS#12) could not be opened."""


class WrongPassphraseError(KeyLoadError):
    """The passphrase does not open the key container. The passphrase is never shown."""


class KeyCertificateMismatchError(KeyLoadError):
    """The certificate does not certify the public half of the private key."""


class SigningError(EsigError):
    """A signature could not be created; no output file was left behind."""


class ServiceKind(StrEnum):
    """The kinds of online service esig asks while signing.

    .. versionadded:: 0.1.0
    """

    TSA = "time-stamping service"
    """An RFC 3161 time-stamping authority."""
    OCSP = "OCSP responder"
    """An RFC 6960 OCSP responder (revocation status of one certificate)."""
    CRL = "CRL distribution point"
    """Where a certificate revocation list is published."""
    CA_ISSUERS = "CA issuers service"
    """Where an issuer's certificate is published (authority information access)."""


class ServiceError(SigningError):
    """An online service needed for the signature failed; nothing was written.

    Raised when a time-stamping service, OCSP responder or CRL server cannot be
    reached, does not answer within the timeout, or answers something unusable. The
    input is untouched and no output file is left behind.

    Attributes:
        service: The URL of the service that failed.
        kind: What sort of service it is.
        reason: What went wrong, e.g. ``did not answer within 5 s``.

    .. versionadded:: 0.1.0

    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        kind: ServiceKind,
        reason: str,
        path: str | Path | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.service = service
        self.kind = kind
        self.reason = reason


class VerificationError(EsigError):
    """Verification could not run at all (as opposed to a signature that fails it)."""


class OutputError(EsigError):
    """An output file could not be written; nothing partial was left behind."""
