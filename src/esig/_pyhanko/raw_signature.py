"""RawSignature: what validation established about one signature, in plain values.

No pyHanko type crosses this boundary: certificates are ``cryptography`` objects, the
rest are built-in values and esig's enums. :mod:`esig._pyhanko.validate` (PDF) and
:mod:`esig._pyhanko.cades_validate` (detached CMS) produce it; the verifier reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from cryptography import x509

from esig._pyhanko.long_term import LongTermFacts, RevocationProblem, TimestampFacts
from esig._pyhanko.revocation import CertificateRevocation
from esig.model.coverage import Coverage, ModificationLevel
from esig.model.revision_changes import RevisionChanges

__all__ = ["RawSignature", "with_changes"]


@dataclass(frozen=True)
class RawSignature:
    """What pyHanko established about one signature, without pyHanko types."""

    field_name: str
    byte_range: tuple[int, ...] = ()
    file_size: int = 0
    revision: int | None = None
    total_revisions: int = 0
    coverage: Coverage | None = None
    modification: ModificationLevel = ModificationLevel.UNKNOWN
    modification_detail: str | None = None
    docmdp_ok: bool | None = None
    signer_cert: x509.Certificate | None = None
    digest_matches: bool | None = None
    signature_valid: bool | None = None
    digest_algorithm: str = ""
    signature_algorithm: str = ""
    signer_certificate_bound: bool = False
    trusted: bool | None = None
    trust_problem: str | None = None
    """An EN 319 102-1 sub-indication name, when the path is not trusted."""
    revoked_at: dt.datetime | None = None
    path: tuple[x509.Certificate, ...] = ()
    embedded_chain: tuple[x509.Certificate, ...] = ()
    """The signer's certificate, then its issuers among the certificates the signature
    carries, ordered by issuer name and signature (:func:`esig.certificates.issuer_chain`).
    Not validated: where :attr:`path` is empty it still shows whom the signer names as
    issuer, e.g. for a trusted list that holds only the root."""
    claimed_time: dt.datetime | None = None
    timestamp_time: dt.datetime | None = None
    timestamp_trusted: bool = False
    error: str | None = None
    error_sub_indication: str | None = None
    revocation_embedded: bool = False
    """The document's DSS carries OCSP responses or CRLs."""
    revocation_fetching: bool = False
    """Revocation information could be fetched over the network."""
    certified: bool = False
    """The signature is a certification signature (it carries DocMDP permissions)."""
    diff_error: str | None = None
    """Why the analysis of later revisions failed, when it did."""
    later_unreadable: bool = False
    """What follows the signed revision does not parse (a signature recovered from a
    damaged file): what a reader shows after it is unknown, so nothing is compared."""
    redefined_objects: tuple[int, ...] = ()
    """Objects of the signed revision that later revisions define again."""
    evidence_record: bytes | None = None
    """The esig evidence record in the signed attributes (b"" when malformed), or None."""
    evidence_base_sha256: str | None = None
    """SHA-256 of the file's first bytes, as many as the record says were presented."""
    timestamp: TimestampFacts | None = None
    """The signature timestamp's facts, when the signature carries one."""
    revocation_problem: RevocationProblem | None = None
    """Why the signer's revocation data was rejected, when that made the path fail."""
    long_term: LongTermFacts | None = None
    """The AdES LTA validation at the moment, when the path failed for a reason that
    earlier proofs of existence can resolve (expiry, revocation, weak algorithms)."""
    revocation: tuple[CertificateRevocation, ...] = ()
    """Per certificate of the signer's chain (anchor excluded, signer first): the
    revocation services it names and the OCSP responses / CRLs found about it."""
    esig_changes: RevisionChanges | None = None
    """esig's own analysis of the later revisions (None: nothing follows, or the
    signature's coverage is not a whole revision)."""
    pyhanko_modification: ModificationLevel | None = None
    """pyHanko's level, kept beside esig's when esig's analysis decided."""
    pyhanko_detail: str | None = None
    """pyHanko's reason for an "other" change, likewise."""
    revocation_unknown: tuple[CertificateRevocation, ...] = ()
    """The certificates whose revocation status is unknown: they name revocation
    services, but no data about them was available (the path is then TRY_LATER)."""
    signature_value: bytes | None = None
    """The SignerInfo's signature value (None: it cannot be read)."""
    timestamp_token_sha256: str | None = None
    """SHA-256 (hex) of the signature timestamp token's DER, when there is one."""


def with_changes(base: RawSignature, **changes: object) -> RawSignature:
    """``base`` with ``changes`` (field names checked when the copy is made)."""
    return replace(base, **changes)  # type: ignore[arg-type]
