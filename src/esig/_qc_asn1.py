"""ASN.1 declarations of the qualified-certificate statements (ETSI EN 319 412-5, RFC 3739).

asn1crypto does not define these; they are declared here once, as asn1crypto types, and
used both to read qcStatements (:mod:`esig.profiles`) and to write them
(:mod:`esig.issuance`). Declarations only: asn1crypto does the encoding and parsing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509

__all__ = [
    "CountryCodes",
    "Iso4217CurrencyCode",
    "MonetaryValue",
    "PdsLocation",
    "PdsLocations",
    "QcStatement",
    "QcStatements",
    "QcTypeIds",
    "SemanticsInformation",
]


class Iso4217CurrencyCode(asn1_core.Choice):  # type: ignore[misc]
    _alternatives: ClassVar[list[tuple[Any, ...]]] = [
        ("alphabetic", asn1_core.PrintableString),
        ("numeric", asn1_core.Integer),
    ]


class MonetaryValue(asn1_core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("currency", Iso4217CurrencyCode),
        ("amount", asn1_core.Integer),
        ("exponent", asn1_core.Integer),
    ]


class PdsLocation(asn1_core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("url", asn1_core.IA5String),
        ("language", asn1_core.PrintableString),
    ]


class PdsLocations(asn1_core.SequenceOf):  # type: ignore[misc]
    _child_spec = PdsLocation


class QcTypeIds(asn1_core.SequenceOf):  # type: ignore[misc]
    _child_spec = asn1_core.ObjectIdentifier


class CountryCodes(asn1_core.SequenceOf):  # type: ignore[misc]
    _child_spec = asn1_core.PrintableString


class SemanticsInformation(asn1_core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("semantics_identifier", asn1_core.ObjectIdentifier, {"optional": True}),
        ("name_registration_authorities", asn1_x509.GeneralNames, {"optional": True}),
    ]


class QcStatement(asn1_core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("statement_id", asn1_core.ObjectIdentifier),
        ("statement_info", asn1_core.Any, {"optional": True}),
    ]


class QcStatements(asn1_core.SequenceOf):  # type: ignore[misc]
    _child_spec = QcStatement
