"""Reading the qcStatements extension (ETSI EN 319 412-5, RFC 3739).

A statement esig does not know is listed, not interpreted; one it cannot read becomes a
:class:`~esig.profiles.ProfileFinding`, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import core as asn1_core
from cryptography import x509

from esig._qc_asn1 import (
    CountryCodes as _CountryCodes,
)
from esig._qc_asn1 import (
    MonetaryValue as _MonetaryValue,
)
from esig._qc_asn1 import (
    PdsLocations as _PdsLocations,
)
from esig._qc_asn1 import (
    QcStatements as _QcStatements,
)
from esig._qc_asn1 import (
    QcTypeIds as _QcTypeIds,
)
from esig._qc_asn1 import (
    SemanticsInformation as _SemanticsInformation,
)
from esig.law import BES
from esig.oids import CertificateExtensionOID, NamedOID, QcStatementOID, QcTypeOID
from esig.profiles.model import (
    DisclosureStatement,
    MonetaryLimit,
    ProfileFinding,
    ProfileFindingCode,
    QcType,
)

QC_TYPES: dict[x509.ObjectIdentifier, QcType] = {
    QcTypeOID.ESIGN: QcType.ESIGN,
    QcTypeOID.ESEAL: QcType.ESEAL,
    QcTypeOID.WEB: QcType.WEB,
}
"""The QcType statement values esig names, by OID."""


# --------------------------------------------------------------------------- ASN.1
# Definitions from ETSI EN 319 412-5 and RFC 3739, for asn1crypto. Private: no
# asn1crypto type leaves this module.


_ASN1_ERRORS = (ValueError, TypeError, KeyError, OverflowError)
"""What asn1crypto raises on content that does not match its definition."""


# --------------------------------------------------------------------------- qcStatements


@dataclass
class QcContent:
    """What the qcStatements say, collected while reading them."""

    statements: list[NamedOID] = field(default_factory=list)
    qc_compliance: bool = False
    qc_sscd: bool = False
    qc_types: list[QcType | str] = field(default_factory=list)
    cc_legislation: list[str] = field(default_factory=list)
    semantics: list[NamedOID] = field(default_factory=list)
    pkix_v2: bool = False
    limit_value: MonetaryLimit | None = None
    retention_years: int | None = None
    pds: list[DisclosureStatement] = field(default_factory=list)
    unreadable: list[NamedOID] = field(default_factory=list)


def _parse_info(info: Any, spec: Any) -> Any:
    """Parse a statementInfo with ``spec``, completely (asn1crypto parses lazily)."""
    if info is None:
        raise ValueError("the statementInfo is missing")
    parsed = info.parse(spec)
    _ = parsed.native
    return parsed


def _on_compliance(acc: QcContent, _info: Any) -> None:
    acc.qc_compliance = True


def _on_sscd(acc: QcContent, _info: Any) -> None:
    acc.qc_sscd = True


def _on_limit_value(acc: QcContent, info: Any) -> None:
    value = _parse_info(info, _MonetaryValue)
    acc.limit_value = MonetaryLimit(
        currency=str(value["currency"].native),
        amount=value["amount"].native,
        exponent=value["exponent"].native,
    )


def _on_retention_period(acc: QcContent, info: Any) -> None:
    acc.retention_years = int(_parse_info(info, asn1_core.Integer).native)


def _on_pds(acc: QcContent, info: Any) -> None:
    acc.pds = [
        DisclosureStatement(url=item["url"].native, language=item["language"].native)
        for item in _parse_info(info, _PdsLocations)
    ]


def _on_qc_type(acc: QcContent, info: Any) -> None:
    for type_id in _parse_info(info, _QcTypeIds):
        oid = x509.ObjectIdentifier(type_id.dotted)
        acc.qc_types.append(QC_TYPES.get(oid, oid.dotted_string))


def _on_cc_legislation(acc: QcContent, info: Any) -> None:
    acc.cc_legislation = [code.native for code in _parse_info(info, _CountryCodes)]


def _read_semantics(acc: QcContent, info: Any) -> None:
    if info is None:  # SemanticsInformation is optional in pkixQCSyntax
        return
    identifier = _parse_info(info, _SemanticsInformation)["semantics_identifier"]
    if identifier.native is not None:
        acc.semantics.append(NamedOID.of(identifier.dotted))


def _on_pkix_v1(acc: QcContent, info: Any) -> None:
    _read_semantics(acc, info)


def _on_pkix_v2(acc: QcContent, info: Any) -> None:
    acc.pkix_v2 = True
    _read_semantics(acc, info)


_QC_HANDLERS: dict[x509.ObjectIdentifier, Callable[[QcContent, Any], None]] = {
    QcStatementOID.QC_COMPLIANCE: _on_compliance,
    QcStatementOID.QC_LIMIT_VALUE: _on_limit_value,
    QcStatementOID.QC_RETENTION_PERIOD: _on_retention_period,
    QcStatementOID.QC_SSCD: _on_sscd,
    QcStatementOID.QC_PDS: _on_pds,
    QcStatementOID.QC_TYPE: _on_qc_type,
    QcStatementOID.QC_CC_LEGISLATION: _on_cc_legislation,
    QcStatementOID.PKIX_QC_SYNTAX_V1: _on_pkix_v1,
    QcStatementOID.PKIX_QC_SYNTAX_V2: _on_pkix_v2,
}

_LIMIT_STATEMENTS = frozenset(
    {QcStatementOID.QC_LIMIT_VALUE, QcStatementOID.QC_RETENTION_PERIOD, QcStatementOID.QC_PDS}
)
"""The statements that state limits on use (BES art. 6(1)(h))."""


def read_qc_statements(der: bytes | None, findings: list[ProfileFinding]) -> QcContent:
    """Read the qcStatements extension's DER; what cannot be read becomes findings."""
    acc = QcContent()
    if der is None:
        return acc
    try:
        statements = [
            (x509.ObjectIdentifier(item["statement_id"].dotted), item["statement_info"])
            for item in _QcStatements.load(der, strict=True)
        ]
    except _ASN1_ERRORS as exc:
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.MALFORMED_QC_STATEMENTS,
                message=f"The qcStatements extension cannot be read: {exc}",
            )
        )
        acc.unreadable.append(NamedOID.of(CertificateExtensionOID.QC_STATEMENTS))
        return acc
    for oid, info in statements:
        _read_statement(acc, oid, None if isinstance(info, asn1_core.Void) else info, findings)
    return acc


def _read_statement(
    acc: QcContent, oid: x509.ObjectIdentifier, info: Any, findings: list[ProfileFinding]
) -> None:
    named = NamedOID.of(oid)
    acc.statements.append(named)
    handler = _QC_HANDLERS.get(oid)
    if handler is None:
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.UNKNOWN_QC_STATEMENT,
                message=f"Unknown qcStatement {oid.dotted_string}: listed, not interpreted",
            )
        )
        return
    try:
        handler(acc, info)
    except _ASN1_ERRORS as exc:
        if oid in _LIMIT_STATEMENTS:
            acc.unreadable.append(named)
        findings.append(
            ProfileFinding(
                code=ProfileFindingCode.MALFORMED_QC_STATEMENT,
                message=f"The {named} statement cannot be read: {exc}",
                citation=BES.ART_6_1_H if oid in _LIMIT_STATEMENTS else None,
            )
        )
