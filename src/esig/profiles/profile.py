"""The :class:`CertificateProfile`: a certificate read against BES art. 6.

The profile is assembled here from what the other modules of :mod:`esig.profiles` read.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pydantic import computed_field, model_validator

from esig._library_warnings import caught_library_warnings
from esig._model import EsigModel
from esig.certificates import load_certificate
from esig.identity import NameIdentity
from esig.law import BES
from esig.profiles.art6 import Art6Facts, art6_results
from esig.profiles.extensions import (
    find_extension,
    list_unknown_extensions,
    qc_statements_der,
    read_extensions,
    read_limits,
    read_qualified_markers,
)
from esig.profiles.key_and_signature import check_issuer_signature, read_public_key
from esig.profiles.model import (
    Art6Field,
    Art6FieldResult,
    FieldStatus,
    IssuerSignature,
    PersonKind,
    ProfileFinding,
    ProfileFindingCode,
    PublicKeyInfo,
    QualifiedMarkers,
    UnknownExtension,
    UsageLimits,
)
from esig.profiles.person_kind import decide_person_kind
from esig.profiles.qc_statements import read_qc_statements
from esig.profiles.render import render_profile

__all__ = ["CertificateProfile", "certificate_profile"]


class CertificateProfile(EsigModel):
    """A certificate read against BES art. 6: the items a–h, qualified markers, subject kind.

    Build it with :meth:`from_certificate` or :func:`certificate_profile`.
    """

    schema_version: Literal[1] = 1
    """Version of this model's shape."""
    subject: NameIdentity
    """The signatory (or seal creator) named in the subject DN."""
    issuer: NameIdentity
    """The issuing provider named in the issuer DN."""
    serial_number: str
    """The serial number, lowercase hexadecimal."""
    sha256_fingerprint: str
    """SHA-256 of the DER certificate, lowercase hexadecimal."""
    not_before: datetime
    """Start of validity (UTC)."""
    not_after: datetime
    """End of validity (UTC)."""
    public_key: PublicKeyInfo
    """The subject public key."""
    issuer_signature: IssuerSignature
    """The issuer's signature on the certificate."""
    limits: UsageLimits
    """Limits on use."""
    qualified: QualifiedMarkers
    """Qualified-certificate claims."""
    person_kind: PersonKind
    """Whom or what the certificate is for."""
    person_kind_reason: str
    """The evidence :attr:`person_kind` was decided from."""
    is_ca: bool
    """Whether basicConstraints marks the certificate as a CA."""
    unknown_extensions: tuple[UnknownExtension, ...] = ()
    """Extensions esig does not interpret, listed by OID."""
    exemptions: tuple[Art6Field, ...] = ()
    """The exemptions (BES art. 6(2)) declared when the profile was made."""
    fields: tuple[Art6FieldResult, ...]
    """One result per letter of art. 6(1), a to h."""
    findings: tuple[ProfileFinding, ...] = ()
    """Noteworthy encoding or content problems."""

    @model_validator(mode="after")
    def _one_result_per_letter(self) -> CertificateProfile:
        if tuple(result.field for result in self.fields) != tuple(Art6Field):
            raise ValueError("fields must hold one result per letter of art. 6(1), a to h")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def missing(self) -> tuple[Art6Field, ...]:
        """The letters that are MISSING or INVALID."""
        bad = (FieldStatus.MISSING, FieldStatus.INVALID)
        return tuple(result.field for result in self.fields if result.status in bad)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def complete(self) -> bool:
        """Whether every letter is present, exempted or not applicable."""
        return not self.missing

    def field(self, letter: Art6Field) -> Art6FieldResult:
        """Return the result for one letter of art. 6(1)."""
        return self.fields[tuple(Art6Field).index(letter)]

    @classmethod
    def from_certificate(
        cls,
        cert: x509.Certificate,
        *,
        issuer: x509.Certificate | None = None,
        exemptions: frozenset[Art6Field] = frozenset(),
    ) -> CertificateProfile:
        """Read ``cert`` against BES art. 6.

        Args:
            cert: The certificate to profile.
            issuer: The issuer's certificate; when given, the issuer's signature
                (art. 6(1)(g)) is verified with its public key.
            exemptions: Letters the provider is exempted from (art. 6(2)); a missing
                letter listed here is reported as EXEMPTED.

        """
        # cryptography warns about what RFC 5280 forbids (a non-positive serial number, a
        # name attribute of the wrong length): caught, never printed (esig reports them)
        with caught_library_warnings("reading a certificate against BES art. 6"):
            return _build_profile(cert, issuer, exemptions)

    def to_text(self) -> str:
        """Render the profile for people, over several lines; a pseudonym is always marked."""
        return "\n".join(render_profile(self))


def certificate_profile(
    source: bytes | str | os.PathLike[str],
    *,
    issuer: x509.Certificate | None = None,
    exemptions: frozenset[Art6Field] = frozenset(),
) -> CertificateProfile:
    """Load one certificate (PEM, DER or PKCS#7) and read it against BES art. 6.

    Raises:
        CertificateLoadError: The source holds no readable certificate, or more than one.

    """
    return CertificateProfile.from_certificate(
        load_certificate(source), issuer=issuer, exemptions=exemptions
    )


def _build_profile(
    cert: x509.Certificate,
    issuer: x509.Certificate | None,
    exemptions: frozenset[Art6Field],
) -> CertificateProfile:
    findings: list[ProfileFinding] = []
    extensions = read_extensions(cert, findings)
    unknown = list_unknown_extensions(extensions, findings)
    qc = read_qc_statements(qc_statements_der(extensions), findings)
    limits = read_limits(extensions, qc)
    qualified = read_qualified_markers(qc, limits)
    public_key, key_malformed = read_public_key(cert)
    if public_key.problem is not None:
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.UNREADABLE_PUBLIC_KEY,
                message=public_key.problem,
                citation=BES.ART_6_1_D,
            )
        )
    facts = Art6Facts(
        cert=cert,
        subject=NameIdentity.from_name(cert.subject),
        issuer=NameIdentity.from_name(cert.issuer),
        public_key=public_key,
        key_malformed=key_malformed,
        signature=check_issuer_signature(cert, issuer),
        limits=limits,
    )
    kind, kind_reason = decide_person_kind(qualified, limits, facts.subject)
    constraints = find_extension(extensions, x509.BasicConstraints)
    return CertificateProfile(
        subject=facts.subject,
        issuer=facts.issuer,
        serial_number=f"{cert.serial_number:x}",
        sha256_fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        public_key=public_key,
        issuer_signature=facts.signature,
        limits=limits,
        qualified=qualified,
        person_kind=kind,
        person_kind_reason=kind_reason,
        is_ca=constraints is not None and constraints.ca,
        unknown_extensions=unknown,
        exemptions=tuple(sorted(exemptions)),
        fields=art6_results(facts, exemptions),
        findings=tuple(findings),
    )
