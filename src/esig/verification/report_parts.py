"""The parts of a verification report: verdicts, findings, and what they are about.

Indications and sub-indications (EN 319 102-1), the checks and their outcomes, the
signed range, integrity, certificates and paths, validation in the past. They are
documented and re-exported by :mod:`esig.verification.report`, which assembles them
into :class:`~esig.verification.report.SignatureReport` and
:class:`~esig.verification.report.VerificationReport`; the text and HTML renderers
read them from here.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pydantic import computed_field

from esig._model import Base64Bytes, EsigModel
from esig.identity import NameIdentity
from esig.law import Citation
from esig.model.coverage import Coverage
from esig.trust.tl_timestamps import TimestampListQualification

__all__ = [
    "Attack",
    "CertificatePath",
    "CertificateSummary",
    "CheckId",
    "CoveredFile",
    "Finding",
    "Indication",
    "Integrity",
    "LongTermValidation",
    "Outcome",
    "PathStatus",
    "RevocationToken",
    "SignedRange",
    "SigningTimeSource",
    "SubIndication",
    "TimestampToken",
    "ValidationData",
]


class Indication(StrEnum):
    """The main status indication of EN 319 102-1."""

    TOTAL_PASSED = "TOTAL-PASSED"
    TOTAL_FAILED = "TOTAL-FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    """EN 319 102-1 sub-indications that esig reports."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    NOT_YET_VALID = "NOT_YET_VALID"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    EXPIRED = "EXPIRED"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    GENERIC = "GENERIC"


class Outcome(StrEnum):
    """The result of one check."""

    PASSED = "passed"
    FAILED = "failed"
    INDETERMINATE = "indeterminate"
    INFO = "info"
    """Informational: reported, not judged (e.g. the identity shown)."""


class CheckId(StrEnum):
    """The checks esig runs on every signature, by name."""

    SIGNED_DATA = "signed_data"
    """BES art. 3(a): which bytes and revision the signature covers."""
    INTEGRITY = "integrity"
    """BES art. 3(b): digest and signature value."""
    SIGNED_CONTENT = "signed_content"
    """BES art. 3(c): the signed revision can be handed back."""
    CERTIFICATE = "certificate"
    """BES art. 3(d): path to a trust anchor, validity, revocation, key usage."""
    IDENTITY = "identity"
    """BES art. 3(e): the signatory's identity, from the certificate."""
    PSEUDONYM = "pseudonym"
    """BES art. 3(f): use of a pseudonym is indicated."""
    MODIFICATIONS = "modifications"
    """BES art. 3(g): changes after signing are detected and classified."""
    ALGORITHMS = "algorithms"
    """BES art. 2(1)(a)(2°), 3(d): algorithms and key sizes not weak at the signing time."""
    FORMAT = "format"
    """The signature container itself (CMS, signature dictionary)."""
    TIMESTAMP = "timestamp"
    """BES art. 1(b), 3(d): the signature timestamp (TSA trusted, imprint, time)."""
    REVOCATION = "revocation"
    """BES art. 3(d): the revocation data for the signer's certificate was usable."""
    SELF_ISSUED = "self_issued"
    """BES art. 6(1)(a), (g), eIDAS art. 3(15): the signer's certificate issued itself (an
    end entity, no CA), so no provider vouches for it and its qualified claims carry no
    weight."""
    EVIDENCE_RECORD = "evidence_record"
    """BES art. 3(e), 2(2): the evidence record of a platform seal (one-time code, click,
    drawn signature): who agreed, how, and that it describes the signed document."""


class Attack(StrEnum):
    """Known classes of attack on signed PDFs, named when a finding recognises one."""

    INCREMENTAL_SAVING = "incremental saving attack"
    """Content appended after the signed revision that is not a valid incremental update."""
    SIGNATURE_WRAPPING = "signature wrapping"
    """A /ByteRange that does not cover a whole revision, so other bytes can be shown."""
    SHADOW_HIDE = "shadow attack (hide)"
    """A later revision removes or redefines content of the signed revision to reveal
    content that was hidden when the document was signed."""
    SHADOW_REPLACE = "shadow attack (replace)"
    """A later revision replaces content of the signed revision with other content."""
    SHADOW_OVERLAY = "shadow attack (overlay)"
    """A widget of a signed form moves, grows or becomes visible after signing: its
    appearance can cover signed content while the form looks merely filled in."""
    APPEARANCE_MISMATCH = "appearance mismatch"
    """A form field filled after signing whose appearance shows other text than its
    value: the reader sees one thing, the form data (what is processed) say another."""
    CERTIFIED_DOCUMENT_CHANGED = "changes to a certified document"
    """Changes (annotations, signatures, edits) that the certification does not permit."""
    XML_SIGNATURE_WRAPPING = "XML signature wrapping"
    """An XML signature whose references no longer point at what a consumer reads: a
    second element with the signed Id, a signed element moved (into a ``ds:Object`` or
    beside an unsigned namesake), a reference to nothing, or more than one signature."""


class Finding(EsigModel):
    """One observation about a signature, with the provision it serves."""

    check: CheckId
    outcome: Outcome
    message: str
    """What was found, in one sentence."""
    citations: tuple[Citation, ...]
    sub_indication: SubIndication | None = None
    """The EN 319 102-1 sub-indication, for failed and indeterminate findings."""
    attack: Attack | None = None
    """The attack class this finding recognises, if any."""


class SignedRange(EsigModel):
    """Which bytes the signature covers, and which PDF revision that is."""

    byte_range: tuple[int, ...]
    """The /ByteRange as written in the signature dictionary."""
    covered_bytes: int
    file_size: int
    revision: int | None
    """The revision the signature was made in (1 = the original file)."""
    total_revisions: int
    coverage: Coverage

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_latest_revision(self) -> bool:
        """Whether what a reader displays (the latest revision) is the signed revision."""
        return self.coverage is Coverage.ENTIRE_FILE


class CoveredFile(EsigModel):
    """A file of a container (ASiC) that a signature covers, with its digest as found.

    .. versionadded:: 0.2.0
    """

    name: str
    """Its name in the container (e.g. ``invoice.xml``, ``docs/terms.pdf``)."""
    sha256: str
    """The SHA-256 of the file in the container, hex (what a user can recompute)."""


class Integrity(EsigModel):
    """Digest and signature value (BES art. 3(b))."""

    digest_matches: bool
    """The message digest in the signed attributes equals the digest of the covered bytes."""
    signature_valid: bool
    """The signature value verifies with the signer's public key."""
    digest_algorithm: str
    signature_algorithm: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def intact(self) -> bool:
        """Both hold."""
        return self.digest_matches and self.signature_valid


class CertificateSummary(EsigModel):
    """The facts of one certificate a reader needs to recognise it."""

    subject: NameIdentity
    issuer: NameIdentity
    serial_number: str
    """Hexadecimal."""
    not_before: dt.datetime
    not_after: dt.datetime
    sha256_fingerprint: str

    @classmethod
    def from_certificate(cls, cert: x509.Certificate) -> CertificateSummary:
        """Summarise a certificate."""
        return cls(
            subject=NameIdentity.from_name(cert.subject),
            issuer=NameIdentity.from_name(cert.issuer),
            serial_number=f"{cert.serial_number:x}",
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256_fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        )


class PathStatus(StrEnum):
    """The outcome of certificate path validation."""

    TRUSTED = "trusted"
    NO_TRUST_ANCHOR = "no path to a trust anchor"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"
    INVALID = "invalid"
    """Invalid for another reason (key usage, constraints, algorithms)."""
    NOT_EXAMINED = "not examined"
    """Not examined: the signature was recovered from a PDF that does not parse."""


class CertificatePath(EsigModel):
    """The signer's certificate and the path built from it (BES art. 3(d))."""

    status: PathStatus
    message: str
    chain: tuple[CertificateSummary, ...]
    """From the signer up to the trust anchor when a path was found; else the signer."""
    revocation_checked: bool
    """Whether revocation information was available to the validator: embedded in the
    document (DSS) or allowed to be fetched. Soft-fail validation may still have gone on
    without it."""
    trust_anchor_source: str | None = None
    """Where the trust anchor the path leads to comes from, when a trusted list made it
    one (its territory, sequence number and service); None for an anchor you gave, or
    when no path was found."""


class LongTermValidation(EsigModel):
    """Validation in the past (EN 319 102-1 §5.6.3): what the timestamps prove.

    Present when the signer's certificate had expired or was revoked at the
    validation moment, so only proofs of existence (POE) from earlier timestamps can
    show that the signature was made while the certificate was good (BES art. 1(b):
    verifiable at any time).
    """

    validated_at: dt.datetime
    """The validation moment."""
    passed: bool
    """Whether the signature validated with the proofs of existence."""
    proof_of_existence: dt.datetime | None
    """The earliest time the signature is proven to have existed."""
    document_timestamp: dt.datetime | None
    """The oldest valid document timestamp after the signature (the evidence record)."""
    document_timestamps: int
    """How many document timestamps the document holds."""
    sub_indication: SubIndication | None = None
    """Why it did not pass (EN 319 102-1 sub-indication)."""
    offline: bool
    """Validated from the document's own data only (no network)."""
    assumed_not_revoked: tuple[str, ...] = ()
    """Offline only: the certificates (the latest document timestamp's TSA and the CAs
    above it) taken as not revoked at the validation moment; no embedded data can say."""


class SigningTimeSource(StrEnum):
    """Where the signing time comes from."""

    TIMESTAMP = "timestamp"
    """Proven by a trusted timestamp."""
    CLAIMED = "claimed by the signer"
    """Stated by the signer (signing-time attribute or /M); not proven."""
    NONE = "unknown"


class TimestampToken(EsigModel):
    """A signature timestamp the validation used (RFC 3161 token)."""

    time: dt.datetime
    """The time the TSA states (genTime): a proof that the signature existed then."""
    token_sha256: str | None
    """SHA-256 (hex) of the token's DER (None: it could not be read)."""
    tsa: CertificateSummary | None
    """The TSA's certificate (None: not found)."""
    trusted: bool
    """Imprint, signature and the TSA's path all passed."""
    list_qualification: TimestampListQualification | None = None
    """Whether the trusted lists make it a qualified electronic time stamp (QTSA, TSA,
    N/A), with the steps; None when no trusted list was given.

    .. versionadded:: 0.2.0
    """


class RevocationToken(EsigModel):
    """An OCSP response or a CRL that speaks about a certificate of a path."""

    kind: Literal["OCSP", "CRL"]
    sha256: str
    """SHA-256 (hex) of its DER."""
    issued_at: dt.datetime | None
    """``producedAt`` of the OCSP response; ``thisUpdate`` of the CRL."""
    issuer: str
    """Who signed it (display name)."""
    fetched: bool
    """Fetched over the network during validation; else embedded in the document."""
    about: tuple[str, ...]
    """The SHA-256 fingerprints of the certificates it speaks about."""


class ValidationData(EsigModel):
    """The objects one signature's validation used, for the ETSI TS 119 102-2 report.

    .. versionadded:: 0.1.0
    """

    signature_value: Base64Bytes | None = None
    """The signature value of the CMS SignerInfo (None: it cannot be read)."""
    timestamps: tuple[TimestampToken, ...] = ()
    """The signature timestamp, when the signature carries one."""
    revocation: tuple[RevocationToken, ...] = ()
    """The OCSP responses and CRLs found about the signer's chain and the TSA's."""
    signer_revoked_at: dt.datetime | None = None
    """When the signer's certificate was revoked, if it was."""
