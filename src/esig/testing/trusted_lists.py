"""Build and sign ETSI TS 119 612 trusted lists for tests.

Real trusted lists cannot be made to say what a test needs (a service withdrawn
yesterday, a ``QCNoQSCD`` override …), so tests build their own and sign them with a
test key, as a scheme operator signs a real list: an enveloped XAdES signature made with
signxml. The XML is written with lxml element by element, independently of the pyHanko
code that reads it, so the reader is tested against a second implementation.

A minimal example::

    pki = TestPKI()
    tlso = make_tlso()
    service = ServiceSpec(
        name="Test Qualified CA",
        certificate=pki.intermediate.certificate,
        history=(StatusSpec(TrustServiceStatus.GRANTED, since=granted_at),),
    )
    xml = build_trusted_list([ProviderSpec("esig Test Trust Services", (service,))])
    signed = sign_trusted_list(xml, tlso)

History entries carry only ``X509SKI`` and ``X509SubjectName``, as real lists do.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID, ObjectIdentifier
from lxml import etree  # type: ignore[import-untyped]
from lxml.builder import ElementMaker  # type: ignore[import-untyped]
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.xades.xades import XAdESSigner

from esig.issuance import IssuedCertificate, KeyType
from esig.trust.trusted_lists import (
    CertificateType,
    CriteriaAssertion,
    Qualifier,
    ServiceType,
    TrustServiceStatus,
)

__all__ = [
    "TSL_SIGNING",
    "ListPointer",
    "ListType",
    "ProviderSpec",
    "QualificationSpec",
    "ServiceSpec",
    "StatusSpec",
    "build_list_of_lists",
    "build_trusted_list",
    "make_tlso",
    "sign_trusted_list",
    "tamper_trusted_list",
]

TSL_SIGNING = ObjectIdentifier("0.4.0.2231.3.0")
"""id-tsl-kp-tslSigning: the extended key usage of a TLSO certificate (TS 119 612 B.1)."""

_TSL = "http://uri.etsi.org/02231/v2#"
_SIE = "http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#"
_ADD = "http://uri.etsi.org/02231/v2/additionaltypes#"
_XADES = "http://uri.etsi.org/01903/v1.3.2#"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_TL = "http://uri.etsi.org/TrstSvc/TrustedList"
_MIME_TSL = "application/vnd.etsi.tsl+xml"
_ASI = {
    CertificateType.ESIG: f"{_TL}/SvcInfoExt/ForeSignatures",
    CertificateType.ESEAL: f"{_TL}/SvcInfoExt/ForeSeals",
    CertificateType.WEB: f"{_TL}/SvcInfoExt/ForWebSiteAuthentication",
}

T = ElementMaker(namespace=_TSL, nsmap={"tsl": _TSL})
S = ElementMaker(namespace=_SIE, nsmap={"tslx": _SIE})
X = ElementMaker(namespace=_XADES, nsmap={"xades": _XADES})
A = ElementMaker(namespace=_ADD, nsmap={"tsladd": _ADD})
_MRA = "http://ec.europa.eu/tools/lotl/mra/schema/v2#"
M = ElementMaker(namespace=_MRA, nsmap={"mra": _MRA})


class ListType(StrEnum):
    """``TSLType`` values (TS 119 612 clause 5.3.3)."""

    EU_GENERIC = f"{_TL}/TSLType/EUgeneric"
    """A member state's trusted list."""
    EU_LIST_OF_THE_LISTS = f"{_TL}/TSLType/EUlistofthelists"
    """The EU list of trusted lists."""


@dataclass(frozen=True)
class QualificationSpec:
    """One ``QualificationElement``: qualifiers for the certificates matching the criteria."""

    qualifiers: tuple[Qualifier, ...]
    policies: tuple[ObjectIdentifier, ...]
    """Certificate policies, each its own ``PolicySet`` (a certificate must have it)."""
    assertion: CriteriaAssertion = CriteriaAssertion.AT_LEAST_ONE
    """How the criteria (policy sets, key usage, nested lists) combine."""
    key_usage: tuple[tuple[str, bool], ...] = ()
    """One ``KeyUsage`` criterion: TS 119 612 bit names (``nonRepudiation`` …), each
    required set (True) or required not set (False). Empty: no key usage criterion."""
    nested: tuple[QualificationSpec, ...] = ()
    """Nested ``CriteriaList`` elements (only their criteria and assertion are used)."""
    subject_attributes: tuple[ObjectIdentifier, ...] = ()
    """A ``CertSubjectDNAttribute`` criterion: the subject name has all these attributes."""
    extended_key_usage: tuple[ObjectIdentifier, ...] = ()
    """An ``ExtendedKeyUsage`` criterion: the certificate has all these key purposes."""
    unknown_criterion: bool = False
    """Add a criterion no reader knows to the ``otherCriteriaList``."""
    qc_statements: tuple[tuple[str, str | None, str | None], ...] = ()
    """A ``QcStatementSet`` criterion: each (statement OID, QcType OID or None,
    QcCClegislation country or None) must be in the certificate."""


@dataclass(frozen=True)
class StatusSpec:
    """A status of a service from a moment on (the latest one is the current status)."""

    status: TrustServiceStatus
    since: dt.datetime
    qualifications: tuple[QualificationSpec, ...] = ()
    certificate_types: tuple[CertificateType, ...] = (CertificateType.ESIG,)
    """Written as ``AdditionalServiceInformation`` (``ForeSignatures`` …)."""
    split_qualifications: bool = False
    """Write each qualification in its own ``Qualifications`` extension (as Belgium does)."""
    taken_over_by: str | None = None
    """A provider name for a ``TakenOverBy`` extension, marked critical as Slovakia does."""
    unknown_critical_extension: bool = False
    """Add a critical extension no reader understands (the entry must then be ignored)."""


@dataclass(frozen=True)
class ServiceSpec:
    """A trust service: its certificate and its status history."""

    name: str
    certificate: x509.Certificate
    history: tuple[StatusSpec, ...]
    service_type: ServiceType = ServiceType.CA_QC
    additional_certificates: tuple[x509.Certificate, ...] = ()
    """More certificates in the current digital identity (a renewed CA key …)."""

    def __post_init__(self) -> None:
        if not self.history:
            raise ValueError("a service needs at least one status")
        if self.service_type is ServiceType.OTHER:
            raise ValueError("give a named service type")


@dataclass(frozen=True)
class ProviderSpec:
    """A trust service provider and its services."""

    name: str
    services: tuple[ServiceSpec, ...]
    trade_name: str | None = None
    other_names: tuple[tuple[str, str], ...] = ()
    """(language, name) pairs written *before* the name in the list's language."""


@dataclass(frozen=True)
class ListPointer:
    """A LOTL's pointer to a trusted list and the certificates that may sign it."""

    territory: str
    location: str
    certificates: tuple[x509.Certificate, ...]
    list_type: ListType = ListType.EU_GENERIC
    operator: str = "Test Scheme Operator"
    rules: tuple[str, ...] = field(default=(f"{_TL}/schemerules/EUcommon",))


def make_tlso(
    name: str = "esig Test Trusted List Scheme Operator",
    *,
    territory: str = "BQ",
    now: dt.datetime | None = None,
    years: int = 3,
    key_type: KeyType = KeyType.EC_P256,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
) -> IssuedCertificate:
    """A self-signed certificate and key for a trusted list scheme operator (TLSO).

    Key usage digitalSignature + nonRepudiation and the extended key usage
    id-tsl-kp-tslSigning, as TS 119 612 annex B asks. ``key`` overrides ``key_type``
    (e.g. a brainpool key, as the German lists use).
    """
    key = key or key_type.generate()
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=1)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, territory),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([TSL_SIGNING]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return IssuedCertificate(cert, key, ())


def build_trusted_list(
    providers: Sequence[ProviderSpec],
    *,
    territory: str = "BQ",
    sequence_number: int = 1,
    issued: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
    operator: str = "Test Scheme Operator",
    version: int = 5,
    language: str = "en",
) -> bytes:
    """An unsigned TS 119 612 trusted list with these providers, as UTF-8 XML.

    ``issued`` defaults to now, ``next_update`` to six months after ``issued`` (put it
    in the past for an expired list). ``version`` is the ``TSLVersionIdentifier`` (5 or
    6); ``language`` the ``xml:lang`` of every name (real lists write ``en``, ``EN`` …).
    """
    issued = issued or dt.datetime.now(dt.UTC)
    next_update = next_update or issued + dt.timedelta(days=182)
    scheme = _scheme(
        territory=territory,
        sequence_number=sequence_number,
        issued=issued,
        next_update=next_update,
        operator=operator,
        list_type=ListType.EU_GENERIC,
        rules=(f"{_TL}/schemerules/EUcommon", f"{_TL}/schemerules/{territory}"),
        pointers=None,
        version=version,
    )
    tsp_list = T.TrustServiceProviderList(*[_provider(p, territory) for p in providers])
    root = T.TrustServiceStatusList(
        scheme, tsp_list, Id=f"TL-{territory}", TSLTag="http://uri.etsi.org/19612/TSLTag"
    )
    if language != "en":
        for element in root.iter():
            if element.get(_XML_LANG) == "en":
                element.set(_XML_LANG, language)
    return _serialise(root)


def build_list_of_lists(
    pointers: Sequence[ListPointer],
    *,
    sequence_number: int = 1,
    issued: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
    operator: str = "Test Commission",
    information_uris: Sequence[str] = (),
) -> bytes:
    """An unsigned list of trusted lists (LOTL) with these pointers, as UTF-8 XML.

    ``information_uris`` come first in ``SchemeInformationURI``, as the EU LOTL lists its
    pivot LOTLs (newest first) and the Official Journal announcement they start from.
    """
    issued = issued or dt.datetime.now(dt.UTC)
    next_update = next_update or issued + dt.timedelta(days=182)
    scheme = _scheme(
        territory="EU",
        sequence_number=sequence_number,
        issued=issued,
        next_update=next_update,
        operator=operator,
        list_type=ListType.EU_LIST_OF_THE_LISTS,
        rules=(f"{_TL}/schemerules/EUlistofthelists",),
        pointers=pointers,
        information_uris=information_uris,
    )
    root = T.TrustServiceStatusList(scheme, Id="LOTL", TSLTag="http://uri.etsi.org/19612/TSLTag")
    return _serialise(root)


def sign_trusted_list(
    xml: bytes,
    signer: IssuedCertificate,
    *,
    method: SignatureMethod | None = None,
    key_value: bool = True,
    key_info_signed: bool = True,
) -> bytes:
    """The list with an enveloped XAdES signature by ``signer`` (signxml's XAdESSigner).

    ``method`` defaults to ECDSA or RSA (PKCS#1 v1.5) with SHA-256 after the key;
    ``SignatureMethod.SHA256_RSA_MGF1`` signs with RSA-PSS. ``key_value`` writes the key
    in ``KeyInfo`` beside the certificate, as many real lists do (signxml cannot write it
    for brainpool keys). ``key_info_signed=False`` leaves ``KeyInfo`` out of the signed
    references, as in many real lists (signxml signs it by default).
    """
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    key = signer.private_key
    if method is None:
        method = (
            SignatureMethod.ECDSA_SHA256
            if isinstance(key, ec.EllipticCurvePrivateKey)
            else SignatureMethod.RSA_SHA256
        )
    # signxml's default canonicalisation (C14N 1.1): with exclusive C14N its XAdES
    # SignedProperties reference does not verify (signxml 5.2).
    kind = XAdESSigner if key_info_signed else _KeyInfoUnsignedSigner
    xades = kind(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256)
    signed = xades.sign(root, key=key, cert=[signer.certificate], always_add_key_value=key_value)
    return _serialise(signed)


class _KeyInfoUnsignedSigner(XAdESSigner):
    """signxml's XAdES signer without the reference to ``KeyInfo`` (as real lists sign)."""

    def _add_reference_to_signed_info(
        self, sig_root: etree._Element, node_to_reference: etree._Element, **attrs: str
    ) -> None:
        if etree.QName(node_to_reference).localname == "KeyInfo":
            return
        super()._add_reference_to_signed_info(sig_root, node_to_reference, **attrs)  # type: ignore[no-untyped-call]


def tamper_trusted_list(xml: bytes, *, old: str = "granted", new: str = "withdrawn") -> bytes:
    """The list changed after signing: the first ``old`` in a status URI becomes ``new``.

    By default a granted service appears withdrawn (any change in the signed content
    breaks the signature; this one would also change a verdict).
    """
    marker = f"{_TL}/Svcstatus/{old}".encode()
    if marker not in xml:
        raise ValueError(f"the list has no status {old!r} to change")
    return xml.replace(marker, f"{_TL}/Svcstatus/{new}".encode(), 1)


def _serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _when(moment: dt.datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _names(element: str, text: str, *others: tuple[str, str]) -> etree._Element:
    names = [T.Name(other, {_XML_LANG: lang}) for lang, other in others]
    return getattr(T, element)(*names, T.Name(text, {_XML_LANG: "en"}))


def _uris(element: str, *uris: str) -> etree._Element:
    return getattr(T, element)(*[T.URI(u, {_XML_LANG: "en"}) for u in uris])


def _address(country: str) -> etree._Element:
    return T.TSPAddress(
        T.PostalAddresses(
            T.PostalAddress(
                T.StreetAddress("Kaya Grandi 1"),
                T.Locality("Kralendijk"),
                T.CountryName(country),
                {_XML_LANG: "en"},
            )
        ),
        T.ElectronicAddress(T.URI("mailto:trust@example.org", {_XML_LANG: "en"})),
    )


def _scheme(
    *,
    territory: str,
    sequence_number: int,
    issued: dt.datetime,
    next_update: dt.datetime,
    operator: str,
    list_type: ListType,
    rules: Sequence[str],
    pointers: Sequence[ListPointer] | None,
    version: int = 5,
    information_uris: Sequence[str] = (),
) -> etree._Element:
    address = _address(territory)
    address.tag = f"{{{_TSL}}}SchemeOperatorAddress"
    parts: list[etree._Element] = [
        T.TSLVersionIdentifier(str(version)),
        T.TSLSequenceNumber(str(sequence_number)),
        T.TSLType(list_type.value),
        _names("SchemeOperatorName", operator),
        address,
        _names("SchemeName", f"{territory}: trusted list (test)"),
        _uris("SchemeInformationURI", *information_uris, "https://tl.example.org/info.html"),
        T.StatusDeterminationApproach(f"{_TL}/StatusDetn/EUappropriate"),
        _uris("SchemeTypeCommunityRules", *rules),
        T.SchemeTerritory(territory),
        T.PolicyOrLegalNotice(T.TSLLegalNotice("For tests only.", {_XML_LANG: "en"})),
        T.HistoricalInformationPeriod("65535"),
    ]
    if pointers:
        parts.append(T.PointersToOtherTSL(*[_pointer(p) for p in pointers]))
    parts += [
        T.ListIssueDateTime(_when(issued)),
        T.NextUpdate(T.dateTime(_when(next_update))),
        T.DistributionPoints(T.URI(f"https://tl.example.org/{territory}.xml")),
    ]
    return T.SchemeInformation(*parts)


def _pointer(pointer: ListPointer) -> etree._Element:
    identities = [
        T.ServiceDigitalIdentity(T.DigitalId(T.X509Certificate(_b64(c))))
        for c in pointer.certificates
    ]
    info = T.AdditionalInformation(
        T.OtherInformation(T.TSLType(pointer.list_type.value)),
        T.OtherInformation(_names("SchemeOperatorName", pointer.operator)),
        T.OtherInformation(_uris("SchemeTypeCommunityRules", *pointer.rules)),
        T.OtherInformation(T.SchemeTerritory(pointer.territory)),
        T.OtherInformation(A.MimeType(_MIME_TSL)),
    )
    return T.OtherTSLPointer(
        T.ServiceDigitalIdentities(*identities), T.TSLLocation(pointer.location), info
    )


def _b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode()


def _ski(cert: x509.Certificate) -> str:
    try:
        value = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:  # e.g. a real TSA certificate: the key's SHA-1 (RFC 5280)
        value = x509.SubjectKeyIdentifier.from_public_key(cert.public_key())
    return base64.b64encode(value.digest).decode()


def _provider(provider: ProviderSpec, country: str) -> etree._Element:
    info: list[etree._Element] = [_names("TSPName", provider.name, *provider.other_names)]
    if provider.trade_name:
        info.append(_names("TSPTradeName", provider.trade_name))
    info += [_address(country), _uris("TSPInformationURI", "https://tsp.example.org")]
    return T.TrustServiceProvider(
        T.TSPInformation(*info), T.TSPServices(*[_service(s) for s in provider.services])
    )


def _service(service: ServiceSpec) -> etree._Element:
    ordered = sorted(service.history, key=lambda s: s.since, reverse=True)
    current, older = ordered[0], ordered[1:]
    parts = _status_parts(service, current, with_certificate=True)
    children = [T.ServiceInformation(*parts)]
    if older:
        children.append(
            T.ServiceHistory(
                *[
                    T.ServiceHistoryInstance(*_status_parts(service, s, with_certificate=False))
                    for s in older
                ]
            )
        )
    return T.TSPService(*children)


def _status_parts(
    service: ServiceSpec, status: StatusSpec, *, with_certificate: bool
) -> list[etree._Element]:
    cert = service.certificate
    ids = []
    if with_certificate:
        ids += [
            T.DigitalId(T.X509Certificate(_b64(c)))
            for c in (cert, *service.additional_certificates)
        ]
    ids += [
        T.DigitalId(T.X509SubjectName(cert.subject.rfc4514_string())),
        T.DigitalId(T.X509SKI(_ski(cert))),
    ]
    parts = [
        T.ServiceTypeIdentifier(service.service_type.uri),
        _names("ServiceName", service.name),
        T.ServiceDigitalIdentity(*ids),
        T.ServiceStatus(status.status.uri),
        T.StatusStartingTime(_when(status.since)),
    ]
    extensions = [
        T.Extension(
            T.AdditionalServiceInformation(T.URI(_ASI[t], {_XML_LANG: "en"})), Critical="true"
        )
        for t in status.certificate_types
        if t in _ASI
    ]
    if status.taken_over_by:
        extensions.append(
            T.Extension(
                A.TakenOverBy(
                    A.URI("https://tsp.example.org/new", {_XML_LANG: "en"}),
                    A.TSPName(T.Name(status.taken_over_by, {_XML_LANG: "en"})),
                    _names("SchemeOperatorName", "Test Scheme Operator"),
                    T.SchemeTerritory("BQ"),
                ),
                Critical="true",
            )
        )
    if status.unknown_critical_extension:
        unknown = etree.Element("{urn:example:esig-test}FutureExtension")
        unknown.text = "1"
        extensions.append(T.Extension(unknown, Critical="true"))
    if status.qualifications:
        groups = (
            [(q,) for q in status.qualifications]
            if status.split_qualifications
            else [status.qualifications]
        )
        extensions += [
            T.Extension(S.Qualifications(*[_qualification(q) for q in group]), Critical="true")
            for group in groups
        ]
    if extensions:
        parts.append(T.ServiceInformationExtensions(*extensions))
    return parts


def _qualification(spec: QualificationSpec) -> etree._Element:
    return S.QualificationElement(
        S.Qualifiers(*[S.Qualifier(uri=q.uri) for q in spec.qualifiers]), _criteria(spec)
    )


def _qc_statement(oid: str, qc_type: str | None, legislation: str | None) -> etree._Element:
    parts = [M.QcStatementId(X.Identifier(f"urn:oid:{oid}", Qualifier="OIDAsURN"))]
    if qc_type is not None:
        parts.append(
            M.QcStatementInfo(M.QcType(X.Identifier(f"urn:oid:{qc_type}", Qualifier="OIDAsURN")))
        )
    elif legislation is not None:
        parts.append(M.QcStatementInfo(M.QcCClegislation(legislation)))
    return M.QcStatement(*parts)


def _criteria(spec: QualificationSpec) -> etree._Element:
    # schema order: KeyUsage*, PolicySet*, CriteriaList*, Description?, otherCriteriaList?
    parts: list[etree._Element] = []
    if spec.key_usage:
        parts.append(
            S.KeyUsage(
                *[
                    S.KeyUsageBit("true" if value else "false", name=bit)
                    for bit, value in spec.key_usage
                ]
            )
        )
    parts += [
        S.PolicySet(S.PolicyIdentifier(X.Identifier(oid.dotted_string))) for oid in spec.policies
    ]
    parts += [_criteria(sub) for sub in spec.nested]
    other: list[etree._Element] = []
    if spec.subject_attributes:
        other.append(
            A.CertSubjectDNAttribute(
                *[A.AttributeOID(X.Identifier(o.dotted_string)) for o in spec.subject_attributes]
            )
        )
    if spec.extended_key_usage:
        other.append(
            A.ExtendedKeyUsage(
                *[A.KeyPurposeId(X.Identifier(o.dotted_string)) for o in spec.extended_key_usage]
            )
        )
    if spec.qc_statements:
        other.append(M.QcStatementSet(*[_qc_statement(*s) for s in spec.qc_statements]))
    if spec.unknown_criterion:
        unknown = etree.Element("{urn:example:esig-test}FutureCriterion")
        unknown.text = "1"
        other.append(unknown)
    if other:
        parts.append(S.otherCriteriaList(*other))
    return S.CriteriaList(*parts, {"assert": spec.assertion.value})
