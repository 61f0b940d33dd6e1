"""A listed service's status periods as TS 119 615 facts, read from pyHanko's XML classes.

Every status period of a service (the current status and each history entry) becomes
one :class:`~esig.ts119615.facts.ServiceEntry`, with the ``Qualifications`` of that
period read by esig: every extension (the Belgian list has one per element), nested
criteria lists to any depth, ``KeyUsage`` bits, policy sets, ``CertSubjectDNAttribute``,
``ExtendedKeyUsage`` and ``QcStatementSet``. A criterion nobody knows makes the period
uninterpretable (its qualifiers could not be applied safely); a qualifier URI nobody
knows is kept, and reported.
"""

from __future__ import annotations

from typing import Any

from pyhanko.generated.etsi import ts_119612, ts_119612_extra, ts_119612_sie

from esig._pyhanko.tl_reading import history_items, qualification_contents
from esig.model.trusted_lists import CertificateType, TrustService
from esig.ts119615.facts import (
    Asi,
    Criteria,
    KeyUsageCriterion,
    QcStatementCriterion,
    QualificationElement,
    ServiceEntry,
)
from esig.ts119615.rules import KNOWN_QUALIFIERS

__all__ = ["service_entries"]


_ASI = {
    CertificateType.ESIG: Asi.FOR_ESIGNATURES,
    CertificateType.ESEAL: Asi.FOR_ESEALS,
    CertificateType.WEB: Asi.FOR_WEB_AUTHENTICATION,
}

_QUALIFIER_PREFIX = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"

_ASSERTIONS = {"all": "all", "atLeastOne": "atLeastOne", "none": "none"}


class _Unreadable(Exception):
    """A part of the qualifications that cannot be interpreted."""


def _qualifier(uri: str) -> str:
    uri = uri.strip()
    name = uri.removeprefix(_QUALIFIER_PREFIX)
    return name if name in KNOWN_QUALIFIERS else uri


def _local(tag: Any) -> str:
    return str(tag or "").rsplit("}", 1)[-1]


def _texts(node: Any) -> list[str]:
    """Every text in ``node`` and below (an xsdata AnyElement tree)."""
    found = [str(node.text).strip()] if getattr(node, "text", None) else []
    for child in getattr(node, "children", ()) or ():
        found += _texts(child) if not isinstance(child, str) else [child.strip()]
    return [t for t in found if t]


def _child(node: Any, name: str) -> Any:
    return next(
        (c for c in getattr(node, "children", ()) or () if _local(getattr(c, "qname", "")) == name),
        None,
    )


def dotted_oid(text: str) -> str | None:
    """An OID as a list writes it, in dotted form; None when it is no OID.

    Lists write ``1.2.3``, ``urn:oid:1.2.3`` or ``oid:1.2.3``, with whitespace around it
    or not. Real lists use every form (Spain, Hungary, Italy and Luxembourg write
    ``Qualifier="OIDAsURN"``, some with a trailing space): compared verbatim with the
    certificate's policies, such a criterion would never match.
    """
    value = text.strip()
    lowered = value.lower()
    for prefix in ("urn:oid:", "oid:"):
        if lowered.startswith(prefix):
            value = value[len(prefix) :].strip()
            break
    parts = value.split(".")
    return value if len(parts) > 1 and all(part.isdigit() for part in parts) else None


def _oid(texts: list[str]) -> str:
    for text in texts:
        value = dotted_oid(text)
        if value is not None:
            return value
    raise _Unreadable(f"an object identifier that cannot be read ({texts!r})")


def _qc_statement_set(node: Any) -> tuple[QcStatementCriterion, ...]:
    found = []
    for statement in getattr(node, "children", ()) or ():
        if _local(getattr(statement, "qname", "")) != "QcStatement":
            continue
        ident = _child(statement, "QcStatementId") or _child(statement, "QcStatementIdentifier")
        if ident is None:
            raise _Unreadable("a QcStatement criterion without QcStatementId")
        info = _child(statement, "QcStatementInfo")
        qc_type = legislation = None
        if info is not None:
            kind = _child(info, "QcType")
            country = _child(info, "QcCClegislation")
            qc_type = _oid(_texts(kind)) if kind is not None else None
            texts = _texts(country) if country is not None else []
            legislation = texts[0] if texts else None
        found.append(QcStatementCriterion(_oid(_texts(ident)), qc_type, legislation))
    return tuple(found)


def _xades_oids(items: Any) -> frozenset[str]:
    # a malformed OID (Slovenia 2019 writes ``1.3.6.1.4.1.7597.2.``) is kept as written:
    # like DSS, esig then finds no certificate with it, rather than voiding the entry
    found = set()
    for item in items:
        written = str(item.identifier.value) if item.identifier is not None else ""
        found.add(dotted_oid(written) or written.strip())
    return frozenset(found)


def _criteria(criteria: Any) -> Criteria:
    if criteria is None:
        raise _Unreadable("a QualificationElement without CriteriaList")
    usages = []
    for usage in criteria.key_usage:
        bits = [(b.name.value, b.value) for b in usage.key_usage_bit if b.name is not None]
        usages.append(
            KeyUsageCriterion(
                frozenset(n for n, v in bits if v is True),
                frozenset(n for n, v in bits if v is False),
            )
        )
    subject: list[frozenset[str]] = []
    eku: list[frozenset[str]] = []
    statements: list[tuple[QcStatementCriterion, ...]] = []
    if criteria.other_criteria_list is not None:
        for item in criteria.other_criteria_list.content:
            if isinstance(item, ts_119612_extra.CertSubjectDNAttribute):
                subject.append(_xades_oids(item.attribute_oid))
            elif isinstance(item, ts_119612_extra.ExtendedKeyUsage):
                eku.append(_xades_oids(item.key_purpose_id))
            elif _local(getattr(item, "qname", "")) == "QcStatementSet":
                statements.append(_qc_statement_set(item))
            else:
                name = _local(getattr(item, "qname", "")) or type(item).__name__
                raise _Unreadable(f"an unknown criterion ({name}) in OtherCriteriaList")
    assertion = str(criteria.assert_value.value) if criteria.assert_value else "all"
    if assertion not in _ASSERTIONS:
        raise _Unreadable(f"an unknown criteria assertion {assertion!r}")
    return Criteria(
        assertion=_ASSERTIONS[assertion],  # type: ignore[arg-type]
        key_usage=tuple(usages),
        policy_sets=tuple(_xades_oids(p.policy_identifier) for p in criteria.policy_set),
        subject_attributes=tuple(subject),
        extended_key_usage=tuple(eku),
        qc_statement_sets=tuple(statements),
        nested=tuple(_criteria(sub) for sub in criteria.criteria_list),
    )


_UNDERSTOOD = (
    ts_119612.AdditionalServiceInformation,
    ts_119612.ExpiredCertsRevocationInfo,
    ts_119612_extra.TakenOverBy,
    ts_119612_sie.Qualifications,
)


def _understood(content: Any) -> bool:
    return isinstance(content, _UNDERSTOOD) or _local(getattr(content, "qname", "")) in {
        "Qualifications",
        "AdditionalServiceInformation",
        "ExpiredCertsRevocationInfo",
        "TakenOverBy",
    }


def _elements(extensions: Any) -> tuple[QualificationElement, ...]:
    for ext in extensions.extension if extensions else ():
        if ext.critical and not all(_understood(c) for c in ext.content):
            # TS 119 612 5.5.9: an extension marked critical that is not understood
            # voids the entry
            raise _Unreadable("a critical extension esig does not understand")
    found = []
    for content in qualification_contents(extensions):
        for element in content.qualification_element:
            quals = element.qualifiers.qualifier if element.qualifiers else ()
            names = tuple(dict.fromkeys(_qualifier(q.uri or "") for q in quals if q.uri))
            if names:
                found.append(QualificationElement(names, _criteria(element.criteria_list)))
    return tuple(found)


def _as_history_instance(info: Any) -> Any:
    return ts_119612.ServiceHistoryInstance(
        service_type_identifier=info.service_type_identifier,
        service_name=info.service_name,
        service_digital_identity=info.service_digital_identity,
        service_status=info.service_status,
        status_starting_time=info.status_starting_time,
        service_information_extensions=info.service_information_extensions,
    )


def service_entries(
    xml_service: Any,
    service: TrustService,
    *,
    provider: str,
    territory: str,
    sequence: int,
    problems: list[str],
) -> tuple[ServiceEntry, ...]:
    """Every status period of the service, newest first, with its qualifications.

    ``service.history`` and the XML entries are in the same order (newest first), so
    each XML entry is read with the period (``since`` … ``until``) esig computed for it.
    """
    items = [_as_history_instance(xml_service.service_information), *history_items(xml_service)]
    found = []
    for index, (item, entry) in enumerate(zip(items, service.history, strict=True)):
        unreadable = None
        elements: tuple[QualificationElement, ...] = ()
        try:
            elements = _elements(item.service_information_extensions)
        except (_Unreadable, ValueError, AttributeError, TypeError, KeyError) as exc:
            unreadable = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            problems.append(
                f"service {service.name!r}, status {entry.status.value} from "
                f"{entry.since:%Y-%m-%d}: its qualifications cannot be interpreted "
                f"({unreadable}); certificates it would judge in that period are not assessed"
            )
        found.append(
            ServiceEntry(
                territory=territory,
                list_sequence=sequence,
                provider=provider,
                service=entry.service_name,
                service_type=entry.service_type_uri,
                status=entry.status_uri,
                start=entry.since,
                end=entry.until,
                asi=frozenset(_ASI[t] for t in entry.certificate_types if t in _ASI),
                elements=elements,
                history_index=index,
                unreadable=unreadable,
            )
        )
    return tuple(found)
