"""The errors of a remote signing service: RemoteServiceError and its kin.

Raised by the answer parsers in :mod:`esig.devices.csc.responses`, by
:func:`esig.devices.csc.algorithms.check_signature_value` and by the client in
:mod:`esig.devices.csc.client`. Each carries the service URL and the HTTP status.
"""

from __future__ import annotations

from esig.errors import KeyLoadError, SigningError

__all__ = [
    "AuthorizationError",
    "CredentialNotFoundError",
    "MalformedResponseError",
    "RemoteServiceError",
    "RemoteServiceTimeoutError",
    "describe_service",
]


class RemoteServiceError(SigningError):
    """A remote signing service failed, refused, or answered something unusable.

    Attributes:
        service: The service's base URL.
        status: The HTTP status code, or ``None`` when there was no HTTP answer
            (unreachable, timed out) or the answer was unusable.
        endpoint: The CSC endpoint called (e.g. ``credentials/authorize``), if any.
        error_code: The CSC ``error`` field of the answer (e.g. ``invalid_request``).
        credential_id: The credential concerned, if any.

    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        status: int | None = None,
        endpoint: str | None = None,
        error_code: str | None = None,
        credential_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.service = service
        self.status = status
        self.endpoint = endpoint
        self.error_code = error_code
        self.credential_id = credential_id


class RemoteServiceTimeoutError(RemoteServiceError):
    """The service did not answer within the configured timeout."""


class MalformedResponseError(RemoteServiceError):
    """The service answered, but not with the JSON the CSC API prescribes."""


class AuthorizationError(RemoteServiceError):
    """The service refused to authorise: wrong PIN/OTP, disabled key, missing access token.

    Also raised before any request when a credential needs a PIN or OTP and no
    authorizer was given to supply one.
    """


class CredentialNotFoundError(KeyLoadError):
    """The service does not know the credential id.

    Attributes:
        service: The service's base URL.
        credential_id: The credential id that was asked for.
        status: The HTTP status code of the refusal.

    """

    def __init__(self, message: str, *, service: str, credential_id: str, status: int) -> None:
        super().__init__(message)
        self.service = service
        self.credential_id = credential_id
        self.status = status


def describe_service(service: str) -> str:
    """How an error message names the service: ``The CSC service at URL`` (or without URL)."""
    return f"The CSC service at {service}" if service else "The CSC service"
