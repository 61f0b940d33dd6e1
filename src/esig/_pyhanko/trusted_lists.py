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

Which status entries become service definitions is decided here, as DSS decides it
(``GrantedServiceFilter``): an entry that starts on or after 1 July 2016 counts when it
is *granted*; an entry that starts before counts when it is *undersupervision*,
*supervisionincessation* or *accredited* (Directive 1999/93/EC). pyHanko alone reads
granted entries only, so every pre-eIDAS period would come out not qualified. Each entry
is interpreted with pyHanko's own interpreter; an entry it cannot interpret is
remembered, so that a certificate it would judge is reported as not assessable rather
than silently not qualified.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]
from pyhanko.generated.etsi import ts_119612, ts_119612_extra, ts_119612_sie
from pyhanko.sign.ades import qualified_asn1
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.qualified import eutl_parse
from pyhanko.sign.validation.qualified.assess import QualificationAssessor
from pyhanko.sign.validation.qualified.q_status import (
    QcPrivateKeyManagementType,
    QualifiedStatus,
)
from pyhanko.sign.validation.qualified.tsp import (
    CA_QC_URI,
    QTST_URI,
    CAServiceInformation,
    CertSubjectDNCriterion,
    CriteriaCombination,
    CriteriaList,
    Criterion,
    PolicySetCriterion,
    QcCertType,
    QTSTServiceInformation,
    Qualification,
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
_ASI_QC_TYPES = {
    CertificateType.ESIG: QcCertType.QC_ESIGN,
    CertificateType.ESEAL: QcCertType.QC_ESEAL,
    CertificateType.WEB: QcCertType.QC_WEB,
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
_BOM = b"\xef\xbb\xbf"


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _IndexedService:
    """A service of a loaded list, with the certificates that identify it."""

    provider_name: str
    service: TrustService
    certificates: tuple[x509.Certificate, ...]
    unreadable: tuple[tuple[dt.datetime, str], ...] = ()
    """Status entries that count (granted …) but could not be interpreted: (since, why)."""

    def unreadable_at(self, moment: dt.datetime) -> str | None:
        """Why the entry that held at ``moment`` could not be interpreted, if it could not."""
        entry = self.service.status_at(moment)
        if entry is None:
            return None
        return dict(self.unreadable).get(entry.since)


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
    conflicting_services: tuple[str, ...] = ()
    """Service definitions that apply at the moment and give different answers."""
    problem: str | None = None
    issued: dt.datetime | None = None
    """The certificate's notBefore: the moment of issuance TS 119 615 also judges."""
    qualified_at_issuance: bool | None = None
    """The lists made the certificate qualified when it was issued (None: not asked)."""
    type_at_issuance: str | None = None
    """Its type then (``esig`` …), when it was qualified then."""


# --- reading ----------------------------------------------------------------------------------


def _clean(data: bytes) -> bytes:
    """The document without a leading byte order mark or whitespace before its prolog.

    Both occur in published lists; neither is part of the signed content (the signature
    covers the root element), so removing them changes no signature.
    """
    while True:
        stripped = data.lstrip(b" \t\r\n").removeprefix(_BOM)
        if stripped == data:
            return data
        data = stripped


def _safe_tree(data: bytes, source: str | None) -> Any:
    data = _clean(data)
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
        return _clean(data).decode("utf-8")
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


_UNSUPPORTED = (NotImplementedError, KeyError, UnsupportedAlgorithm)
"""What signxml raises for an algorithm or key it does not handle (not a bad signature)."""


def _without_key_value(text: str) -> str | None:
    """The list without ``ds:KeyValue`` in its signature's ``KeyInfo``, when that is safe.

    signxml cross-checks a ``KeyValue`` against the certificate and cannot do so for
    RSA-PSS (``NotImplementedError``) nor for brainpool curves (``KeyError``), although it
    verifies such signatures with the certificate's key. When the ``KeyInfo`` also holds
    the certificate and is not itself signed, the ``KeyValue`` is redundant: the signature
    is verified against the TLSO certificate either way.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError:
        return None
    key_info = root.find(f"{{{_DS_NS}}}Signature/{{{_DS_NS}}}KeyInfo")
    if key_info is None or key_info.find(f"{{{_DS_NS}}}X509Data") is None:
        return None
    values = key_info.findall(f"{{{_DS_NS}}}KeyValue")
    referenced = {r.get("URI") for r in root.iter(f"{{{_DS_NS}}}Reference")}
    if not values or (key_info.get("Id") and f"#{key_info.get('Id')}" in referenced):
        return None
    for value in values:
        key_info.remove(value)
    return str(etree.tostring(root, encoding="unicode"))


def _verify(
    text: str, candidates: Sequence[x509.Certificate]
) -> tuple[str | None, x509.Certificate | None, list[str], bool]:
    """The signed content and the certificate that verified it, or the errors.

    The last value says that every failure came from an algorithm or key signxml does
    not support, rather than from a signature that does not match.
    """
    errors: list[str] = []
    unsupported = bool(candidates)
    for cert in candidates:
        who = cert.subject.rfc4514_string()
        attempt: str | None = text
        while attempt is not None:
            try:
                signed = eutl_parse._validate_and_extract_tl_data(attempt, to_asn1(cert), None)
            except SignatureValidationError as exc:
                errors.append(f"{who}: {exc.failure_message}")
                unsupported = False
            except _UNSUPPORTED as exc:
                retry = _without_key_value(attempt) if attempt is text else None
                if retry is not None:
                    attempt = retry
                    continue
                errors.append(
                    f"{who}: the signature's algorithm or key type cannot be checked "
                    f"([{type(exc).__name__}] {exc})"
                )
            except Exception as exc:  # signxml, lxml and asn1crypto raise many kinds
                errors.append(f"{who}: [{type(exc).__name__}] {exc}")
                unsupported = False
            else:
                return signed, cert, errors, False
            attempt = None
    return None, None, errors, unsupported


def _signature(
    text: str, root: Any, candidates: Sequence[x509.Certificate]
) -> tuple[TrustedListSignature, str]:
    """Check the signature; return the finding and the content to parse."""
    count = len(root.findall(f".//{{{_DS_NS}}}Signature"))
    present = count > 0
    if count > 1:
        embedded = _embedded_certificate(root)
        reason = (
            f"the list carries {count} XML signatures; a trusted list has exactly one "
            "(ETSI TS 119 612 clause 5.7), and which one vouches for it cannot be told"
        )
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason=reason,
                signature_present=True,
                extra_signatures=count - 1,
                signer=embedded.subject.rfc4514_string() if embedded else None,
                signer_sha256=_fingerprint(embedded) if embedded else None,
            ),
            text,
        )
    if not present:
        reason = "the list carries no XML signature"
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED, reason=reason, signature_present=False
            ),
            text,
        )
    if candidates:
        signed, cert, errors, _ = _verify(text, candidates)
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
            checked = _verify(text, [embedded])
            integrity = None if checked[3] else checked[0] is not None
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
    signed, _, errors, unsupported = _verify(text, [embedded])
    who = embedded.subject.rfc4514_string()
    if signed is None and unsupported:
        return (
            TrustedListSignature(
                status=SignatureStatus.NOT_VERIFIED,
                reason="the signature uses an algorithm or key type that cannot be checked "
                f"(signxml): {'; '.join(errors)}",
                signature_present=True,
                signer=who,
                signer_sha256=_fingerprint(embedded),
            ),
            text,
        )
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
            unreadable: dict[dt.datetime, str] = {}
            found = list(_definitions(xml_service, service, certs, problems, unreadable))
            indexed.append(
                _IndexedService(provider_name, service, certs, tuple(unreadable.items()))
            )
            definitions.extend((definition, len(indexed) - 1) for definition in found)
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
        raise TrustedListError(
            "The trusted list has no SchemeInformation: it is empty or truncated, not a "
            "complete ETSI TS 119 612 list",
            path=source,
        )
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
        hint = (
            ""
            if certificates
            else " (checked against the EU LOTL signer certificates bundled with pyHanko; "
            "for an older or a non-EU LOTL give its signer certificates explicitly)"
        )
        raise TrustedListError(
            f"The list of trusted lists is refused: {tl.signature.reason}{hint}",
            path=source,
            signature=tl.signature,
            territory=tl.territory,
        )
    # pointers are read here rather than by pyHanko's parse_lotl_unsafe, which skips a
    # pointer whose MimeType or territory carries surrounding whitespace
    scheme = _parse(content, source).scheme_information
    listed = scheme.pointers_to_other_tsl if scheme is not None else None
    pointers: dict[str, list[x509.Certificate]] = {}
    problems = list(tl.problems)
    for pointer in listed.other_tslpointer if listed is not None else ():
        try:
            location, mime, territory, _ = eutl_parse._parse_tsl_info(pointer)
        except TSPServiceParsingError as exc:
            problems.append(f"a pointer cannot be read: {exc}")
            continue
        territory = (territory or "").strip().upper()
        if (mime or "").strip() != eutl_parse.ETSI_TSL_MIME_TYPE or not territory:
            continue  # the PDF edition of a list, or a pointer without a territory
        identities = pointer.service_digital_identities
        certs = pointers.setdefault(territory, [])
        for identity in identities.service_digital_identity if identities else ():
            for digital_id in identity.digital_id:
                if digital_id.x509_certificate:
                    read = _certificate(digital_id.x509_certificate)
                    if read is None:
                        problems.append(
                            f"a certificate of the pointer to {location} cannot be read"
                        )
                    else:
                        certs.append(read[0])
    tl = tl.model_copy(update={"pointers": tuple(sorted(pointers)), "problems": tuple(problems)})
    return tl, {k: tuple(v) for k, v in pointers.items()}


# --- converting pyHanko's xsdata objects into esig's models -----------------------------------


def _name(names: Any) -> str:
    if names is None or not names.name:
        return "unknown"
    for item in names.name:
        if (item.lang or "").lower().startswith("en") and (item.value or "").strip():
            return str(item.value).strip()
    for item in names.name:
        if (item.value or "").strip():
            return str(item.value).strip()
    return "unknown"


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
                expired_info = _when(content.value)
            elif isinstance(content, ts_119612_extra.TakenOverBy):
                taken_over_by = _name(content.tspname)
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
        taken_over_by=taken_over_by,
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
    for content in _qualification_contents(extensions):
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


def _definitions(
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
    items = [_as_history_instance(xml_service.service_information), *_history_items(xml_service)]
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


# --- registry and assessment ----------------------------------------------------------------


class _Authority(AuthorityWithCert):
    """An authority whose identity (normalised subject name + key) is computed once.

    pyHanko recomputes it (an LDAP string preparation of the name) on every hash: with
    one authority per service definition, that was most of the time taken to load a
    large list.
    """

    @cached_property
    def hashable(self) -> Any:
        """The authority's identity, as pyHanko's ``AuthorityWithCert`` defines it."""
        return super().hashable


def build_registry(lists: Sequence[LoadedList]) -> RegistryHandle:
    """One pyHanko registry over all the lists, remembering where each definition came from."""
    handle = RegistryHandle(TSPRegistry())
    authorities: dict[bytes, _Authority] = {}

    def register(table: Any, definition: QualifiedServiceInformation) -> None:
        for cert in definition.base_info.provider_certs:
            authority = authorities.setdefault(cert.sha256, _Authority(cert))
            table[authority].add(definition)

    for list_index, loaded in enumerate(lists):
        for service in loaded.services:
            handle.services.append((list_index, service))
        for definition, service_index in loaded.definitions:
            # what TSPRegistry.register_ca / register_tst do, with shared authorities
            if isinstance(definition, CAServiceInformation):
                register(handle.registry._ca_cert_to_si, definition)
            elif isinstance(definition, QTSTServiceInformation):
                register(handle.registry._tst_cert_to_si, definition)
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


@dataclass(frozen=True)
class _Judgement:
    """pyHanko's answer at one moment, with the service definitions behind it."""

    status: QualifiedStatus | None
    definition: QualifiedServiceInformation | None
    applicable: tuple[str, ...]
    conflicting: tuple[str, ...]


def _judge(handle: RegistryHandle, path: ValidationPath, when: dt.datetime) -> _Judgement:
    result = QualificationAssessor(handle.registry).check_entity_cert_qualified(path, when)
    if result.service_definition is not None:
        return _Judgement(result.status, result.service_definition, (), ())
    applicable = list(handle.registry.applicable_tsps_on_path(path, when))
    names = tuple(sd.base_info.service_name for sd in applicable)
    # pyHanko answers "not qualified" both when no definition applies to a certificate
    # of this type and when several apply and contradict each other; DSS reports the
    # latter as not determinable (IsNoQualificationConflictDetectedCheck): tell them apart
    leaf = path.leaf
    prelim = QualificationAssessor._process_qc_statements(leaf)
    outcomes: dict[Any, list[str]] = {}
    for sd in applicable:
        putative = QualificationAssessor._apply_sd_qualifications(leaf, prelim, sd.qualifications)
        if QualificationAssessor._check_cd_applicable(sd.base_info, putative):
            outcomes.setdefault(putative, []).append(sd.base_info.service_name)
    conflicting = (
        tuple(n for group in outcomes.values() for n in group) if len(outcomes) > 1 else ()
    )
    return _Judgement(None, None, names, conflicting)


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
    for list_index, service, _listed in issuers:
        why = service.unreadable_at(moment)
        if why is not None:
            return RawAssessment(
                match=_pick(issuers, moment, (list_index, service)),
                problem=f"the list's entry for the service at that moment cannot be "
                f"interpreted ({why})",
            )
    issued = chain[0].not_valid_before_utc
    try:
        leaf = to_asn1(chain[0])
        anchor = TrustAnchor(AuthorityWithCert(to_asn1(issuers[0][2])))
        intermediates = [to_asn1(c) for c in reversed(chain[1 : depth + 1])]
        path = ValidationPath(anchor, intermediates, leaf)
        judged = _judge(handle, path, moment)
        at_issuance = _judge(handle, path, issued)
        claims = _claims(leaf)
    except (NotImplementedError, ValueError, TypeError, KeyError) as exc:
        return RawAssessment(
            match=_pick(issuers, moment, None),
            problem=f"the certificate's qcStatements cannot be assessed ({exc})",
        )
    then = at_issuance.status
    base = RawAssessment(
        issued=issued,
        qualified_at_issuance=bool(then and then.qualified),
        type_at_issuance=_QC_TYPES.get(then.qc_type, "esig") if then and then.qualified else None,
    )
    definition = judged.definition
    if definition is None or judged.status is None:
        return replace(
            base,
            match=_pick(issuers, moment, None),
            applicable_services=judged.applicable,
            conflicting_services=judged.conflicting,
        )
    origin = handle.origins.get(id(definition))
    qualifiers = sorted(
        {
            q.value
            for qualification in definition.qualifications
            if qualification.criteria_list.matches(leaf)
            for q in qualification.qualifiers
        }
    )
    status = judged.status
    return replace(
        base,
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
