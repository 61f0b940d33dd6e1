"""Reading the certificate's extensions: limits on use, qualified markers, unknown ones.

Limits on use are BES art. 6(1)(h); the qualified markers are those of ETSI EN 319 412-5
that live in the certificate policies. Extensions esig does not interpret are listed.
"""

from __future__ import annotations

from typing import TypeVar

from cryptography import x509

from esig.certificates import UNREADABLE_CERTIFICATE
from esig.oids import CertificateExtensionOID, NamedOID, PolicyOID
from esig.profiles.model import (
    KeyUsageFlag,
    ProfileFinding,
    ProfileFindingCode,
    QualifiedMarkers,
    QualifiedPolicy,
    UnknownExtension,
    UsageLimits,
)
from esig.profiles.qc_statements import QcContent

_QUALIFIED_POLICIES: dict[x509.ObjectIdentifier, QualifiedPolicy] = {
    PolicyOID.QCP_N: QualifiedPolicy.QCP_N,
    PolicyOID.QCP_L: QualifiedPolicy.QCP_L,
    PolicyOID.QCP_N_QSCD: QualifiedPolicy.QCP_N_QSCD,
    PolicyOID.QCP_L_QSCD: QualifiedPolicy.QCP_L_QSCD,
    PolicyOID.QCP_W: QualifiedPolicy.QCP_W,
}

# --------------------------------------------------------------------------- extensions

_E = TypeVar("_E", bound=x509.ExtensionType)


def read_extensions(cert: x509.Certificate, findings: list[ProfileFinding]) -> x509.Extensions:
    """The certificate's extensions; none, with a finding, if they cannot be read."""
    try:
        return cert.extensions
    except UNREADABLE_CERTIFICATE as exc:
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.MALFORMED_EXTENSIONS,
                message=f"The certificate's extensions cannot be read: {exc}",
            )
        )
        return x509.Extensions([])


def find_extension(extensions: x509.Extensions, kind: type[_E]) -> _E | None:
    """The value of the extension of type ``kind``, or ``None`` if absent."""
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def qc_statements_der(extensions: x509.Extensions) -> bytes | None:
    """The DER of the qcStatements extension, or ``None`` if absent."""
    try:
        ext = extensions.get_extension_for_oid(CertificateExtensionOID.QC_STATEMENTS)
    except x509.ExtensionNotFound:
        return None
    return ext.value.public_bytes()


def list_unknown_extensions(
    extensions: x509.Extensions, findings: list[ProfileFinding]
) -> tuple[UnknownExtension, ...]:
    """The extensions esig does not interpret; a finding for each critical one."""
    unknown = tuple(
        UnknownExtension(oid=ext.oid.dotted_string, critical=ext.critical)
        for ext in extensions
        if isinstance(ext.value, x509.UnrecognizedExtension)
        and ext.oid != CertificateExtensionOID.QC_STATEMENTS
    )
    findings.extend(
        ProfileFinding(
            code=ProfileFindingCode.UNKNOWN_CRITICAL_EXTENSION,
            message=f"Critical extension {ext.oid} is unknown to esig",
        )
        for ext in unknown
        if ext.critical
    )
    return unknown


def _key_usage_flags(usage: x509.KeyUsage) -> tuple[KeyUsageFlag, ...]:
    return tuple(flag for flag in KeyUsageFlag if _flag_is_set(usage, flag))


def _flag_is_set(usage: x509.KeyUsage, flag: KeyUsageFlag) -> bool:
    try:
        return bool(getattr(usage, flag.value))
    except ValueError:  # encipher_only / decipher_only are undefined without key_agreement
        return False


def read_limits(extensions: x509.Extensions, qc: QcContent) -> UsageLimits:
    """The limits on use (art. 6(1)(h)): key usages, purposes, policies and qcStatements."""
    usage = find_extension(extensions, x509.KeyUsage)
    purposes = find_extension(extensions, x509.ExtendedKeyUsage)
    policies = find_extension(extensions, x509.CertificatePolicies)
    return UsageLimits(
        key_usage=None if usage is None else _key_usage_flags(usage),
        extended_key_usage=tuple(NamedOID.of(oid) for oid in purposes or ()),
        policies=tuple(NamedOID.of(p.policy_identifier) for p in policies or ()),
        limit_value=qc.limit_value,
        retention_period_years=qc.retention_years,
        disclosure_statements=tuple(qc.pds),
        unreadable=tuple(qc.unreadable),
    )


def read_qualified_markers(qc: QcContent, limits: UsageLimits) -> QualifiedMarkers:
    """The qualified-certificate claims: qcStatements and qualified policies (EN 319 412-5)."""
    qc_policies = tuple(
        _QUALIFIED_POLICIES[p.oid] for p in limits.policies if p.oid in _QUALIFIED_POLICIES
    )
    return QualifiedMarkers(
        qc_compliance=qc.qc_compliance,
        qc_sscd=qc.qc_sscd,
        qc_types=tuple(qc.qc_types),
        qc_cc_legislation=tuple(qc.cc_legislation),
        qc_policies=qc_policies,
        semantics_identifiers=tuple(qc.semantics),
        pkix_qc_syntax_v2=qc.pkix_v2,
        statements=tuple(qc.statements),
    )
