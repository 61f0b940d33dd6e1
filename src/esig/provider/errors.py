"""The errors of :mod:`esig.provider`: each one a refusal a provider's operator can act on."""

from __future__ import annotations

from esig.errors import EsigError, InputError

__all__ = [
    "AuthenticationError",
    "IssuanceRefusedError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderStoreError",
    "UnknownCertificateError",
]


class ProviderError(EsigError):
    """The certification service provider's tooling refused or could not do a task."""


class ProviderStoreError(ProviderError):
    """The provider's database cannot be opened, is not set up, or is set up twice."""


class AuthenticationError(ProviderError):
    """The operator's API key is unknown, or the operator was disabled (art. 5(n)(1°))."""


class PermissionDeniedError(ProviderError):
    """An authenticated operator lacks the role a write needs (art. 5(n)(1°)).

    Attributes:
        operator: The operator's name.
        role: The role the write needs.

    """

    def __init__(self, message: str, *, operator: str, role: str) -> None:
        super().__init__(message)
        self.operator = operator
        self.role = role


class IssuanceRefusedError(ProviderError):
    """A certificate was not issued: a precondition of art. 5 is missing.

    No identity record (art. 5(e)), no acknowledgement of the current terms (art. 5(m)),
    a CSR that does not prove possession of its key, or a request that would put a
    subscriber's private key in the provider's hands (art. 5(l)).
    """


class UnknownCertificateError(InputError):
    """No certificate with this serial number is in the provider's store."""
