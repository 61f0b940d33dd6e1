"""The baseline levels and the request of a signature at one, with its services.

The models behind :mod:`esig.signing.baseline` (which documents them and re-exports
them), here so that the pyHanko adapter can use them without importing
:mod:`esig.signing`.
"""

from __future__ import annotations

import base64
import os
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import ConfigDict, Field, field_serializer, field_validator, model_validator

from esig._model import EsigModel
from esig.certificates import load_certificates
from esig.errors import InputError

__all__ = [
    "BaselineLevel",
    "BaselineRequest",
    "PadesLevel",
    "TimestampService",
    "ValidationServices",
]

_DEFAULT_TIMEOUT = 10.0


class BaselineLevel(StrEnum):
    """The ETSI baseline levels of PAdES (EN 319 142-1) and CAdES (EN 319 122-1).

    Parsing is forgiving about spelling: ``"B-LTA"``, ``"b_lta"`` and ``"LTA"`` all give
    :attr:`B_LTA`.
    """

    B_B = "B-B"
    """Basic: the signature and the signer's certificate."""
    B_T = "B-T"
    """B-B plus a signature timestamp from a trusted time-stamping service."""
    B_LT = "B-LT"
    """B-T plus all validation data (certificates, OCSP responses, CRLs)."""
    B_LTA = "B-LTA"
    """B-LT plus a document (archive) timestamp over the validation data."""

    @classmethod
    def _missing_(cls, value: object) -> BaselineLevel | None:
        if not isinstance(value, str):
            return None
        text = value.strip().upper().replace("_", "-")
        if not text.startswith("B-"):
            text = f"B-{text}"
        for member in cls:
            if member.value == text:
                return member
        return None

    @property
    def rank(self) -> int:
        """0 for B-B up to 3 for B-LTA: a higher level includes every lower one."""
        return list(BaselineLevel).index(self)

    @property
    def timestamped(self) -> bool:
        """Whether the level needs a time-stamping service (B-T and up)."""
        return self.rank >= BaselineLevel.B_T.rank

    @property
    def long_term(self) -> bool:
        """Whether the level embeds validation data (B-LT and up)."""
        return self.rank >= BaselineLevel.B_LT.rank


PadesLevel = BaselineLevel
"""The baseline levels under the name the PAdES functions use (the same enum)."""


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"The {what} URL must be an http:// or https:// URL, not {url!r}")
    return url


class TimestampService(EsigModel):
    """An RFC 3161 time-stamping service (TSA) and how long to wait for it.

    .. versionadded:: 0.1.0
    """

    url: str
    """Where the service takes time-stamp requests (HTTP POST)."""
    timeout: float = Field(default=_DEFAULT_TIMEOUT, gt=0, le=600)
    """Seconds to wait for the connection and for each read; longer is a failure."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _check_url(value, "time-stamping service")


class ValidationServices(EsigModel):
    """How validation data (OCSP responses, CRLs, certificates) is collected for B-LT.

    The data is fetched from the URLs the certificates name. It is *collected*, not
    judged: a verifier decides later whom to trust. A path to a trust anchor is still
    needed to know which data belongs to the signature.

    .. versionadded:: 0.1.0
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    trust: tuple[x509.Certificate, ...] = ()
    """Trust anchors: certificates, or paths to PEM/DER/PKCS#7 files of them. Empty:
    the self-signed certificates that come with the signature (the device's chain, the
    document's signatures) are used as anchors for collecting."""
    timeout: float = Field(default=_DEFAULT_TIMEOUT, gt=0, le=600)
    """Seconds to wait for each OCSP responder or CRL server; longer is a failure."""

    @field_validator("trust", mode="before")
    @classmethod
    def _load_trust(cls, value: Any) -> Any:
        if isinstance(value, x509.Certificate | str | os.PathLike):
            value = (value,)
        if not isinstance(value, list | tuple):
            return value
        anchors: list[Any] = []
        for item in value:
            if isinstance(item, str | os.PathLike):
                anchors.extend(load_certificates(item, what="trust anchor"))
            else:
                anchors.append(item)
        return tuple(anchors)

    @field_serializer("trust")
    def _trust_as_base64(self, trust: tuple[x509.Certificate, ...]) -> list[str]:
        return [base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii") for c in trust]


class BaselineRequest(EsigModel):
    """A baseline level with the services it needs; it cannot be built incomplete.

    B-T and higher need a :class:`TimestampService`; B-LT and higher use
    :class:`ValidationServices` (default: fetch with default timeouts). Services that the
    level would not use are refused rather than silently ignored.

    Raises:
        InputError: A time-stamping service is missing, or a service was given that the
            level does not use.

    .. versionadded:: 0.1.0

    """

    level: BaselineLevel = BaselineLevel.B_B
    """The baseline level to produce."""
    timestamp: TimestampService | None = None
    """The time-stamping service (required from B-T on)."""
    validation: ValidationServices | None = None
    """How to collect validation data (used from B-LT on)."""

    @model_validator(mode="after")
    def _services_match_level(self) -> BaselineRequest:
        level = self.level
        if level.timestamped and self.timestamp is None:
            raise InputError(
                f"Baseline {level.value} needs a time-stamping service: give "
                "timestamp=TimestampService(url=...) (CLI: --tsa URL)"
            )
        if not level.timestamped and self.timestamp is not None:
            raise InputError(
                f"A time-stamping service was given, but baseline {level.value} uses none; "
                "ask for B-T or higher"
            )
        if not level.long_term and self.validation is not None:
            raise InputError(
                f"Validation services were given, but baseline {level.value} embeds no "
                "validation data; ask for B-LT or higher"
            )
        return self

    @property
    def validation_services(self) -> ValidationServices:
        """The validation services in use (defaults when none were given)."""
        return self.validation or ValidationServices()
