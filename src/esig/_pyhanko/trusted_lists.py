"""Trusted lists through pyHanko's EU trusted-list code: verify, read, register, assess.

pyHanko (``pyhanko.sign.validation.qualified``) verifies a list's XAdES signature with
signxml, parses TS 119 612 XML into its generated xsdata classes, turns the qualified
services into a ``TSPRegistry`` and judges a certificate with ``QualificationAssessor``.
This module calls that code and hands back esig's models and plain data.

Some of the functions used are private in pyHanko 0.38 (``_raw_tl_parse``,
``_validate_and_extract_tl_data``, ``_interpret_service_info_for_tsps``,
``_get_qualifications`` …): the public entry points do the same work but do not say
which certificate verified a list, nor which service a definition came from. Two
corrections are applied to what pyHanko's reader produces, both with pyHanko's own
parsing functions:

* a history entry whose digital identity holds only ``X509SKI`` / ``X509SubjectName``
  (as in every real list) gets the service's certificate with that key, so that pyHanko
  can match it — otherwise a service withdrawn after the signing time would not count;
* a service with several ``Qualifications`` extensions gets the union of their
  qualifications — pyHanko keeps only the last one (the Belgian list splits them).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]
from pyhanko.generated.etsi import ServiceTypeIdentifier, ts_119612, ts_119612_extra, ts_119612_sie
from pyhanko.sign.ades import qualified_asn1
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.qualified import eutl_parse
from pyhanko.sign.validation.qualified.assess import QualificationAssessor
from pyhanko.sign.validation.qualified.q_status import QcPrivateKeyManagementType
from pyhanko.sign.validation.qualified.tsp import (
    CA_QC_URI,
    QTST_URI,
    CAServiceInformation,
    QcCertType,
    QTSTServiceInformation,
    QualifiedServiceInformation,
    TSPRegistry,
    TSPServiceParsingError,
)
from pyhanko_certvalidator.authority import AuthorityWithCert, TrustAnchor
from pyhanko_certvalidator.path import ValidationPath

from esig._pyhanko.signer import from_asn1, to_asn1
from esig.trust.trusted_lists import (
    CertificateType,
    QualificationRule,
    Qualifier,
    ServiceCertificate,
    ServiceIdentity,
    ServiceType,
    SignatureStatus,
    StatusEntry,
    TrustedList,
    TrustedListError,
    TrustedListSignature,
    TrustService,
    TrustServiceProvider,
    TrustServiceStatus,
)

__all__ = [
    "LoadedList",
    "RawAssessment",
    "RegistryHandle",
    "ServiceMatch",
    "Verdict",
    "assess",
    "build_registry",
    "is_list_of_lists",
    "load_list",
    "load_lotl",
    "peek_territory",
]

_TSL_NS = "http://uri.etsi.org/02231/v2#"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_DS_NS = "http://www.w3.org/2000/09/xmldsig#"
_ASI_TYPES = {
    "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures": CertificateType.ESIG,
    "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals": CertificateType.ESEAL,
    "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForWebSiteAuthentication": (
        CertificateType.WEB
    ),
}
_QC_TYPES = {
    QcCertType.QC_ESIGN: "esig",
    QcCertType.QC_ESEAL: "eseal",
    QcCertType.QC_WEB: "web",
}
_KEY_MANAGEMENT = {
    QcPrivateKeyManagementType.UNKNOWN: "none",
    QcPrivateKeyManagementType.QSCD: "qscd",
    QcPrivateKeyManagementType.QSCD_DELEGATED: "qscd_delegated",
    QcPrivateKeyManagementType.QSCD_BY_POLICY: "qscd_by_policy",
}
_STATEMENT_NAMES = {
    "qc_compliance": "QcCompliance",
    "qc_sscd": "QcSSCD",
    "qc_type": "QcType",
}
_INTERPRETERS = {
    CA_QC_URI: eutl_parse._interpret_historical_service_info_for_ca,
    QTST_URI: eutl_parse._interpret_historical_service_info_for_qtst,
}


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _IndexedService:
    """A service of a loaded list, with the certificates that identify it."""

    provider_name: str
    service: TrustService
    certificates: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class LoadedList:
    """A list as read and authenticated, with its qualified service definitions."""

    trusted_list: TrustedList
    services: tuple[_IndexedService, ...] = ()
    definitions: tuple[tuple[QualifiedServiceInformation, int], ...] = ()
    """pyHanko's service definitions, each with the index of its service in ``services``."""


@dataclass
class RegistryHandle:
    """pyHanko's registry over several lists, and where each definition came from."""

    registry: TSPRegistry
    services: list[tuple[int, _IndexedService]] = field(default_factory=list)
    origins: dict[int, tuple[int, _IndexedService]] = field(default_factory=dict)
    """``id(definition)`` → (list index, service)."""
    keep: list[QualifiedServiceInformation] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceMatch:
    """The listed service that issued the certificate (or a CA above it)."""

    list_index: int
    provider_name: str
    service_name: str
    status_at_moment: StatusEntry | None


@dataclass(frozen=True)
class Verdict:
    """pyHanko's QualificationAssessor's answer, as plain data."""

    qualified: bool
    certificate_type: str
    """``esig``, ``eseal`` or ``web``."""
    key_management: str
    """``none``, ``qscd``, ``qscd_delegated`` or ``qscd_by_policy``."""
    service_name: str
    qualifiers: tuple[str, ...]
    certificate_claims: tuple[str, ...]


@dataclass(frozen=True)
class RawAssessment:
    """What the lists say about one certificate at one moment."""

    match: ServiceMatch | None = None
    verdict: Verdict | None = None
    applicable_services: tuple[str, ...] = ()
    """Service definitions valid at the moment when pyHanko found no consistent one."""
    problem: str | None = None


# --- reading ----------------------------------------------------------------------------------


def _safe_tree(data: bytes, source: str | None) -> Any:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise TrustedListError(
            f"The trusted list is not well-formed XML: {exc}", path=source
        ) from None
    if root.tag != f"{{{_TSL_NS}}}TrustServiceStatusList":
        raise TrustedListError(
            "The file is not an ETSI TS 119 612 trusted list "
            f"(its root element is {etree.QName(root).localname})",
            path=source,
        )
    return root


def _text(data: bytes, source: str | None) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TrustedListError("The trusted list is not UTF-8 text", path=source) from None


def peek_territory(data: bytes, *, source: str | None = None) -> str:
    """The list's ``SchemeTerritory`` (read without checking the signature), or ``""``."""
    root = _safe_tree(data, source)
    found = root.findtext(f"{{{_TSL_NS}}}SchemeInformation/{{{_TSL_NS}}}SchemeTerritory")
    return (found or "").strip()


def is_list_of_lists(data: bytes, *, source: str | None = None) -> bool:
    """The file is a list of trusted lists (its TSLType says so)."""
    root = _safe_tree(data, source)
    kind = root.findtext(f"{{{_TSL_NS}}}SchemeInformation/{{{_TSL_NS}}}TSLType") or ""
    return kind.strip().endswith("listofthelists")


def _embedded_certificate(root: Any) -> x509.Certificate | None:
    steps = ("Signature", "KeyInfo", "X509Data", "X509Certificate")
    found = root.find("/".join(f"{{{_DS_NS}}}{step}" for step in steps))
    if found is None or not (found.text or "").strip():
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(found.text.split())))
    except ValueError:
        return None


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def _verify(
    text: str, candidates: Sequence[x509.Certificate]
) -> tuple[str | None, x509.Certificate | None, list[str]]:
    """The signed content and the certificate that verified it, or the errors."""
    errors: list[str] = []
    for cert in candidates:
        try:
            signed = eutl_parse._validate_and_extract_tl_data(text, to_asn1(cert), None)
        except SignatureValidationError as exc:
            errors.append(f"{cert.subject.rfc4514_string()}: {exc.failure_message}")
            continue
        except Exception as exc:  # signxml, lxml and asn1crypto raise many kinds
            errors.append(f"{cert.subject.rfc4514_string()}: [{type(exc).__name__}] {exc}")
            continue
        return signed, cert, errors
    return None, None, errors


def _signature(
    text: str, root: Any, candidates: Sequence[x509.Certificate]
) -> tuple[TrustedListSignature, str]:
    """Check the signature; return the finding and the content to parse."""
    present = root.find(f"{{{_DS_NS}}}Signature") is not None
    if not present:
        reason = "the list carries no XML signature"
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED, reason=reason, signature_present=False
            ),
            text,
        )
    if candidates:
        signed, cert, errors = _verify(text, candidates)
        if signed is not None and cert is not None:
            return (
                TrustedListSignature(
                    status=SignatureStatus.VERIFIED,
                    signature_present=True,
                    integrity=True,
                    signer=cert.subject.rfc4514_string(),
                    signer_sha256=_fingerprint(cert),
                ),
                signed,
            )
        embedded = _embedded_certificate(root)
        integrity = None
        if embedded is not None:
            integrity = _verify(text, [embedded])[0] is not None
        reason = "; ".join(errors) or "no TLSO certificate could be tried"
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason=f"its signature does not verify with any of the TLSO certificates "
                f"given: {reason}",
                signature_present=True,
                integrity=integrity,
                signer=embedded.subject.rfc4514_string() if embedded else None,
                signer_sha256=_fingerprint(embedded) if embedded else None,
            ),
            text,
        )
    embedded = _embedded_certificate(root)
    if embedded is None:
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason="no TLSO certificate was given and the signature embeds none",
                signature_present=True,
            ),
            text,
        )
    signed, _, errors = _verify(text, [embedded])
    who = embedded.subject.rfc4514_string()
    if signed is None:
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason="the signature does not verify even with the certificate embedded "
                f"in the list, so the list was changed after signing: {'; '.join(errors)}",
                signature_present=True,
                integrity=False,
                signer=who,
                signer_sha256=_fingerprint(embedded),
            ),
            text,
        )
    return (
        TrustedListSignature(
            status=SignatureStatus.NOT_CHECKED,
            reason="no TLSO certificate was given, so who signed the list is not "
            "established; the signature matches the certificate embedded in the list, "
            "which shows its integrity only",
            signature_present=True,
            integrity=True,
            signer=who,
            signer_sha256=_fingerprint(embedded),
        ),
        signed,
    )


def _parse(text: str, source: str | None) -> Any:
    try:
        return eutl_parse._raw_tl_parse(text)
    except Exception as exc:  # xsdata raises parser-specific errors
        raise TrustedListError(
            f"The trusted list cannot be parsed: [{type(exc).__name__}] {exc}", path=source
        ) from None


def load_list(
    data: bytes, *, source: str | None = None, candidates: Sequence[x509.Certificate] = ()
) -> LoadedList:
    """Verify, parse and interpret one trusted list; never refuses it for its signature."""
    return _load(data, source, candidates)[0]


def _load(
    data: bytes, source: str | None, candidates: Sequence[x509.Certificate]
) -> tuple[LoadedList, str]:
    root = _safe_tree(data, source)
    text = _text(data, source)
    signature, content = _signature(text, root, candidates)
    parsed = _parse(content, source)
    problems: list[str] = []
    providers: list[TrustServiceProvider] = []
    indexed: list[_IndexedService] = []
    definitions: list[tuple[QualifiedServiceInformation, int]] = []
    tsp_list = parsed.trust_service_provider_list
    for tsp in tsp_list.trust_service_provider if tsp_list else ():
        provider_name = _name(tsp.tspinformation.tspname if tsp.tspinformation else None)
        services: list[TrustService] = []
        for xml_service in tsp.tspservices.tspservice if tsp.tspservices else ():
            try:
                service, certs = _service(xml_service, problems)
            except (TSPServiceParsingError, ValueError, AttributeError, TypeError) as exc:
                problems.append(f"a service of {provider_name} cannot be read: {exc}")
                continue
            services.append(service)
            entry = _IndexedService(provider_name, service, certs)
            indexed.append(entry)
            for definition in _definitions(xml_service, service, certs, problems):
                definitions.append((definition, len(indexed) - 1))
        trade = tsp.tspinformation.tsptrade_name if tsp.tspinformation else None
        providers.append(
            TrustServiceProvider(
                name=provider_name,
                trade_names=tuple(n.value for n in trade.name) if trade else (),
                services=tuple(services),
            )
        )
    scheme = parsed.scheme_information
    if scheme is None:
        raise TrustedListError("The trusted list has no SchemeInformation", path=source)
    trusted_list = TrustedList(
        source=source,
        territory=scheme.scheme_territory.value if scheme.scheme_territory else "",
        sequence_number=scheme.tslsequence_number or 0,
        version=scheme.tslversion_identifier or 0,
        list_type=scheme.tsltype.value if scheme.tsltype else "",
        operator=_name(scheme.scheme_operator_name),
        issued=_when(scheme.list_issue_date_time) or dt.datetime.min.replace(tzinfo=dt.UTC),
        next_update=_when(scheme.next_update.date_time if scheme.next_update else None),
        signature=signature,
        providers=tuple(providers),
        problems=tuple(problems),
    )
    return LoadedList(trusted_list, tuple(indexed), tuple(definitions)), content


def load_lotl(
    data: bytes,
    *,
    source: str | None = None,
    certificates: Sequence[x509.Certificate] | None = None,
    refuse: bool = True,
) -> tuple[TrustedList, dict[str, tuple[x509.Certificate, ...]]]:
    """Verify and read a list of trusted lists; return it and the TLSO certificates by territory.

    Without ``certificates``, the LOTL is checked against the EU LOTL signer
    certificates bundled with pyHanko. With ``refuse`` (the default) a LOTL that does not
    verify raises :class:`TrustedListError`.
    """
    candidates = list(certificates or ())
    if not candidates:
        candidates = [from_asn1(c) for c in eutl_parse.latest_known_lotl_tlso_certs()]
    loaded, content = _load(data, source, candidates)
    tl = loaded.trusted_list
    if refuse and tl.signature.status is not SignatureStatus.VERIFIED:
        raise TrustedListError(
            f"The list of trusted lists is refused: {tl.signature.reason}",
            path=source,
            signature=tl.signature,
            territory=tl.territory,
        )
    try:
        parsed = eutl_parse.parse_lotl_unsafe(content)
    except (TSPServiceParsingError, ValueError, AttributeError) as exc:
        raise TrustedListError(
            f"The list of trusted lists cannot be read: {exc}", path=source
        ) from None
    pointers: dict[str, list[x509.Certificate]] = {}
    problems = list(tl.problems) + [str(e) for e in parsed.errors]
    for ref in parsed.references:
        certs = pointers.setdefault(ref.territory.upper(), [])
        certs.extend(from_asn1(c) for c in ref.tlso_certs)
    tl = tl.model_copy(update={"pointers": tuple(sorted(pointers)), "problems": tuple(problems)})
    return tl, {k: tuple(v) for k, v in pointers.items()}


# --- converting pyHanko's xsdata objects into esig's models -----------------------------------


def _name(names: Any) -> str:
    if names is None or not names.name:
        return "unknown"
    for item in names.name:
        if item.lang == "en":
            return str(item.value)
    return str(names.name[0].value)


def _when(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return _aware(value.to_datetime())


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _certificate(der: bytes) -> tuple[x509.Certificate, ServiceCertificate] | None:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    try:
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()
    except (x509.ExtensionNotFound, ValueError):
        ski = None
    return cert, ServiceCertificate(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sha256=hashlib.sha256(der).hexdigest(),
        key_identifier=ski,
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
            read = _certificate(digital_id.x509_certificate)
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


def _qualification_contents(extensions: Any) -> Iterator[Any]:
    for ext in extensions.extension if extensions else ():
        for content in ext.content:
            if isinstance(content, ts_119612_sie.Qualifications):
                yield content


def _rules(extensions: Any) -> tuple[QualificationRule, ...]:
    rules: list[QualificationRule] = []
    for content in _qualification_contents(extensions):
        for element in content.qualification_element:
            known: list[Qualifier] = []
            unknown: list[str] = []
            for q in element.qualifiers.qualifier if element.qualifiers else ():
                name = Qualifier.from_uri(q.uri or "")
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
    status_uri = info.service_status.value if info.service_status else ""
    type_uri = info.service_type_identifier.value if info.service_type_identifier else ""
    types: list[CertificateType] = []
    expired_info = None
    for ext in (
        info.service_information_extensions.extension
        if (info.service_information_extensions)
        else ()
    ):
        for content in ext.content:
            if isinstance(content, ts_119612.AdditionalServiceInformation) and content.uri:
                kind = _ASI_TYPES.get(content.uri.value)
                if kind is not None:
                    types.append(kind)
            elif isinstance(content, ts_119612.ExpiredCertsRevocationInfo):
                expired_info = _when(content.value)
    since = _when(info.status_starting_time)
    if since is None:
        raise TSPServiceParsingError("a status without StatusStartingTime")
    return StatusEntry(
        status=TrustServiceStatus.from_uri(status_uri),
        status_uri=status_uri,
        since=since,
        until=until,
        service_name=_name(info.service_name),
        service_type=ServiceType.from_uri(type_uri),
        service_type_uri=type_uri,
        certificate_types=tuple(types),
        qualifications=_rules(info.service_information_extensions),
        expired_certs_revocation_info=expired_info,
    )


def _history_items(xml_service: Any) -> list[Any]:
    history = xml_service.service_history
    items = list(history.service_history_instance) if history else []
    return sorted(
        (i for i in items if i.status_starting_time is not None),
        key=lambda i: _when(i.status_starting_time) or _EPOCH,
        reverse=True,
    )


def _service(
    xml_service: Any, problems: list[str]
) -> tuple[TrustService, tuple[x509.Certificate, ...]]:
    info = xml_service.service_information
    if info is None:
        raise TSPServiceParsingError("a service without ServiceInformation")
    name = _name(info.service_name)
    identity, certs = _identity(info.service_digital_identity, problems, name)
    entries = [_entry(info, None)]
    newer = entries[0].since
    for item in _history_items(xml_service):
        entry = _entry(item, newer)
        entries.append(entry)
        newer = entry.since
        for cert in _identity(item.service_digital_identity, problems, name)[1]:
            if cert not in certs:
                certs.append(cert)
    type_uri = info.service_type_identifier.value if info.service_type_identifier else ""
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


def _ski(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, ValueError):
        return None


def _definitions(
    xml_service: Any,
    service: TrustService,
    certs: tuple[x509.Certificate, ...],
    problems: list[str],
) -> Iterator[QualifiedServiceInformation]:
    """The service definitions pyHanko reads from one service, corrected (see above)."""
    info = xml_service.service_information
    type_uri = info.service_type_identifier.value if info.service_type_identifier else ""
    interpreter = _INTERPRETERS.get(type_uri)
    if interpreter is None:
        return
    by_start = {_when(info.status_starting_time): info}
    for item in _history_items(xml_service):
        by_start.setdefault(_when(item.status_starting_time), item)
    found = eutl_parse._interpret_service_info_for_tsps(
        [xml_service], ServiceTypeIdentifier(type_uri), interpreter
    )
    while True:
        try:
            definition = next(found)
        except StopIteration as stop:
            problems.extend(f"service {service.name!r}: {e}" for e in stop.value or ())
            return
        source = by_start.get(_aware(definition.base_info.valid_from))
        if source is not None:
            definition = _corrected(definition, source, certs, problems, service.name)
        yield definition


def _corrected(
    definition: QualifiedServiceInformation,
    source: Any,
    certs: tuple[x509.Certificate, ...],
    problems: list[str],
    service_name: str,
) -> QualifiedServiceInformation:
    contents = list(_qualification_contents(source.service_information_extensions))
    if len(contents) > 1:
        merged: set[Any] = set()
        try:
            for content in contents:
                merged.update(eutl_parse._get_qualifications(content))
        except TSPServiceParsingError as exc:
            problems.append(f"service {service_name!r}: {exc}")
        else:
            definition = replace(definition, qualifications=frozenset(merged))
    if not definition.base_info.provider_certs and certs:
        sdi = source.service_digital_identity
        skis = {d.x509_ski for d in (sdi.digital_id if sdi else ()) if d.x509_ski}
        chosen = [c for c in certs if not skis or _ski(c) in skis]
        if chosen:
            base = replace(definition.base_info, provider_certs=tuple(to_asn1(c) for c in chosen))
            definition = replace(definition, base_info=base)
    return definition


# --- registry and assessment ----------------------------------------------------------------


def build_registry(lists: Sequence[LoadedList]) -> RegistryHandle:
    """One pyHanko registry over all the lists, remembering where each definition came from."""
    handle = RegistryHandle(TSPRegistry())
    for list_index, loaded in enumerate(lists):
        for service in loaded.services:
            handle.services.append((list_index, service))
        for definition, service_index in loaded.definitions:
            if isinstance(definition, CAServiceInformation):
                handle.registry.register_ca(definition)
            elif isinstance(definition, QTSTServiceInformation):
                handle.registry.register_tst(definition)
            handle.keep.append(definition)
            handle.origins[id(definition)] = (list_index, loaded.services[service_index])
    return handle


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _listed_issuers(
    handle: RegistryHandle, cert: x509.Certificate
) -> list[tuple[int, _IndexedService, x509.Certificate]]:
    found = []
    for list_index, service in handle.services:
        for candidate in service.certificates:
            if candidate.subject == cert.issuer and _issued_by(cert, candidate):
                found.append((list_index, service, candidate))
    return found


def _claims(cert: asn1_x509.Certificate) -> tuple[str, ...]:
    claims = []
    for statement in qualified_asn1.get_qc_statements(cert):
        kind = statement["statement_id"].native
        if kind == "qc_type":
            types = "/".join(
                str(t.native).removeprefix("qct_") for t in statement["statement_info"]
            )
            claims.append(f"QcType {types}")
        elif kind in _STATEMENT_NAMES:
            claims.append(_STATEMENT_NAMES[kind])
    return tuple(claims)


_NEVER = StatusEntry(
    status=TrustServiceStatus.OTHER,
    status_uri="",
    since=dt.datetime.min.replace(tzinfo=dt.UTC),
    service_name="",
    service_type=ServiceType.OTHER,
    service_type_uri="",
)


def _pick(
    issuers: list[tuple[int, _IndexedService, x509.Certificate]],
    moment: dt.datetime,
    chosen: tuple[int, _IndexedService] | None,
) -> ServiceMatch:
    def status(service: _IndexedService) -> StatusEntry | None:
        return service.service.status_at(moment)

    ranked = sorted(
        issuers,
        key=lambda item: (
            chosen is None or chosen[1] is not item[1],
            (status(item[1]) or _NEVER).status is not TrustServiceStatus.GRANTED,
            status(item[1]) is None,
        ),
    )
    list_index, service, _ = ranked[0]
    return ServiceMatch(
        list_index=list_index,
        provider_name=service.provider_name,
        service_name=(status(service) or service.service.current).service_name,
        status_at_moment=status(service),
    )


def assess(
    handle: RegistryHandle, chain: Sequence[x509.Certificate], moment: dt.datetime
) -> RawAssessment:
    """Find the listed service above ``chain[0]`` and ask pyHanko's assessor about it."""
    issuers: list[tuple[int, _IndexedService, x509.Certificate]] = []
    depth = 0
    for depth, cert in enumerate(chain):
        issuers = _listed_issuers(handle, cert)
        if issuers:
            break
        if depth + 1 < len(chain) and not _issued_by(cert, chain[depth + 1]):
            return RawAssessment(
                problem=f"certificate {depth + 1} of the chain is not signed by the next one"
            )
    if not issuers:
        return RawAssessment()
    try:
        leaf = to_asn1(chain[0])
        anchor = TrustAnchor(AuthorityWithCert(to_asn1(issuers[0][2])))
        intermediates = [to_asn1(c) for c in reversed(chain[1 : depth + 1])]
        path = ValidationPath(anchor, intermediates, leaf)
        result = QualificationAssessor(handle.registry).check_entity_cert_qualified(path, moment)
        claims = _claims(leaf)
    except (NotImplementedError, ValueError, TypeError, KeyError) as exc:
        return RawAssessment(
            match=_pick(issuers, moment, None),
            problem=f"the certificate's qcStatements cannot be assessed ({exc})",
        )
    definition = result.service_definition
    if definition is None:
        applicable = tuple(
            sd.base_info.service_name
            for sd in handle.registry.applicable_tsps_on_path(path, moment)
        )
        return RawAssessment(match=_pick(issuers, moment, None), applicable_services=applicable)
    origin = handle.origins.get(id(definition))
    qualifiers = sorted(
        {
            q.value
            for qualification in definition.qualifications
            if qualification.criteria_list.matches(leaf)
            for q in qualification.qualifiers
        }
    )
    status = result.status
    return RawAssessment(
        match=_pick(issuers, moment, origin),
        verdict=Verdict(
            qualified=status.qualified,
            certificate_type=_QC_TYPES.get(status.qc_type, "esig"),
            key_management=_KEY_MANAGEMENT.get(status.qc_key_security, "none"),
            service_name=definition.base_info.service_name,
            qualifiers=tuple(qualifiers),
            certificate_claims=claims,
        ),
    )
