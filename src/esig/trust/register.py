"""The register of recognised certification service providers (BES art. 4).

Under BES art. 4, a certification service provider (CSP) may only offer its services
once recognised (art. 4(1)); the recognition is granted by the Minister of Economic
Affairs (art. 4(2)) when the requirements of art. 5 are met (art. 4(3)). A recognition
can be withdrawn on the provider's request, or when it no longer meets art. 5
(art. 4(4)) — in the latter case not before the provider was given a period of **at
most two weeks** to comply again (art. 4(5)). The decree limits that *period*, not the
time between the notice and the withdrawal: the withdrawal may come later, never
sooner. The Minister keeps a register of all recognitions and withdrawals, open to
anyone free of charge (art. 4(6)).

:class:`CspRegister` is that register as a file a person can read, edit and review
(YAML or JSON, see :func:`load_register`), and :meth:`CspRegister.status_at` answers
the question a verifier must ask: *was the issuer of this certificate recognised at the
moment the signature was made?* Qualification is judged at the signing time, so a
signature made before a withdrawal took effect stays qualified.

A file is only the Minister's register when it can be shown to be: :func:`load_register`
authenticates it by a detached CAdES signature (``register.yaml.p7s``) verified against
the register authority's certificate, or by a SHA-256 digest published out of band. An
unauthenticated register still loads, for inspection and tests, but its lookups never
count as recognition (:attr:`RegisterLookup.recognised` is False, and the explanation
says why, citing art. 4(6)).

A register file looks like this (YAML)::

    schema_version: 1
    authority: Minister van Economische Zaken
    published: 2026-11-01T00:00:00Z
    providers:
      - name: esig Test Trust Services
        country: BQ
        organization_identifier: NTRBQ-00000000
        recognised_from: 2024-01-01T00:00:00Z
        recognised_by: Minister of Economic Affairs    # art. 4(2)
        recognition_basis: the requirements of BES art. 5 are met   # art. 4(3)
        certificates:              # the provider's CA certificates (PEM)
          - |
            -----BEGIN CERTIFICATE-----
            ...
        withdrawal:                # optional
          reason: no_longer_meets_art5   # or: on_request (then no notified/compliance_period)
          notified: 2026-03-01T00:00:00Z # the notice: the period to comply again starts
          compliance_period: P14D        # the period granted, at most two weeks (art. 4(5))
          effective: 2026-04-01T00:00:00Z  # not before notified + compliance_period
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import PrivateAttr, ValidationError, field_validator, model_validator

from esig._model import EsigModel
from esig.certificates import UNREADABLE_CERTIFICATE
from esig.errors import InputError
from esig.law import BES, Citation
from esig.profiles.model import Art6Field

__all__ = [
    "DEFAULT_GRANTOR",
    "DEFAULT_RECOGNITION_BASIS",
    "MAX_COMPLIANCE_PERIOD",
    "MAX_GRACE_PERIOD",
    "AuthenticationMethod",
    "CspRegister",
    "RecognitionStatus",
    "RegisterAuthentication",
    "RegisterError",
    "RegisterLookup",
    "RegisteredProvider",
    "Withdrawal",
    "WithdrawalReason",
    "load_register",
]

MAX_COMPLIANCE_PERIOD = dt.timedelta(days=14)
"""BES art. 4(5): the period granted to comply again lasts at most two weeks. The decree
limits the period, not the time between the notice and the withdrawal."""

MAX_GRACE_PERIOD = MAX_COMPLIANCE_PERIOD
"""The former name of :data:`MAX_COMPLIANCE_PERIOD`."""

DEFAULT_GRANTOR = "Minister of Economic Affairs"
"""Who grants a recognition: Onze Minister van Economische Zaken (BES art. 4(2))."""

DEFAULT_RECOGNITION_BASIS = "the requirements of BES art. 5 are met"
"""The ground for a recognition (BES art. 4(3))."""

_MINISTER = re.compile(r"economic affairs|economische zaken", re.IGNORECASE)


class RegisterError(InputError):
    """The register file cannot be read or does not follow the register's rules."""


class WithdrawalReason(StrEnum):
    """Why a recognition was withdrawn (BES art. 4(4))."""

    ON_REQUEST = "on_request"
    """At the provider's own request."""
    NO_LONGER_MEETS_ART5 = "no_longer_meets_art5"
    """The provider no longer meets the requirements of art. 5."""


class Withdrawal(EsigModel):
    """The withdrawal of a recognition (BES art. 4(4)–(5)).

    On the ground of art. 5 (``no_longer_meets_art5``), the provider is first told
    (:attr:`notified`) and given a period of at most two weeks to comply again
    (:attr:`compliance_period`); the withdrawal takes effect no sooner than the end of
    that period, and may take effect later. A withdrawal on the provider's own request
    (``on_request``) has no notice and no period.
    """

    reason: WithdrawalReason
    notified: dt.datetime | None = None
    """When the provider was told it no longer meets art. 5: the start of the period to
    comply again (art. 4(5)). Required for that reason, absent for ``on_request``."""
    compliance_period: dt.timedelta | None = None
    """The period granted to comply again, at most two weeks (art. 4(5)); ISO 8601 in
    files (``P14D``). Absent in registers written before this field existed: then the
    whole time from :attr:`notified` to :attr:`effective` is taken as the period, which
    must then be at most two weeks."""
    effective: dt.datetime
    """When the withdrawal takes effect: from this moment the provider is not recognised."""

    @field_validator("notified", "effective")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _require_aware(value)

    @model_validator(mode="after")
    def _art_4_5(self) -> Withdrawal:
        if self.reason is WithdrawalReason.ON_REQUEST:
            if self.notified is not None or self.compliance_period is not None:
                raise ValueError(
                    "a withdrawal on the provider's own request has no notice and no period "
                    "to comply again; those belong to a withdrawal because art. 5 is no "
                    "longer met (BES art. 4(4), 4(5))"
                )
            return self
        if self.notified is None:
            raise ValueError(
                "a withdrawal because art. 5 is no longer met needs the date "
                "the provider was notified (BES art. 4(5))"
            )
        period = self.compliance_period
        if period is None:
            span = self.effective - self.notified
            if span > MAX_COMPLIANCE_PERIOD:
                raise ValueError(
                    f"the withdrawal takes effect {_duration(span)} after the notice and no "
                    "compliance_period says how long the provider was given to comply again; "
                    "add it (at most two weeks, BES art. 4(5))"
                )
            period = span
        if period <= dt.timedelta(0):
            raise ValueError(
                "the period to comply again must be longer than nothing: the provider must "
                "have been able to comply again before the withdrawal (BES art. 4(5))"
            )
        if period > MAX_COMPLIANCE_PERIOD:
            raise ValueError(
                f"the period to comply again is {_duration(period)}; BES art. 4(5) allows "
                "at most two weeks"
            )
        ends = self.notified + period
        if self.effective < ends:
            raise ValueError(
                f"the withdrawal takes effect on {self.effective.isoformat()}, before the "
                f"period to comply again ends on {ends.isoformat()} (notified "
                f"{self.notified.isoformat()} + {_duration(period)}); BES art. 4(5): a "
                "recognition is not withdrawn before that period has passed"
            )
        return self

    @property
    def period_ends(self) -> dt.datetime | None:
        """When the period to comply again ends (None for a withdrawal on request)."""
        if self.notified is None:
            return None
        return self.notified + (self.compliance_period or (self.effective - self.notified))


class RegisteredProvider(EsigModel):
    """One certification service provider in the register."""

    name: str
    country: str
    organization_identifier: str | None = None
    recognised_from: dt.datetime
    recognised_by: str = DEFAULT_GRANTOR
    """Who granted the recognition, as the register records it; BES art. 4(2) names the
    Minister of Economic Affairs."""
    recognition_basis: str = DEFAULT_RECOGNITION_BASIS
    """On which basis it was granted; BES art. 4(3): the requirements of art. 5 are met."""
    certificates: tuple[str, ...]
    """The provider's CA certificates, PEM. A certificate issued under any of them is
    attributed to this provider."""
    withdrawal: Withdrawal | None = None
    exemptions: tuple[Art6Field, ...] = ()
    """The items of BES art. 6(1) the Minister exempted this provider from (art. 6(2)):
    a certificate it issued may lack them and still hold the content art. 6 asks."""

    @field_validator("recognised_from")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        result = _require_aware(value)
        assert result is not None
        return result

    @field_validator("recognised_by", "recognition_basis")
    @classmethod
    def _stated(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(
                "say who granted the recognition and on which basis (BES art. 4(2), 4(3))"
            )
        return value

    @field_validator("certificates")
    @classmethod
    def _readable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a provider needs at least one CA certificate")
        for pem in value:
            try:
                x509.load_pem_x509_certificate(pem.encode())
            except UNREADABLE_CERTIFICATE:
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
        ends = withdrawal.period_ends
        if withdrawal.notified is None or ends is None or moment < withdrawal.notified:
            return RecognitionStatus.RECOGNISED
        if moment < ends:
            return RecognitionStatus.IN_GRACE_PERIOD
        return RecognitionStatus.WITHDRAWAL_PENDING


class RecognitionStatus(StrEnum):
    """Whether a provider was recognised at a moment."""

    RECOGNISED = "recognised"
    IN_GRACE_PERIOD = "recognised, within the period to comply again (BES art. 4(5))"
    """Still recognised: the provider was notified and its period to comply is running."""
    WITHDRAWAL_PENDING = (
        "recognised, the period to comply again has ended but the withdrawal has not yet "
        "taken effect (BES art. 4(5))"
    )
    """Still recognised: the withdrawal takes effect later than the period's end."""
    WITHDRAWN = "withdrawn"
    NOT_YET_RECOGNISED = "not yet recognised"
    NOT_REGISTERED = "not in the register"

    @property
    def recognised(self) -> bool:
        """Whether the provider counts as recognised."""
        return self in (
            RecognitionStatus.RECOGNISED,
            RecognitionStatus.IN_GRACE_PERIOD,
            RecognitionStatus.WITHDRAWAL_PENDING,
        )


class AuthenticationMethod(StrEnum):
    """How a register was shown to be the register authority's (BES art. 4(6))."""

    DETACHED_SIGNATURE = "detached_signature"
    """A detached CAdES signature over the file, verified against the authority's certificate."""
    PUBLISHED_DIGEST = "published_digest"
    """The file's SHA-256 equals a digest the authority published out of band."""
    CALLER = "caller"
    """The caller vouches for the register (built in code, or authenticated by other means)."""


class RegisterAuthentication(EsigModel):
    """One way a register was authenticated."""

    method: AuthenticationMethod
    detail: str
    """What was checked, in words."""


class RegisterLookup(EsigModel):
    """What the register says about the issuer of a certificate at a moment."""

    status: RecognitionStatus
    provider: str | None
    moment: dt.datetime
    explanation: str
    citations: tuple[Citation, ...] = (BES.ART_4,)
    authenticated: bool = False
    """Whether the register was authenticated (BES art. 4(6)); an unauthenticated
    register's answer is shown but never counts as recognition."""

    @property
    def recognised(self) -> bool:
        """Whether the lookup establishes that the issuer was recognised at :attr:`moment`.

        False whenever the register is not authenticated, whatever :attr:`status` says.
        """
        return self.status.recognised and self.authenticated


class CspRegister(EsigModel):
    """The Minister's register of recognised certification service providers."""

    schema_version: Literal[1] = 1
    authority: str = "Minister van Economische Zaken"
    published: dt.datetime | None = None
    providers: tuple[RegisteredProvider, ...]
    _authentication: tuple[RegisterAuthentication, ...] = PrivateAttr(default=())

    @property
    def authentication(self) -> tuple[RegisterAuthentication, ...]:
        """How this register was authenticated; empty when it was not (BES art. 4(6)).

        Never read from the file itself: only :func:`load_register` (a verified
        signature, a published digest) or :meth:`vouched_for` set it.
        """
        return self._authentication

    @property
    def authenticated(self) -> bool:
        """Whether the register was authenticated; only then can it establish recognition."""
        return bool(self._authentication)

    def vouched_for(self, reason: str) -> CspRegister:
        """A copy the caller vouches for: authenticated by :attr:`AuthenticationMethod.CALLER`.

        For a register built in code, or one the caller authenticated by means esig does
        not know. ``reason`` says why, and is shown with the authentication.
        """
        return self._with(RegisterAuthentication(method=AuthenticationMethod.CALLER, detail=reason))

    def _with(self, *found: RegisterAuthentication) -> CspRegister:
        copy = self.model_copy()
        copy._authentication = (*self._authentication, *found)
        return copy

    def status_at(self, chain: Sequence[x509.Certificate], moment: dt.datetime) -> RegisterLookup:
        """Say whether the issuer of ``chain[0]`` was recognised at ``moment``.

        ``chain`` lists the signer's certificate first, then its issuers.

        A provider matches when one of its CA certificates is in ``chain`` past the
        signer, or is the issuer of one of the chain's certificates (same name and key).
        When the register is not :attr:`authenticated`, the answer says what the file
        says but never counts as recognition (:attr:`RegisterLookup.recognised` is False).
        """
        moment = _require_aware(moment) or moment
        provider = self._provider_for(chain)
        if provider is None:
            status = RecognitionStatus.NOT_REGISTERED
            explanation = f"the issuer is not in the register of {self.authority}"
            citations: tuple[Citation, ...] = (BES.ART_4,)
        else:
            status = provider.status_at(moment)
            explanation, citations = _explain(provider, status, moment)
        if not self.authenticated:
            explanation += (
                "; but this register is not authenticated (no verified signature of the "
                "register authority, no published digest), so it cannot establish "
                "recognition (BES art. 4(6))"
            )
            citations = (*citations, BES.ART_4_6)
        return RegisterLookup(
            status=status,
            provider=provider.name if provider is not None else None,
            moment=moment,
            explanation=explanation,
            citations=citations,
            authenticated=self.authenticated,
        )

    def exemptions_for(self, chain: Sequence[x509.Certificate]) -> frozenset[Art6Field]:
        """The art. 6(2) exemptions of the provider that issued ``chain[0]``.

        Only an authenticated register grants them (BES art. 4(6)); ``chain`` lists the
        signer's certificate first, then its issuers.
        """
        provider = self._provider_for(chain) if self.authenticated else None
        return frozenset(provider.exemptions) if provider is not None else frozenset()

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


def _explain(
    provider: RegisteredProvider, status: RecognitionStatus, moment: dt.datetime
) -> tuple[str, tuple[Citation, ...]]:
    """The explanation and citations of a lookup that found ``provider``."""
    when = f"{moment:%Y-%m-%d %H:%M} UTC"
    granted = f"recognised by {provider.recognised_by} (BES art. 4(2))"
    if not _MINISTER.search(provider.recognised_by):
        granted += ", which is not the Minister of Economic Affairs that art. 4(2) names"
    record = f"{granted}, basis: {provider.recognition_basis} (BES art. 4(3))"
    recognition: tuple[Citation, ...] = (BES.ART_4, BES.ART_4_2, BES.ART_4_3)
    withdrawal = provider.withdrawal
    if status is RecognitionStatus.RECOGNISED:
        return f"{provider.name} was recognised at {when}; {record}", recognition
    if status is RecognitionStatus.NOT_YET_RECOGNISED:
        return (
            f"{provider.name} was recognised only from {provider.recognised_from:%Y-%m-%d}, "
            f"after {when}",
            (BES.ART_4,),
        )
    assert withdrawal is not None  # the other statuses come from a withdrawal
    withdrawn = (BES.ART_4_4, BES.ART_4_5)
    if status is RecognitionStatus.WITHDRAWN:
        if withdrawal.reason is WithdrawalReason.ON_REQUEST:
            ground = "at its own request"
        else:
            ground = (
                f"it no longer met art. 5; notified {withdrawal.notified:%Y-%m-%d}, "
                f"period to comply again until {withdrawal.period_ends:%Y-%m-%d}"
            )
        return (
            f"the recognition of {provider.name} was withdrawn ({ground}) with effect from "
            f"{withdrawal.effective:%Y-%m-%d}, before {when}",
            withdrawn,
        )
    if status is RecognitionStatus.IN_GRACE_PERIOD:
        state = (
            f"was still recognised at {when}, within its period to comply again (until "
            f"{withdrawal.period_ends:%Y-%m-%d})"
        )
    else:
        state = (
            f"was still recognised at {when}: its period to comply again ended on "
            f"{withdrawal.period_ends:%Y-%m-%d}"
        )
    return (
        f"{provider.name} {state}; its withdrawal takes effect only on "
        f"{withdrawal.effective:%Y-%m-%d}; {record}",
        (*recognition, *withdrawn),
    )


def _duration(period: dt.timedelta) -> str:
    """A period in words: whole days as days, anything else as days and time."""
    if period % dt.timedelta(days=1) == dt.timedelta(0):
        days = period.days
        return f"{days} day" if days == 1 else f"{days} days"
    return str(period)


def _identity(name: x509.Name, key: object) -> tuple[x509.Name, bytes]:
    return name, key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined]


def _require_aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("dates in the register must carry a time zone (e.g. Z for UTC)")
    return value


def load_register(
    source: str | os.PathLike[str],
    *,
    authority: x509.Certificate | str | os.PathLike[str] | None = None,
    expected_sha256: str | None = None,
) -> CspRegister:
    """Read a register from a YAML or JSON file, and authenticate it (BES art. 4(6)).

    Args:
        source: The register file.
        authority: The register authority's certificate (or a path to it). The file must
            then carry a detached CAdES signature next to it, ``source`` + ``.p7s``
            (``register.yaml.p7s``), whose signer is that certificate or chains to it.
        expected_sha256: The file's SHA-256, in hex, as the authority published it out of
            band; the file must match it byte for byte.

    With neither, the register loads unauthenticated: fine for inspection and tests, but
    its lookups never count as recognition. With both, both must hold. What is verified
    and what is parsed are the same bytes, read once.

    Raises:
        RegisterError: The file is missing, not YAML/JSON, breaks the register's rules
            (e.g. a period to comply again longer than two weeks, BES art. 4(5)), or
            fails the authentication asked for (missing, invalid or foreign signature;
            a digest that does not match).
        CertificateLoadError: ``authority`` is a path that holds no readable certificate.

    """
    import yaml  # noqa: PLC0415

    path = Path(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RegisterError("The register file does not exist", path=path) from None
    except OSError as exc:
        raise RegisterError(f"The register file cannot be read: {exc}", path=path) from None
    found: list[RegisterAuthentication] = []
    if expected_sha256 is not None:
        found.append(_check_digest(raw, expected_sha256, path))
    if authority is not None:
        found.append(_check_signature(raw, authority, path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterError(f"The register file cannot be read: {exc}", path=path) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegisterError(f"The register is not valid YAML or JSON: {exc}", path=path) from None
    try:
        register = CspRegister.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(data, err['loc'])}: {err['msg']}" for err in exc.errors())
        raise RegisterError(f"The register breaks its rules: {problems}", path=path) from None
    return register._with(*found)


def _where(data: object, loc: tuple[int | str, ...]) -> str:
    """A validation error's place, naming the provider entry (``providers[0] (Name)``)."""
    parts = [str(p) for p in loc]
    if len(loc) >= 2 and loc[0] == "providers" and isinstance(loc[1], int):
        entry = f"providers[{loc[1]}]"
        providers = data.get("providers") if isinstance(data, dict) else None
        if isinstance(providers, list) and loc[1] < len(providers):
            item = providers[loc[1]]
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                entry += f" ({item['name']})"
        parts = [entry, *parts[2:]]
    return ".".join(parts)


_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


def _check_digest(raw: bytes, expected: str, path: Path) -> RegisterAuthentication:
    wanted = expected.strip().lower().replace(":", "")
    if not _HEX_SHA256.fullmatch(wanted):
        raise RegisterError(
            f"The published digest of the register is not a SHA-256 in hex: {expected!r}",
            path=path,
        )
    actual = hashlib.sha256(raw).hexdigest()
    if not hmac.compare_digest(actual, wanted):
        raise RegisterError(
            f"The register file is not the published register: its SHA-256 is {actual}, the "
            f"published digest is {wanted} (BES art. 4(6))",
            path=path,
        )
    return RegisterAuthentication(
        method=AuthenticationMethod.PUBLISHED_DIGEST,
        detail=f"its SHA-256 {actual} matches the digest published out of band",
    )


def _check_signature(
    raw: bytes, authority: x509.Certificate | str | os.PathLike[str], path: Path
) -> RegisterAuthentication:
    """Verify ``path``.p7s over ``raw`` with esig's detached CMS validation."""
    import io  # noqa: PLC0415

    from esig._pyhanko.cades_validate import validate_cades  # noqa: PLC0415
    from esig._pyhanko.documents import PARSE_FAILURES  # noqa: PLC0415
    from esig._sync import run_sync  # noqa: PLC0415
    from esig.certificates import load_certificate  # noqa: PLC0415

    anchor = (
        authority
        if isinstance(authority, x509.Certificate)
        else load_certificate(authority, what="register authority certificate")
    )
    signature_path = path.with_name(path.name + ".p7s")
    try:
        der = signature_path.read_bytes()
    except FileNotFoundError:
        raise RegisterError(
            f"The register is to be authenticated by its authority's signature, but "
            f"{signature_path.name} does not exist (BES art. 4(6))",
            path=signature_path,
        ) from None
    except OSError as exc:
        raise RegisterError(
            f"The register's signature cannot be read: {exc}", path=signature_path
        ) from None
    try:
        result = run_sync(
            validate_cades(der, io.BytesIO(raw), len(raw), [anchor], name=signature_path.name)
        )
    except InputError as exc:
        raise RegisterError(
            f"The register's signature is not a CMS signature: {exc.message}",
            path=signature_path,
        ) from None
    except PARSE_FAILURES as exc:
        raise RegisterError(
            f"The register's signature cannot be read ({type(exc).__name__}: {exc})",
            path=signature_path,
        ) from None
    authority_name = anchor.subject.rfc4514_string()
    problem: str | None = None
    if result.error is not None:
        problem = f"the signature cannot be validated: {result.error}"
    elif result.digest_matches is not True:
        problem = "the register file was changed after it was signed: its digest does not match"
    elif result.signature_valid is not True:
        problem = "the signature value is not valid"
    elif result.trusted is not True or result.revoked_at is not None:
        why = result.trust_problem or ("revoked" if result.revoked_at else "not trusted")
        problem = f"its signer is not the register authority {authority_name} ({why})"
    if problem is not None:
        raise RegisterError(
            f"The register is not authenticated by {signature_path.name}: {problem} "
            "(BES art. 4(6))",
            path=path,
        )
    signer = result.signer_cert.subject.rfc4514_string() if result.signer_cert else "?"
    return RegisterAuthentication(
        method=AuthenticationMethod.DETACHED_SIGNATURE,
        detail=f"the detached CAdES signature {signature_path.name} by {signer}, verified "
        f"against the register authority {authority_name}",
    )


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
