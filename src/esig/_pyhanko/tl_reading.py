"""pyHanko's xsdata objects of a trusted list turned into esig's models.

Providers, services, their digital identities and status history, the qualification
rules in words; :class:`LoadedList` is a list as read, with its services indexed for
the assessment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from pyhanko.generated.etsi import ts_119612, ts_119612_extra, ts_119612_sie
from pyhanko.sign.validation.qualified.tsp import TSPServiceParsingError

from esig._library_warnings import caught_library_warnings
from esig.certificates import UNREADABLE_CERTIFICATE
from esig.model.trusted_lists import (
    CertificateType,
    QualificationRule,
    Qualifier,
    ServiceCertificate,
    ServiceIdentity,
    ServiceType,
    StatusEntry,
    TrustedList,
    TrustedListError,
    TrustService,
    TrustServiceStatus,
    as_aware,
)
from esig.ts119615.facts import ServiceEntry

__all__ = [
    "IndexedService",
    "LoadedList",
    "history_items",
    "list_name",
    "qualification_contents",
    "read_certificate",
    "read_service",
    "xml_time",
]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


_ASI_TYPES = {
    "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures": CertificateType.ESIG,
    "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals": CertificateType.ESEAL,
    "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForWebSiteAuthentication": (
        CertificateType.WEB
    ),
}


@dataclass(frozen=True)
class IndexedService:
    """A service of a loaded list, with the certificates that identify it."""

    provider_name: str
    service: TrustService
    certificates: tuple[x509.Certificate, ...]
    entries: tuple[ServiceEntry, ...] = ()
    """Every status period, newest first, as the TS 119 615 procedure reads it."""


@dataclass(frozen=True)
class LoadedList:
    """A list as read and authenticated, with its services indexed for the assessment."""

    trusted_list: TrustedList
    services: tuple[IndexedService, ...] = ()


def list_name(names: Any) -> str:
    if names is None or not names.name:
        return "unknown"
    for item in names.name:
        if (item.lang or "").lower().startswith("en") and (item.value or "").strip():
            return str(item.value).strip()
    for item in names.name:
        if (item.value or "").strip():
            return str(item.value).strip()
    return "unknown"


def xml_time(value: Any) -> dt.datetime | None:
    """An xsdata date-time as an aware datetime; None when absent.

    Raises:
        TrustedListError: The value is not a date-time (a list that slipped the schema).

    """
    if value is None:
        return None
    if not hasattr(value, "to_datetime"):
        raise TrustedListError(f"A date in the trusted list is not an xsd:dateTime: {value!r}")
    try:
        return as_aware(value.to_datetime())
    except (ValueError, OverflowError):  # a year the schema allows and Python cannot hold
        raise TrustedListError(f"A date in the trusted list is out of range: {value!r}") from None


def read_certificate(der: bytes) -> tuple[x509.Certificate, ServiceCertificate] | None:
    # cryptography warns about what it reads leniently: when loading (a serial number that
    # is not positive, seen in real lists) and when it parses names and extensions on first
    # use (UTF-8 in a policy's VisibleString): do both here, once, with the warnings
    # caught, so no later use prints one.
    with caught_library_warnings("reading a certificate in a trusted list"):
        try:
            cert = x509.load_der_x509_certificate(der)
        except UNREADABLE_CERTIFICATE:
            return None
        try:
            extensions = cert.extensions
            ski = extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            key_identifier: str | None = ski.digest.hex()
        except (x509.ExtensionNotFound, ValueError):
            key_identifier = None
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    return cert, ServiceCertificate(
        subject=subject,
        issuer=issuer,
        sha256=hashlib.sha256(der).hexdigest(),
        key_identifier=key_identifier,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def _identity(
    sdi: Any, problems: list[str], service_name: str
) -> tuple[ServiceIdentity, list[x509.Certificate]]:
    certs: list[x509.Certificate] = []
    infos: list[ServiceCertificate] = []
    names: list[str] = []
    skis: list[str] = []
    for digital_id in sdi.digital_id if sdi else ():
        if digital_id.x509_certificate:
            read = read_certificate(digital_id.x509_certificate)
            if read is None:
                problems.append(f"a certificate of service {service_name!r} cannot be read")
            else:
                certs.append(read[0])
                infos.append(read[1])
        if digital_id.x509_subject_name:
            names.append(digital_id.x509_subject_name.strip())
        if digital_id.x509_ski:
            skis.append(digital_id.x509_ski.hex())
    identity = ServiceIdentity(
        certificates=tuple(infos), subject_names=tuple(names), key_identifiers=tuple(skis)
    )
    return identity, certs


def _describe_criteria(criteria: Any) -> str:
    if criteria is None:
        return "no criteria"
    parts: list[str] = []
    for policy_set in criteria.policy_set:
        oids = [p.identifier.value for p in policy_set.policy_identifier if p.identifier]
        parts.append(f"policies {{{', '.join(oids)}}}")
    for usage in criteria.key_usage:
        bits = [
            f"{bit.name.value}={'set' if bit.value else 'not set'}"
            for bit in usage.key_usage_bit
            if bit.name is not None
        ]
        parts.append(f"key usage {{{', '.join(bits)}}}")
    for sub in criteria.criteria_list:
        parts.append(f"({_describe_criteria(sub)})")
    if criteria.other_criteria_list is not None:
        for item in criteria.other_criteria_list.content:
            if isinstance(item, ts_119612_extra.CertSubjectDNAttribute):
                oids = [o.identifier.value for o in item.attribute_oid if o.identifier]
                parts.append(f"subject name has {{{', '.join(oids)}}}")
            elif isinstance(item, ts_119612_extra.ExtendedKeyUsage):
                oids = [o.identifier.value for o in item.key_purpose_id if o.identifier]
                parts.append(f"extended key usage {{{', '.join(oids)}}}")
            else:
                parts.append("an unknown criterion")
    assertion = criteria.assert_value.value if criteria.assert_value else "all"
    return f"{assertion} of: {'; '.join(parts) or 'nothing'}"


def qualification_contents(extensions: Any) -> Iterator[Any]:
    for ext in extensions.extension if extensions else ():
        for content in ext.content:
            if isinstance(content, ts_119612_sie.Qualifications):
                yield content


def _rules(extensions: Any) -> tuple[QualificationRule, ...]:
    rules: list[QualificationRule] = []
    for content in qualification_contents(extensions):
        for element in content.qualification_element:
            known: list[Qualifier] = []
            unknown: list[str] = []
            for q in element.qualifiers.qualifier if element.qualifiers else ():
                name = Qualifier.from_uri((q.uri or "").strip())
                if name is None:
                    unknown.append(q.uri or "")
                else:
                    known.append(name)
            rules.append(
                QualificationRule(
                    qualifiers=tuple(known),
                    unknown_qualifiers=tuple(unknown),
                    criteria=_describe_criteria(element.criteria_list),
                )
            )
    return tuple(rules)


def _entry(info: Any, until: dt.datetime | None) -> StatusEntry:
    status_uri = (info.service_status.value if info.service_status else "").strip()
    type_uri = (info.service_type_identifier.value if info.service_type_identifier else "").strip()
    types: list[CertificateType] = []
    expired_info = None
    taken_over_by = None
    for ext in (
        info.service_information_extensions.extension
        if (info.service_information_extensions)
        else ()
    ):
        for content in ext.content:
            if isinstance(content, ts_119612.AdditionalServiceInformation) and content.uri:
                kind = _ASI_TYPES.get((content.uri.value or "").strip())
                if kind is not None:
                    types.append(kind)
            elif isinstance(content, ts_119612.ExpiredCertsRevocationInfo):
                expired_info = xml_time(content.value)
            elif isinstance(content, ts_119612_extra.TakenOverBy):
                taken_over_by = list_name(content.tspname)
    since = xml_time(info.status_starting_time)
    if since is None:
        raise TSPServiceParsingError("a status without StatusStartingTime")
    return StatusEntry(
        status=TrustServiceStatus.from_uri(status_uri),
        status_uri=status_uri,
        since=since,
        until=until,
        service_name=list_name(info.service_name),
        service_type=ServiceType.from_uri(type_uri),
        service_type_uri=type_uri,
        certificate_types=tuple(types),
        qualifications=_rules(info.service_information_extensions),
        expired_certs_revocation_info=expired_info,
        taken_over_by=taken_over_by,
    )


def history_items(xml_service: Any) -> list[Any]:
    history = xml_service.service_history
    items = list(history.service_history_instance) if history else []
    return sorted(
        (i for i in items if i.status_starting_time is not None),
        key=lambda i: xml_time(i.status_starting_time) or _EPOCH,
        reverse=True,
    )


def read_service(
    xml_service: Any, problems: list[str]
) -> tuple[TrustService, tuple[x509.Certificate, ...]]:
    info = xml_service.service_information
    if info is None:
        raise TSPServiceParsingError("a service without ServiceInformation")
    name = list_name(info.service_name)
    identity, certs = _identity(info.service_digital_identity, problems, name)
    entries = [_entry(info, None)]
    newer = entries[0].since
    for item in history_items(xml_service):
        entry = _entry(item, newer)
        entries.append(entry)
        newer = entry.since
        for cert in _identity(item.service_digital_identity, problems, name)[1]:
            if cert not in certs:
                certs.append(cert)
    type_uri = (info.service_type_identifier.value if info.service_type_identifier else "").strip()
    return (
        TrustService(
            name=name,
            service_type=ServiceType.from_uri(type_uri),
            service_type_uri=type_uri,
            identity=identity,
            history=tuple(entries),
        ),
        tuple(certs),
    )
