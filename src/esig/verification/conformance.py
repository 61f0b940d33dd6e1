"""PAdES baseline conformance (ETSI EN 319 142-1): what a signature claims, what it meets.

For every PDF signature the verifier reports a :class:`BaselineConformance`:

* **claimed** — the level the parts present in the file stand for: a signature with
  SubFilter ``ETSI.CAdES.detached`` claims B-B; a signature timestamp, or a document
  timestamp after it, claims B-T; a document security store (DSS) written after it
  claims B-LT; a document timestamp over such a DSS claims B-LTA. A signature with an
  ``adbe.*`` SubFilter is a PKCS#7 signature, not a PAdES baseline signature, and
  claims nothing.
* **reached** — the highest level whose requirements, and those of every level below
  it, are all met (clause 6.3 of EN 319 142-1).
* **missing** — for each claimed level not reached, what is missing, in plain words,
  e.g. *the DSS has no revocation data (OCSP response or CRL) for the TSA certificate
  'CN=…'*.

This is a check of the format: which elements are there, and whether the validation
data in the DSS covers the certificates it must cover. Whether the signature, its
timestamps and that validation data are *valid* is the business of the other findings
of the report.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pydantic import computed_field

from esig._model import EsigModel
from esig.law import ETSI, Citation
from esig.model.baseline import PadesLevel

if TYPE_CHECKING:  # the facts come from _pyhanko/, which is imported only when verifying
    from esig._pyhanko.conformance import (
        BaselineFacts,
        ChainFacts,
        ChainLink,
        DocumentTimestampFacts,
        DssSnapshot,
    )

__all__ = [
    "XADES_FORMAT",
    "BaselineConformance",
    "ConformanceGap",
    "GapCode",
    "XadesLevelFacts",
    "assess_baseline",
    "assess_xades_baseline",
]

_ID_DATA = "1.2.840.113549.1.7.1"
_PADES_SUBFILTER = "ETSI.CAdES.detached"
_DOC_TIMESTAMP_SUBFILTER = "ETSI.RFC3161"
XADES_FORMAT = "http://uri.etsi.org/01903/v1.3.2#"
"""What :attr:`BaselineConformance.subfilter` holds for a XAdES signature (its namespace)."""


class GapCode(StrEnum):
    """What a level misses, by name."""

    CMS_UNREADABLE = "cms-unreadable"
    """B-B: the CMS signature cannot be read."""
    SUBFILTER = "subfilter"
    """B-B: the SubFilter is not ETSI.CAdES.detached."""
    CONTENT_TYPE = "content-type"
    """B-B: the content-type signed attribute is absent or is not id-data."""
    MESSAGE_DIGEST = "message-digest"
    """B-B: the message-digest signed attribute is absent."""
    SIGNING_CERTIFICATE = "signing-certificate"
    """B-B: not exactly one signing-certificate(-v2) signed attribute."""
    SIGNING_TIME = "signing-time"
    """B-B: the CMS carries a signing-time attribute (PAdES uses the /M entry)."""
    M_ENTRY = "m-entry"
    """B-B: the signature dictionary has no /M (signing time) entry."""
    CERT_ENTRY = "cert-entry"
    """B-B: the signature dictionary has a /Cert entry."""
    SIGNER_CERTIFICATE = "signer-certificate"
    """B-B: the signer's certificate is not in the CMS."""
    NO_TIMESTAMP = "no-timestamp"
    """B-T: neither a signature timestamp nor a document timestamp after the signature."""
    NO_DSS = "no-dss"
    """B-LT: no DSS was written after the signature."""
    CERTIFICATE_MISSING = "certificate-missing"
    """B-LT: an issuer certificate of a chain is nowhere in the document."""
    REVOCATION_MISSING = "revocation-missing"
    """B-LT: the DSS has no OCSP response or CRL for a certificate of a chain."""
    NO_ARCHIVE_TIMESTAMP = "no-archive-timestamp"
    """B-LTA: no document timestamp covers the DSS."""
    ARCHIVE_TIMESTAMP_SUBFILTER = "archive-timestamp-subfilter"
    """B-LTA: the document timestamp over the DSS is not SubFilter ETSI.RFC3161."""
    ARCHIVE_DATA_INCOMPLETE = "archive-data-incomplete"
    """B-LTA: the DSS a document timestamp covers lacks validation data."""
    NO_SIGNING_TIME = "no-signing-time"
    """XAdES B-B: the signed properties have no SigningTime."""
    NO_VALIDATION_VALUES = "no-validation-values"
    """XAdES B-LT: no CertificateValues or no RevocationValues in the unsigned properties."""
    ARCHIVE_TIMESTAMP_INVALID = "archive-timestamp-invalid"
    """XAdES B-LTA: no archive timestamp is sound (its imprint, signature or TSA fails)."""


class ConformanceGap(EsigModel):
    """One requirement of one baseline level that the signature does not meet."""

    level: PadesLevel
    """The level that needs it."""
    code: GapCode
    message: str
    """What is missing, in one plain sentence."""
    citation: Citation
    """The clause of EN 319 142-1 that asks for it."""


class BaselineConformance(EsigModel):
    """One signature's PAdES baseline level: what the file claims and what it contains.

    .. versionadded:: 0.1.0
    """

    subfilter: str
    """The signature dictionary's /SubFilter, e.g. ``ETSI.CAdES.detached``; for a XAdES
    signature the XAdES namespace (:data:`XADES_FORMAT`)."""
    claimed: PadesLevel | None
    """The level the parts present stand for; None for a signature that is not a PAdES
    baseline signature (PKCS#7, ``adbe.*``)."""
    reached: PadesLevel | None
    """The highest level fully met (None: not even B-B)."""
    missing: tuple[ConformanceGap, ...] = ()
    """What each claimed level above the reached one lacks."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_baseline(self) -> bool:
        """Whether this is a baseline signature at all (PAdES ETSI.CAdES.detached, XAdES)."""
        return self.subfilter in (_PADES_SUBFILTER, XADES_FORMAT)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def conforms(self) -> bool:
        """Whether the level claimed is the level reached."""
        return self.is_baseline and self.claimed is not None and self.claimed == self.reached

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        """One line, e.g. ``B-LT reached; claims B-LTA: the DSS has no …``."""
        if not self.is_baseline:
            kind = "PKCS#7/adbe" if self.subfilter.startswith("adbe.") else "unknown format"
            shown = self.subfilter or "none"
            return f"not a PAdES baseline signature ({kind}, SubFilter {shown})"
        reached = f"{self.reached.value} reached" if self.reached else "no baseline level reached"
        if self.claimed is None and self.missing:
            # nothing claimed beyond what is there (a container's CAdES): the next level
            why = "; ".join(gap.message for gap in self.missing)
            return f"{reached}; {self.missing[0].level.value} needs: {why}"
        if self.conforms or self.claimed is None:
            return reached
        why = "; ".join(gap.message for gap in self.missing)
        return f"{reached}; claims {self.claimed.value}: {why}"


# --- the assessment --------------------------------------------------------------------------


def assess_baseline(
    facts: BaselineFacts, trust_anchors: Sequence[x509.Certificate] = ()
) -> BaselineConformance:
    """Judge one signature's facts against the baseline levels of EN 319 142-1.

    A certificate among ``trust_anchors`` needs no revocation data and no issuer.
    """
    if facts.subfilter != _PADES_SUBFILTER:
        return BaselineConformance(subfilter=facts.subfilter, claimed=None, reached=None)
    anchors = {a.fingerprint(hashes.SHA256()) for a in trust_anchors}
    gaps = {
        PadesLevel.B_B: _b_b(facts),
        PadesLevel.B_T: _b_t(facts),
        PadesLevel.B_LT: _b_lt(facts, anchors),
        PadesLevel.B_LTA: _b_lta(facts, anchors),
    }
    reached: PadesLevel | None = None
    for level in PadesLevel:
        if gaps[level]:
            break
        reached = level
    claimed = _claimed(facts)
    if reached is not None and (claimed is None or claimed.rank < reached.rank):
        claimed = reached
    missing = tuple(
        gap
        for level in PadesLevel
        if (reached is None or level.rank > reached.rank) and level.rank <= claimed.rank
        for gap in gaps[level]
    )
    return BaselineConformance(
        subfilter=facts.subfilter, claimed=claimed, reached=reached, missing=missing
    )


def _claimed(facts: BaselineFacts) -> PadesLevel:
    first_dss = min(facts.dss_updates, default=None)
    if first_dss is not None and any(s.revision >= first_dss for s in facts.document_timestamps):
        return PadesLevel.B_LTA
    if first_dss is not None:
        return PadesLevel.B_LT
    if facts.signature_timestamp or facts.document_timestamps:
        return PadesLevel.B_T
    return PadesLevel.B_B


def _gap(level: PadesLevel, code: GapCode, message: str, citation: Citation) -> ConformanceGap:
    return ConformanceGap(level=level, code=code, message=message, citation=citation)


def _b_b(facts: BaselineFacts) -> list[ConformanceGap]:
    level, table = PadesLevel.B_B, ETSI.CLAUSE_6_3
    if facts.error is not None:
        return [
            _gap(level, GapCode.CMS_UNREADABLE, f"the CMS cannot be read: {facts.error}", table)
        ]
    gaps = []
    if facts.content_type is None:
        gaps.append(
            _gap(level, GapCode.CONTENT_TYPE, "the CMS has no content-type attribute", table)
        )
    elif facts.content_type != _ID_DATA:
        gaps.append(
            _gap(
                level,
                GapCode.CONTENT_TYPE,
                f"the content-type attribute is {facts.content_type}, not id-data",
                ETSI.CLAUSE_6_3_C,
            )
        )
    if not facts.message_digest:
        gaps.append(
            _gap(level, GapCode.MESSAGE_DIGEST, "the CMS has no message-digest attribute", table)
        )
    count = facts.signing_certificate + facts.signing_certificate_v2
    if count != 1:
        what = "no" if count == 0 else f"{count}"
        gaps.append(
            _gap(
                level,
                GapCode.SIGNING_CERTIFICATE,
                f"the CMS has {what} signing-certificate(-v2) attributes; exactly one is required",
                table,
            )
        )
    if facts.signing_time:
        gaps.append(
            _gap(
                level,
                GapCode.SIGNING_TIME,
                "the CMS carries a signing-time attribute, which PAdES forbids (the time "
                "belongs in the signature dictionary's /M entry)",
                table,
            )
        )
    if not facts.has_m:
        gaps.append(
            _gap(
                level,
                GapCode.M_ENTRY,
                "the signature dictionary has no /M entry (claimed signing time)",
                table,
            )
        )
    if facts.has_cert_entry:
        gaps.append(
            _gap(level, GapCode.CERT_ENTRY, "the signature dictionary has a /Cert entry", table)
        )
    if not facts.signer_cert_embedded:
        gaps.append(
            _gap(
                level,
                GapCode.SIGNER_CERTIFICATE,
                "the signer's certificate is not in the CMS (SignedData.certificates)",
                table,
            )
        )
    return gaps


def _b_t(facts: BaselineFacts) -> list[ConformanceGap]:
    if facts.signature_timestamp or facts.document_timestamps:
        return []
    return [
        _gap(
            PadesLevel.B_T,
            GapCode.NO_TIMESTAMP,
            "there is no signature timestamp and no document timestamp after the signature",
            ETSI.CLAUSE_6_3,
        )
    ]


def _b_lt(facts: BaselineFacts, anchors: set[bytes]) -> list[ConformanceGap]:
    level = PadesLevel.B_LT
    if not facts.dss_updates or facts.final_dss is None:
        return [
            _gap(
                level,
                GapCode.NO_DSS,
                "no document security store (DSS) was added after the signature",
                ETSI.CLAUSE_6_3,
            )
        ]
    return [
        _gap(level, code, message, ETSI.CLAUSE_6_3)
        for code, message in _validation_data_gaps(facts.final_dss, anchors)
    ]


def _b_lta(facts: BaselineFacts, anchors: set[bytes]) -> list[ConformanceGap]:
    level, clause = PadesLevel.B_LTA, ETSI.CLAUSE_6_3_Y
    over_dss = [s for s in facts.document_timestamps if s.dss is not None]
    if not over_dss:
        return [
            _gap(
                level,
                GapCode.NO_ARCHIVE_TIMESTAMP,
                "no document timestamp covers the DSS",
                clause,
            )
        ]
    proper = [s for s in over_dss if s.subfilter == _DOC_TIMESTAMP_SUBFILTER]
    if not proper:
        return [
            _gap(
                level,
                GapCode.ARCHIVE_TIMESTAMP_SUBFILTER,
                f"the document timestamp {over_dss[-1].field_name!r} over the DSS has "
                f"SubFilter {over_dss[-1].subfilter or 'none'}, not ETSI.RFC3161",
                clause,
            )
        ]
    problems: list[tuple[DocumentTimestampFacts, list[str]]] = []
    for stamp in proper:
        assert stamp.dss is not None
        found = [message for _, message in _validation_data_gaps(stamp.dss, anchors)]
        if not found:
            return []
        problems.append((stamp, found))
    stamp, found = problems[-1]
    latest = facts.final_dss
    known = {m for _, m in _validation_data_gaps(latest, anchors)} if latest else set()
    detail = (
        "lacks that same validation data"
        if set(found) <= known
        else ("is incomplete: " + "; ".join(found))
    )
    return [
        _gap(
            level,
            GapCode.ARCHIVE_DATA_INCOMPLETE,
            f"the DSS under the document timestamp {stamp.field_name!r} {detail}",
            clause,
        )
    ]


def _validation_data_gaps(
    dss: DssSnapshot, anchors: set[bytes], store: str = "the DSS", holder: str = "the document"
) -> list[tuple[GapCode, str]]:
    gaps: list[tuple[GapCode, str]] = []
    seen: set[tuple[GapCode, bytes]] = set()
    for chain in dss.chains:
        for index, link in enumerate(chain.links):
            key = link.certificate.fingerprint(hashes.SHA256())
            if link.self_signed or key in anchors:
                break
            what = _describe(chain, index, link)
            if not link.issuer_found and (GapCode.CERTIFICATE_MISSING, key) not in seen:
                seen.add((GapCode.CERTIFICATE_MISSING, key))
                issuer = _short_name(link.certificate.issuer)
                gaps.append(
                    (
                        GapCode.CERTIFICATE_MISSING,
                        f"{holder} does not hold the issuer certificate '{issuer}' of {what}",
                    )
                )
            if not (link.ocsp or link.crl) and (GapCode.REVOCATION_MISSING, key) not in seen:
                seen.add((GapCode.REVOCATION_MISSING, key))
                gaps.append(
                    (
                        GapCode.REVOCATION_MISSING,
                        f"{store} has no revocation data (OCSP response or CRL) for {what}",
                    )
                )
    return gaps


def _describe(chain: ChainFacts, index: int, link: ChainLink) -> str:
    name = f"'{_short_name(link.certificate.subject)}'"
    if chain.role == "signer":
        return (
            f"the signer's certificate {name}"
            if index == 0
            else (f"the CA certificate {name} in the signer's chain")
        )
    tsa = "TSA" if chain.role == "signature timestamp" else f"TSA of {chain.owner!r}"
    return (
        f"the {tsa} certificate {name}"
        if index == 0
        else (f"the CA certificate {name} in the {tsa}'s chain")
    )


def _short_name(name: x509.Name) -> str:
    """``CN=…`` when the name has a common name, else the whole name (RFC 4514)."""
    common = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return f"CN={common[0].value!s}" if common else name.rfc4514_string()


# --- XAdES (EN 319 132-1 clause 6.3) ---------------------------------------------------------


class XadesLevelFacts(EsigModel):
    """What one XAdES signature carries, as far as its baseline level depends on it."""

    signing_time: bool
    signing_certificate: bool
    """A SigningCertificateV2 (or V1) names the certificate that verifies the signature."""
    signature_timestamp: bool
    certificate_values: bool
    revocation_values: bool
    archive_timestamps: int = 0
    sound_archive_timestamps: int = 0


def assess_xades_baseline(
    facts: XadesLevelFacts,
    values: DssSnapshot,
    trust_anchors: Sequence[x509.Certificate] = (),
) -> BaselineConformance:
    """Judge one XAdES signature against the baseline levels of EN 319 132-1.

    ``values``: the signer's and the signature timestamp's chains checked against the
    validation data the signature embeds (CertificateValues, RevocationValues,
    TimeStampValidationData). A certificate among ``trust_anchors`` needs none.
    """
    anchors = {a.fingerprint(hashes.SHA256()) for a in trust_anchors}
    table = ETSI.CLAUSE_XADES_6_3
    gaps: dict[PadesLevel, list[ConformanceGap]] = {level: [] for level in PadesLevel}
    for level, lacking, code, message in (
        (PadesLevel.B_B, not facts.signing_time, GapCode.NO_SIGNING_TIME,
         "the signed properties have no SigningTime"),
        (PadesLevel.B_B, not facts.signing_certificate, GapCode.SIGNING_CERTIFICATE,
         "no SigningCertificateV2 names the signer's certificate"),
        (PadesLevel.B_T, not facts.signature_timestamp, GapCode.NO_TIMESTAMP,
         "there is no SignatureTimeStamp"),
    ):  # fmt: skip
        if lacking:
            gaps[level].append(_gap(level, code, message, table))
    if not (facts.certificate_values and facts.revocation_values):
        absent = " and ".join(
            name
            for name, present in (
                ("CertificateValues", facts.certificate_values),
                ("RevocationValues", facts.revocation_values),
            )
            if not present
        )
        gaps[PadesLevel.B_LT].append(
            _gap(
                PadesLevel.B_LT,
                GapCode.NO_VALIDATION_VALUES,
                f"the unsigned properties have no {absent}",
                ETSI.CLAUSE_XADES_5_4,
            )
        )
    else:
        gaps[PadesLevel.B_LT] += [
            _gap(PadesLevel.B_LT, code, message, ETSI.CLAUSE_XADES_5_4)
            for code, message in _validation_data_gaps(
                values, anchors, "the signature's validation data", "the signature"
            )
        ]
    if not facts.archive_timestamps:
        gaps[PadesLevel.B_LTA].append(
            _gap(
                PadesLevel.B_LTA,
                GapCode.NO_ARCHIVE_TIMESTAMP,
                "there is no ArchiveTimeStamp",
                ETSI.CLAUSE_XADES_5_5_2,
            )
        )
    elif not facts.sound_archive_timestamps:
        gaps[PadesLevel.B_LTA].append(
            _gap(
                PadesLevel.B_LTA,
                GapCode.ARCHIVE_TIMESTAMP_INVALID,
                "no ArchiveTimeStamp is sound (see the timestamp findings)",
                ETSI.CLAUSE_XADES_5_5_2,
            )
        )
    reached: PadesLevel | None = None
    for level in PadesLevel:
        if gaps[level]:
            break
        reached = level
    claimed = PadesLevel.B_B
    if facts.signature_timestamp:
        claimed = PadesLevel.B_T
    if facts.certificate_values or facts.revocation_values:
        claimed = PadesLevel.B_LT
    if facts.archive_timestamps:
        claimed = PadesLevel.B_LTA
    missing = tuple(
        gap
        for level in PadesLevel
        if (reached is None or level.rank > reached.rank) and level.rank <= claimed.rank
        for gap in gaps[level]
    )
    return BaselineConformance(
        subfilter=XADES_FORMAT, claimed=claimed, reached=reached, missing=missing
    )
