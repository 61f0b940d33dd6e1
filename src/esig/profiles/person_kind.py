"""Whom or what the certificate is for: the :class:`~esig.profiles.PersonKind`.

Decided from the first marker that says so (QcType, semantics identifier, certificate
policy, extended key usage), and failing that from the names in the subject DN.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from esig.identity import NameIdentity
from esig.oids import NamedOID, PolicyOID, QcTypeOID, SemanticsIdOID
from esig.profiles.model import PersonKind, QcType, QualifiedMarkers, UsageLimits
from esig.profiles.qc_statements import QC_TYPES

_QC_TYPE_OIDS: dict[QcType, x509.ObjectIdentifier] = {v: k for k, v in QC_TYPES.items()}

_KIND_BY_OID: dict[x509.ObjectIdentifier, PersonKind] = {
    QcTypeOID.ESIGN: PersonKind.NATURAL_PERSON,
    QcTypeOID.ESEAL: PersonKind.LEGAL_PERSON,
    QcTypeOID.WEB: PersonKind.WEBSITE,
    SemanticsIdOID.NATURAL: PersonKind.NATURAL_PERSON,
    SemanticsIdOID.EIDAS_NATURAL: PersonKind.NATURAL_PERSON,
    SemanticsIdOID.LEGAL: PersonKind.LEGAL_PERSON,
    SemanticsIdOID.EIDAS_LEGAL: PersonKind.LEGAL_PERSON,
    PolicyOID.QCP_N: PersonKind.NATURAL_PERSON,
    PolicyOID.QCP_N_QSCD: PersonKind.NATURAL_PERSON,
    PolicyOID.QCP_L: PersonKind.LEGAL_PERSON,
    PolicyOID.QCP_L_QSCD: PersonKind.LEGAL_PERSON,
    PolicyOID.QCP_W: PersonKind.WEBSITE,
    ExtendedKeyUsageOID.TIME_STAMPING: PersonKind.TIMESTAMPING_UNIT,
    ExtendedKeyUsageOID.SERVER_AUTH: PersonKind.WEBSITE,
}
"""Evidence of the subject's kind, by OID (QcType, semantics id, policy, key purpose)."""


def decide_person_kind(
    qualified: QualifiedMarkers, limits: UsageLimits, subject: NameIdentity
) -> tuple[PersonKind, str]:
    """Whom or what the certificate is for, and the evidence: markers first, then the DN."""
    qc_type_oids = tuple(
        NamedOID.of(_QC_TYPE_OIDS[t] if isinstance(t, QcType) else t) for t in qualified.qc_types
    )
    evidence: tuple[tuple[str, tuple[NamedOID, ...]], ...] = (
        ("qcStatement", qc_type_oids),
        ("semantics identifier", qualified.semantics_identifiers),
        ("certificate policy", limits.policies),
        ("extended key usage", limits.extended_key_usage),
    )
    for source, oids in evidence:
        for named in oids:
            kind = _KIND_BY_OID.get(named.oid)
            if kind is not None:
                return kind, f"{source} {named}"
    return _kind_from_subject(subject)


def _kind_from_subject(subject: NameIdentity) -> tuple[PersonKind, str]:
    if subject.given_name or subject.surname or subject.pseudonym:
        return PersonKind.NATURAL_PERSON, "subject DN has a personal name or pseudonym"
    if subject.organization and subject.common_name in (None, subject.organization):
        return PersonKind.LEGAL_PERSON, "subject DN names only an organization"
    if subject.organization:
        return (
            PersonKind.UNKNOWN,
            "subject DN names an organization and a common name; "
            "no marker says whether a person or the organization is the subject",
        )
    return PersonKind.UNKNOWN, "no evidence of the subject's kind"
