"""The register of recognised certification service providers (BES art. 4).

Under BES art. 4, a certification service provider (CSP) may only offer its services
once the Minister has recognised it (art. 4(1)–(3)). A recognition can be withdrawn on
the provider's request, or when it no longer meets art. 5 (art. 4(4)) — in the latter
case only after the provider was given a period of **at most two weeks** to comply again
(art. 4(5)). The Minister keeps a public register of recognitions and withdrawals
(art. 4(6)).

:class:`CspRegister` is that register as a file a person can read, edit and review
(YAML or JSON, see :func:`load_register`), and :meth:`CspRegister.status_at` answers
the question a verifier must ask: *was the issuer of this certificate recognised at the
moment the signature was made?* Qualification is judged at the signing time, so a
signature made before a withdrawal took effect stays qualified.

A register file looks like this (YAML)::

    schema_version: 1
    authority: Minister van Economische Zaken
    published: 2026-11-01T00:00:00Z
    providers:
      - name: esig Test Trust Services
        country: BQ
        organization_identifier: NTRBQ-00000000
        recognised_from: 2024-01-01T00:00:00Z
        certificates:              # the provider's CA certificates (PEM)
          - |
            -----BEGIN CERTIFICATE-----
            ...
        withdrawal:                # optional
          reason: no_longer_meets_art5   # or: on_request
          notified: 2026-03-01T00:00:00Z # start of the art. 4(5) period (art. 5 cases)
          effective: 2026-03-15T00:00:00Z
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import ValidationError, field_validator, model_validator

from esig._model import EsigModel
from esig.errors import InputError
from esig.law import BES, Citation

__all__ = [
    "MAX_GRACE_PERIOD",
    "CspRegister",
    "RecognitionStatus",
    "RegisterError",
    "RegisterLookup",
    "RegisteredProvider",
    "Withdrawal",
    "WithdrawalReason",
    "load_register",
]

MAX_GRACE_PERIOD = dt.timedelta(days=14)
"""BES art. 4(5): the period to comply again lasts at most two weeks."""


class RegisterError(InputError):
    """The register file cannot be read or does not follow the register's rules."""


class WithdrawalReason(StrEnum):
    """Why a recognition was withdrawn (BES art. 4(4))."""

    ON_REQUEST = "on_request"
    """At the provider's own request."""
    NO_LONGER_MEETS_ART5 = "no_longer_meets_art5"
    """The provider no longer meets the requirements of art. 5."""


class Withdrawal(EsigModel):
    """The withdrawal of a recognition (BES art. 4(4)–(5))."""

    reason: WithdrawalReason
    notified: dt.datetime | None = None
    """When the provider was told it no longer meets art. 5: the start of the period of at
    most two weeks to comply again (art. 4(5)). Required for that reason."""
    effective: dt.datetime
    """When the withdrawal takes effect: from this moment the provider is not recognised."""

    @field_validator("notified", "effective")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _require_aware(value)

    @model_validator(mode="after")
    def _art_4_5(self) -> Withdrawal:
        if self.reason is WithdrawalReason.NO_LONGER_MEETS_ART5:
            if self.notified is None:
                raise ValueError(
                    "a withdrawal because art. 5 is no longer met needs the date "
                    "the provider was notified (BES art. 4(5))"
                )
            grace = self.effective - self.notified
            if grace < dt.timedelta(0):
                raise ValueError("the withdrawal cannot take effect before the notification")
            if grace > MAX_GRACE_PERIOD:
                raise ValueError(
                    f"the period to comply again is {grace.days} days; BES art. 4(5) allows at "
                    "most two weeks"
                )
        return self


class RegisteredProvider(EsigModel):
    """One certification service provider in the register."""

    name: str
    country: str
    organization_identifier: str | None = None
    recognised_from: dt.datetime
    certificates: tuple[str, ...]
    """The provider's CA certificates, PEM. A certificate issued under any of them is
    attributed to this provider."""
    withdrawal: Withdrawal | None = None

    @field_validator("recognised_from")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        result = _require_aware(value)
        assert result is not None
        return result

    @field_validator("certificates")
    @classmethod
    def _readable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a provider needs at least one CA certificate")
        for pem in value:
            try:
                x509.load_pem_x509_certificate(pem.encode())
            except (ValueError, x509.InvalidVersion):
                raise ValueError(
                    "a provider certificate is not a readable PEM certificate"
                ) from None
        return value

    @model_validator(mode="after")
    def _ordered(self) -> RegisteredProvider:
        if self.withdrawal is not None and self.withdrawal.effective < self.recognised_from:
            raise ValueError(f"{self.name}: the withdrawal takes effect before the recognition")
        return self

    def ca_certificates(self) -> list[x509.Certificate]:
        """The provider's CA certificates as :mod:`cryptography` objects."""
        return [x509.load_pem_x509_certificate(pem.encode()) for pem in self.certificates]

    def status_at(self, moment: dt.datetime) -> RecognitionStatus:
        """The provider's recognition status at ``moment``."""
        if moment < self.recognised_from:
            return RecognitionStatus.NOT_YET_RECOGNISED
        withdrawal = self.withdrawal
        if withdrawal is None:
            return RecognitionStatus.RECOGNISED
        if moment >= withdrawal.effective:
            return RecognitionStatus.WITHDRAWN
        if withdrawal.notified is not None and moment >= withdrawal.notified:
            return RecognitionStatus.IN_GRACE_PERIOD
        return RecognitionStatus.RECOGNISED


class RecognitionStatus(StrEnum):
    """Whether a provider was recognised at a moment."""

    RECOGNISED = "recognised"
    IN_GRACE_PERIOD = "recognised, within the period to comply again (BES art. 4(5))"
    """Still recognised: the withdrawal has not yet taken effect."""
    WITHDRAWN = "withdrawn"
    NOT_YET_RECOGNISED = "not yet recognised"
    NOT_REGISTERED = "not in the register"

    @property
    def recognised(self) -> bool:
        """Whether the provider counts as recognised."""
        return self in (RecognitionStatus.RECOGNISED, RecognitionStatus.IN_GRACE_PERIOD)


class RegisterLookup(EsigModel):
    """What the register says about the issuer of a certificate at a moment."""

    status: RecognitionStatus
    provider: str | None
    moment: dt.datetime
    explanation: str
    citations: tuple[Citation, ...] = (BES.ART_4,)

    @property
    def recognised(self) -> bool:
        """Whether the issuer was recognised at :attr:`moment`."""
        return self.status.recognised


class CspRegister(EsigModel):
    """The Minister's register of recognised certification service providers."""

    schema_version: Literal[1] = 1
    authority: str = "Minister van Economische Zaken"
    published: dt.datetime | None = None
    providers: tuple[RegisteredProvider, ...]

    def status_at(self, chain: Sequence[x509.Certificate], moment: dt.datetime) -> RegisterLookup:
        """Say whether the issuer of ``chain[0]`` was recognised at ``moment``.

        ``chain`` lists the signer's certificate first, then its issuers.

        A provider matches when one of its CA certificates is in ``chain`` past the
        signer, or is the issuer of one of the chain's certificates (same name and key).
        """
        moment = _require_aware(moment) or moment
        provider = self._provider_for(chain)
        when = f"{moment:%Y-%m-%d %H:%M} UTC"
        if provider is None:
            return RegisterLookup(
                status=RecognitionStatus.NOT_REGISTERED,
                provider=None,
                moment=moment,
                explanation=f"the issuer is not in the register of {self.authority}",
            )
        status = provider.status_at(moment)
        explanation = {
            RecognitionStatus.RECOGNISED: f"{provider.name} was recognised at {when}",
            RecognitionStatus.IN_GRACE_PERIOD: (
                f"{provider.name} was still recognised at {when}: its withdrawal takes effect "
                f"only on {provider.withdrawal.effective:%Y-%m-%d}"
                if provider.withdrawal
                else ""
            ),
            RecognitionStatus.WITHDRAWN: (
                f"the recognition of {provider.name} was withdrawn "
                f"({provider.withdrawal.reason.value.replace('_', ' ')}) with effect from "
                f"{provider.withdrawal.effective:%Y-%m-%d}, before {when}"
                if provider.withdrawal
                else ""
            ),
            RecognitionStatus.NOT_YET_RECOGNISED: (
                f"{provider.name} was recognised only from "
                f"{provider.recognised_from:%Y-%m-%d}, after {when}"
            ),
        }[status]
        citations: tuple[Citation, ...] = (BES.ART_4,)
        if status in (RecognitionStatus.WITHDRAWN, RecognitionStatus.IN_GRACE_PERIOD):
            citations = (BES.ART_4_4, BES.ART_4_5)
        return RegisterLookup(
            status=status,
            provider=provider.name,
            moment=moment,
            explanation=explanation,
            citations=citations,
        )

    def _provider_for(self, chain: Sequence[x509.Certificate]) -> RegisteredProvider | None:
        wanted = set()
        for cert in chain[1:]:
            wanted.add(_identity(cert.subject, cert.public_key()))
        issuers = {cert.issuer for cert in chain}
        for provider in self.providers:
            for ca in provider.ca_certificates():
                if _identity(ca.subject, ca.public_key()) in wanted:
                    return provider
                if ca.subject in issuers and self._issued_by(chain, ca):
                    return provider
        return None

    @staticmethod
    def _issued_by(chain: Sequence[x509.Certificate], ca: x509.Certificate) -> bool:
        for cert in chain:
            if cert.issuer != ca.subject:
                continue
            try:
                cert.verify_directly_issued_by(ca)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return True
        return False

    def to_yaml(self) -> str:
        """The register as YAML, in the format :func:`load_register` reads."""
        import yaml  # noqa: PLC0415

        data = json.loads(self.model_dump_json(exclude_none=True))
        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _identity(name: x509.Name, key: object) -> tuple[x509.Name, bytes]:
    return name, key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined]


def _require_aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("dates in the register must carry a time zone (e.g. Z for UTC)")
    return value


def load_register(source: str | os.PathLike[str]) -> CspRegister:
    """Read a register from a YAML or JSON file.

    Raises:
        RegisterError: The file is missing, not YAML/JSON, or breaks the register's rules
            (e.g. a period to comply again longer than two weeks, BES art. 4(5)).

    """
    import yaml  # noqa: PLC0415

    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegisterError("The register file does not exist", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterError(f"The register file cannot be read: {exc}", path=path) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegisterError(f"The register is not valid YAML or JSON: {exc}", path=path) from None
    try:
        return CspRegister.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise RegisterError(f"The register breaks its rules: {problems}", path=path) from None


def register_from_certificates(
    entries: Iterable[tuple[str, str, x509.Certificate, dt.datetime]],
) -> CspRegister:
    """Build a register from ``(name, country, ca_certificate, recognised_from)`` entries."""
    providers = tuple(
        RegisteredProvider(
            name=name,
            country=country,
            recognised_from=since,
            certificates=(cert.public_bytes(Encoding.PEM).decode(),),
        )
        for name, country, cert, since in entries
    )
    return CspRegister(providers=providers)
