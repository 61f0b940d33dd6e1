"""A certificate's facts for the TS 119 615 procedure, read with cryptography.

The qcStatements are read by :mod:`esig.profiles.qc_statements` (asn1crypto), the other
extensions by cryptography. An extension that cannot be read counts as absent: the
procedure then judges the certificate by what remains, as DSS does.
"""

from __future__ import annotations

from cryptography import x509

from esig.certificates import UNREADABLE_CERTIFICATE
from esig.profiles.extensions import qc_statements_der, read_extensions
from esig.profiles.model import ProfileFinding, QcType
from esig.profiles.qc_statements import read_qc_statements
from esig.ts119615.facts import QCT_ESEAL, QCT_ESIGN, QCT_WEB, CertFacts

__all__ = ["cert_facts"]


_QC_TYPE_OIDS = {QcType.ESIGN: QCT_ESIGN, QcType.ESEAL: QCT_ESEAL, QcType.WEB: QCT_WEB}

_KEY_USAGE_BITS = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "crlSign"),
)


def _key_usage(extensions: x509.Extensions) -> frozenset[str]:
    try:
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return frozenset()
    found = {name for attr, name in _KEY_USAGE_BITS if getattr(usage, attr)}
    if usage.key_agreement:
        found |= {n for n, on in (("encipherOnly", usage.encipher_only),) if on}
        found |= {n for n, on in (("decipherOnly", usage.decipher_only),) if on}
    return frozenset(found)


def _policies(extensions: x509.Extensions) -> frozenset[str]:
    try:
        policies = extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return frozenset()
    return frozenset(p.policy_identifier.dotted_string for p in policies)


def _extended_key_usage(extensions: x509.Extensions) -> frozenset[str]:
    try:
        value = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return frozenset()
    return frozenset(oid.dotted_string for oid in value)


def cert_facts(cert: x509.Certificate) -> CertFacts:
    """What ``cert`` says about itself: qcStatements, policies, usages, subject attributes."""
    findings: list[ProfileFinding] = []
    extensions = read_extensions(cert, findings)
    qc = read_qc_statements(qc_statements_der(extensions), findings)
    try:
        subject = frozenset(a.oid.dotted_string for a in cert.subject)
        name = cert.subject.rfc4514_string()
    except UNREADABLE_CERTIFICATE:
        subject, name = frozenset(), "(unreadable subject)"
    return CertFacts(
        not_before=cert.not_valid_before_utc,
        qc_compliance=qc.qc_compliance,
        qc_sscd=qc.qc_sscd,
        qc_types=tuple(_QC_TYPE_OIDS[t] if isinstance(t, QcType) else t for t in qc.qc_types),
        qc_legislation=tuple(qc.cc_legislation),
        qc_statements=frozenset(s.dotted for s in qc.statements),
        policies=_policies(extensions),
        key_usage=_key_usage(extensions),
        extended_key_usage=_extended_key_usage(extensions),
        subject_attributes=subject,
        description=name,
    )
