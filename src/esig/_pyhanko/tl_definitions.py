"""pyHanko's qualified service definitions from the status entries that count, corrected.

Which entries count is decided as DSS decides it (``GrantedServiceFilter``); the
``Qualifications`` extensions and their criteria are read by esig (every extension,
nested lists, key usage bits as the specification says); the periods, certificate
types and service certificates are corrected as the module docstring of
:mod:`esig._pyhanko.trusted_lists` explains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.generated.etsi import ts_119612, ts_119612_extra, ts_119612_sie
from pyhanko.sign.validation.qualified import eutl_parse
from pyhanko.sign.validation.qualified.tsp import (
    CA_QC_URI,
    QTST_URI,
    CertSubjectDNCriterion,
    CriteriaCombination,
    CriteriaList,
    Criterion,
    PolicySetCriterion,
    QcCertType,
    Qualification,
    QualifiedServiceInformation,
    TSPServiceParsingError,
)

from esig._pyhanko.signer import to_asn1
from esig._pyhanko.tl_reading import history_items, qualification_contents
from esig.model.trusted_lists import (
    CertificateType,
    StatusEntry,
    TrustService,
    TrustServiceStatus,
)

__all__ = [
    "service_definitions",
]


_ASI_QC_TYPES = {
    CertificateType.ESIG: QcCertType.QC_ESIGN,
    CertificateType.ESEAL: QcCertType.QC_ESEAL,
    CertificateType.WEB: QcCertType.QC_WEB,
}


_INTERPRETERS = {
    CA_QC_URI: eutl_parse._interpret_historical_service_info_for_ca,
    QTST_URI: eutl_parse._interpret_historical_service_info_for_qtst,
}


_EIDAS_START = dt.datetime(2016, 6, 30, 22, 0, tzinfo=dt.UTC)
"""1 July 2016, 00:00 in Brussels: eIDAS applies (art. 52) and "granted" replaces the
statuses of Directive 1999/93/EC."""


_PRE_EIDAS_ACCEPTED = frozenset(
    {
        TrustServiceStatus.UNDER_SUPERVISION,
        TrustServiceStatus.SUPERVISION_IN_CESSATION,
        TrustServiceStatus.ACCREDITED,
    }
)


def _ski(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, ValueError):
        return None


_READ_HERE = (ts_119612_sie.Qualifications, ts_119612_extra.TakenOverBy)
"""Extensions esig reads itself. pyHanko refuses an entry with a critical ``TakenOverBy``
(the Slovak list marks it critical), although it is informational (TS 119 612 5.5.9.3)."""


def _for_pyhanko(item: Any) -> Any:
    """The entry without the extensions esig reads itself (see ``_READ_HERE``)."""
    extensions = item.service_information_extensions
    if extensions is None:
        return item
    kept = tuple(
        ext
        for ext in extensions.extension
        if not any(isinstance(c, _READ_HERE) for c in ext.content)
    )
    return replace(item, service_information_extensions=replace(extensions, extension=kept))


def _qualifications(extensions: Any) -> frozenset[Qualification]:
    """Every ``QualificationElement`` of every ``Qualifications`` extension.

    pyHanko keeps only the last extension (the Belgian list has one per element) and
    refuses an empty ``CriteriaList``; here an empty list combines as DSS combines it
    (``all`` and ``none`` match every certificate, ``atLeastOne`` none) and nested lists
    are read to any depth. A qualifier URI nobody knows is ignored; a criterion nobody
    knows makes the entry uninterpretable (its qualifiers could not be applied safely).
    """
    found: set[Qualification] = set()
    for content in qualification_contents(extensions):
        for element in content.qualification_element:
            quals = element.qualifiers.qualifier if element.qualifiers else ()
            qualifiers = frozenset(
                eutl_parse._QUALIFIER_BY_URI[uri]
                for uri in ((q.uri or "").strip() for q in quals)
                if uri in eutl_parse._QUALIFIER_BY_URI
            )
            if qualifiers:
                found.add(Qualification(qualifiers, _criteria(element.criteria_list)))
    return frozenset(found)


@dataclass(frozen=True)
class _KeyUsageBits(Criterion):
    """A ``KeyUsage`` criterion: every bit listed has the value listed (TS 119 612 5.5.9.2).

    pyHanko's ``KeyUsageCriterion`` is satisfied by *one* of the required bits and skips
    the forbidden ones when no bit is required; DSS, like the specification, checks each.
    A certificate without the extension has no bit set.
    """

    set_bits: frozenset[str]
    clear_bits: frozenset[str]

    def matches(self, cert: asn1_x509.Certificate) -> bool:
        """Every listed bit has its listed value in ``cert``."""
        value = cert.key_usage_value
        present = set(value.native) if value is not None else set()
        return self.set_bits <= present and not (self.clear_bits & present)


@dataclass(frozen=True)
class _ExtendedKeyUsage(Criterion):
    """An ``ExtendedKeyUsage`` criterion: every KeyPurposeId listed is in the certificate."""

    purposes: frozenset[str]

    def matches(self, cert: asn1_x509.Certificate) -> bool:
        """Every listed purpose (dotted OID) is in the certificate's extended key usage."""
        value = cert.extended_key_usage_value
        present = {purpose.dotted for purpose in value} if value is not None else set()
        return self.purposes <= present


def _criteria(criteria: Any) -> CriteriaList:
    if criteria is None:
        raise TSPServiceParsingError("a QualificationElement without CriteriaList")
    entries: list[Criterion] = []
    for policy_set in criteria.policy_set:
        oids = frozenset(eutl_parse._parse_xades_oid(p) for p in policy_set.policy_identifier)
        entries.append(PolicySetCriterion(required_policy_oids=oids))
    for usage in criteria.key_usage:
        bits = [(b.name.name.lower(), b.value) for b in usage.key_usage_bit if b.name is not None]
        entries.append(
            _KeyUsageBits(
                frozenset(n for n, v in bits if v is True),
                frozenset(n for n, v in bits if v is False),
            )
        )
    entries.extend(_criteria(sub) for sub in criteria.criteria_list)
    if criteria.other_criteria_list is not None:
        for item in criteria.other_criteria_list.content:
            if isinstance(item, ts_119612_extra.CertSubjectDNAttribute):
                oids = frozenset(eutl_parse._parse_xades_oid(o) for o in item.attribute_oid)
                entries.append(CertSubjectDNCriterion(oids))
            elif isinstance(item, ts_119612_extra.ExtendedKeyUsage):
                oids = frozenset(eutl_parse._parse_xades_oid(o) for o in item.key_purpose_id)
                entries.append(_ExtendedKeyUsage(oids))
            else:
                raise TSPServiceParsingError(
                    f"an unknown criterion ({type(item).__name__}) in OtherCriteriaList"
                )
    assertion = criteria.assert_value.value if criteria.assert_value else "all"
    try:
        combine = CriteriaCombination(str(assertion))
    except ValueError:
        raise TSPServiceParsingError(f"an unknown criteria assertion {assertion!r}") from None
    return CriteriaList(combine_as=combine, criteria=frozenset(entries))


def _counts(entry: StatusEntry) -> bool:
    """The status entry vouches for the service (DSS's ``GrantedServiceFilter``)."""
    if entry.since >= _EIDAS_START:
        return entry.status is TrustServiceStatus.GRANTED
    return entry.status in _PRE_EIDAS_ACCEPTED


def _as_history_instance(info: Any) -> Any:
    return ts_119612.ServiceHistoryInstance(
        service_type_identifier=info.service_type_identifier,
        service_name=info.service_name,
        service_digital_identity=info.service_digital_identity,
        service_status=info.service_status,
        status_starting_time=info.status_starting_time,
        service_information_extensions=info.service_information_extensions,
    )


def service_definitions(
    xml_service: Any,
    service: TrustService,
    certs: tuple[x509.Certificate, ...],
    problems: list[str],
    unreadable: dict[dt.datetime, str],
) -> Iterator[QualifiedServiceInformation]:
    """The service definitions (pyHanko's) of every status entry that counts, corrected.

    ``service.history`` and the XML entries are in the same order (newest first), so
    each XML entry is read with the period (``since`` … ``until``) esig computed for it.
    """
    items = [_as_history_instance(xml_service.service_information), *history_items(xml_service)]
    for item, entry in zip(items, service.history, strict=True):
        interpreter = _INTERPRETERS.get(entry.service_type_uri)
        if interpreter is None or not _counts(entry):
            continue
        try:
            qualifications = _qualifications(item.service_information_extensions)
            definition = interpreter(_for_pyhanko(item), next_update_at=entry.until)
            definition = replace(definition, qualifications=qualifications)
        except (TSPServiceParsingError, ValueError, AttributeError, TypeError, KeyError) as exc:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            unreadable[entry.since] = why
            problems.append(
                f"service {service.name!r}, status {entry.status.value} from "
                f"{entry.since:%Y-%m-%d}: cannot be interpreted ({why}); certificates it "
                "would judge in that period are not assessed"
            )
            continue
        yield _corrected(definition, item, certs, entry)


def _corrected(
    definition: QualifiedServiceInformation,
    source: Any,
    certs: tuple[x509.Certificate, ...],
    entry: StatusEntry,
) -> QualifiedServiceInformation:
    # times without a zone (seen in real lists) are UTC; pyHanko compares them with
    # aware moments and would fail. The certificate types come from esig's reading of
    # the AdditionalServiceInformation URIs, which tolerates the whitespace some lists
    # put around them (pyHanko would then ignore the restriction).
    base = replace(
        definition.base_info,
        valid_from=entry.since,
        valid_until=entry.until,
        additional_info_certificate_type=frozenset(
            _ASI_QC_TYPES[t] for t in entry.certificate_types if t in _ASI_QC_TYPES
        ),
    )
    definition = replace(definition, base_info=base)
    if not definition.base_info.provider_certs and certs:
        sdi = source.service_digital_identity
        skis = {d.x509_ski for d in (sdi.digital_id if sdi else ()) if d.x509_ski}
        chosen = [c for c in certs if not skis or _ski(c) in skis]
        if chosen:
            base = replace(definition.base_info, provider_certs=tuple(to_asn1(c) for c in chosen))
            definition = replace(definition, base_info=base)
    return definition
