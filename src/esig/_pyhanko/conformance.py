"""Read what a PDF holds for each signature's PAdES baseline level (EN 319 142-1).

Facts only, no verdict: the signature dictionary's entries, the CMS signed and unsigned
attributes, the signature timestamp, the document timestamps after the signature, the
revisions in which the document security store (DSS) was written, and, for the DSS as
it stood at chosen revisions, whether each certificate that a level needs validation
data for has its issuer in the document and an OCSP response or CRL in the DSS.
:mod:`esig.verification.conformance` turns these facts into the assessment.

Revocation data is matched to certificates the way a validator would: an OCSP response
by its CertID (issuer name hash, issuer key hash and serial number, in the hash algorithm
the response names), a CRL by its issuer name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from asn1crypto import cms as asn1_cms
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from esig._pyhanko.documents import FilledField, filled_signature_fields
from esig._pyhanko.signer import from_asn1
from esig.certificates import UNREADABLE_CERTIFICATE
from esig.errors import CorruptDocumentError

__all__ = [
    "BaselineFacts",
    "ChainFacts",
    "ChainLink",
    "DocumentTimestampFacts",
    "DssSnapshot",
    "embedded_snapshot",
    "read_baseline_facts",
    "unmatched_ocsp_responses",
]

# What pyHanko and asn1crypto raise on malformed input: a fact that cannot be read is
# reported as absent (or as an error of the signature), never as a crash.
_MALFORMED: tuple[type[Exception], ...] = (
    PdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    NotImplementedError,
    OverflowError,
    *UNREADABLE_CERTIFICATE,
)


@dataclass(frozen=True)
class ChainLink:
    """One certificate of a chain that needs validation data, against one DSS."""

    certificate: x509.Certificate
    self_signed: bool
    issuer_found: bool
    """The issuer's certificate is in the document (the CMS, a timestamp token or the
    DSS). Always true for a self-signed certificate."""
    ocsp: bool
    """The DSS holds an OCSP response about this certificate (matched by CertID)."""
    crl: bool
    """The DSS holds a CRL issued under this certificate's issuer name."""


@dataclass(frozen=True)
class ChainFacts:
    """The chain of one certificate the signature's level depends on."""

    role: str
    """``signer``, ``signature timestamp`` or ``document timestamp``."""
    owner: str
    """Which one: the signature's or the document timestamp's field name."""
    links: tuple[ChainLink, ...]
    """From the certificate itself up to the last issuer found."""


@dataclass(frozen=True)
class DssSnapshot:
    """The DSS as it stood in one revision, and what it offers the chains that matter."""

    revision: int
    """0-based revision index."""
    certificates: int
    ocsp_responses: int
    crls: int
    vri_entries: int
    chains: tuple[ChainFacts, ...]


@dataclass(frozen=True)
class DocumentTimestampFacts:
    """A document timestamp made after the signature."""

    field_name: str
    revision: int
    """0-based revision the timestamp was made in (it covers it, DSS included)."""
    subfilter: str
    tsa: x509.Certificate | None
    certificates: tuple[x509.Certificate, ...]
    """The certificates the timestamp token carries."""
    dss: DssSnapshot | None
    """The DSS this timestamp covers, with the chains checked: the signer's, the
    T-level timestamp's and those of earlier document timestamps."""


@dataclass(frozen=True)
class BaselineFacts:
    """Everything the baseline levels of one signature are judged on."""

    field_name: str
    subfilter: str
    """As written, without the leading slash (``ETSI.CAdES.detached``)."""
    revision: int | None = None
    """0-based revision the signature was made in."""
    error: str | None = None
    """Why the CMS could not be read, when it could not."""
    has_m: bool = False
    has_cert_entry: bool = False
    content_type: str | None = None
    """The content-type attribute's value (dotted OID), None when absent."""
    message_digest: bool = False
    signing_certificate: int = 0
    """How many signing-certificate (v1) attributes."""
    signing_certificate_v2: int = 0
    signing_time: bool = False
    signer_cert_embedded: bool = False
    """The signer's certificate is in SignedData.certificates."""
    signature_timestamp: bool = False
    signature_tsa: x509.Certificate | None = None
    document_timestamps: tuple[DocumentTimestampFacts, ...] = ()
    """Document timestamps made after the signature, oldest first."""
    dss_updates: tuple[int, ...] = ()
    """Revisions after the signature's in which the DSS was written."""
    final_dss: DssSnapshot | None = None
    """The DSS of the latest revision; its chains: the signer's and the T-level
    timestamp's (the signature timestamp, else the first document timestamp)."""


# --- reading the document ----------------------------------------------------------------


def read_baseline_facts(
    reader: PdfFileReader, filled: Sequence[FilledField] | None = None
) -> dict[str, BaselineFacts]:
    """The facts of every filled signature field except document timestamps, by name.

    ``filled`` (from :func:`~esig._pyhanko.documents.filled_signature_fields`) saves
    parsing the signature fields again.
    """
    if filled is None:
        try:
            filled = filled_signature_fields(reader)
        except CorruptDocumentError:
            return {}
    signatures: list[tuple[str, EmbeddedPdfSignature | None, str, Any]] = []
    stamps: list[DocumentTimestampFacts] = []
    for field in filled:
        name, sig_ref, embedded = field.name, field.sig_ref, field.embedded
        obj = _object(embedded.sig_object if embedded is not None else sig_ref)
        kind = _name(obj.get("/Type")) if obj is not None else "Sig"
        subfilter = _name(obj.get("/SubFilter")) if obj is not None else ""
        if kind == "DocTimeStamp" or subfilter == "ETSI.RFC3161":
            stamp = _stamp(embedded, subfilter) if embedded is not None else None
            if stamp is not None:
                stamps.append(stamp)
            continue
        signatures.append((str(name), embedded, subfilter, obj))
    stamps.sort(key=lambda s: s.revision)
    result = {}
    for name, embedded, subfilter, obj in signatures:
        try:
            result[name] = _signature_facts(
                reader, name, embedded=embedded, subfilter=subfilter, obj=obj, all_stamps=stamps
            )
        except _MALFORMED as exc:
            result[name] = BaselineFacts(field_name=name, subfilter=subfilter, error=str(exc))
    return result


def _object(ref: object) -> generic.DictionaryObject | None:
    try:
        obj = ref.get_object() if hasattr(ref, "get_object") else ref
    except _MALFORMED:
        return None
    return obj if isinstance(obj, generic.DictionaryObject) else None


def _name(value: object) -> str:
    return str(value).removeprefix("/") if value is not None else ""


def _stamp(embedded: EmbeddedPdfSignature, subfilter: str) -> DocumentTimestampFacts | None:
    """A document timestamp's facts; None when not even its revision can be told."""
    try:
        revision = embedded.signed_revision
    except _MALFORMED:
        return None
    try:
        tsa: x509.Certificate | None = from_asn1(embedded.signer_cert)
    except _MALFORMED:
        tsa = None
    try:
        certs = tuple(_cms_certificates(embedded.signed_data))
    except _MALFORMED:
        certs = ()
    return DocumentTimestampFacts(
        field_name=str(embedded.field_name),
        revision=revision,
        subfilter=subfilter,
        tsa=tsa,
        certificates=certs,
        dss=None,
    )


def _signature_facts(
    reader: PdfFileReader,
    name: str,
    *,
    embedded: EmbeddedPdfSignature | None,
    subfilter: str,
    obj: generic.DictionaryObject | None,
    all_stamps: Sequence[DocumentTimestampFacts],
) -> BaselineFacts:
    base = BaselineFacts(
        field_name=name,
        subfilter=subfilter,
        has_m=obj is not None and "/M" in obj,
        has_cert_entry=obj is not None and "/Cert" in obj,
    )
    if embedded is None:
        return replace(base, error="the signature dictionary or its CMS cannot be read")
    revision = embedded.signed_revision
    signed_data = embedded.signed_data
    signer_info = embedded.signer_info
    attrs = _attributes(signer_info["signed_attrs"])
    unsigned = _attributes(signer_info["unsigned_attrs"])
    content_types = attrs.get("content_type", [])
    cms_certs = _cms_certificates(signed_data)
    signer_cert = from_asn1(embedded.signer_cert)
    tokens = unsigned.get("signature_time_stamp_token", [])
    tsa, tsa_certs = _token_signer(tokens[0]) if tokens else (None, [])
    stamps = tuple(s for s in all_stamps if s.revision > revision)
    # The T level: the signature timestamp, else the first document timestamp after it.
    t_chain: tuple[str, str, x509.Certificate] | None = None
    if tsa is not None:
        t_chain = ("signature timestamp", name, tsa)
    elif stamps and stamps[0].tsa is not None:
        t_chain = ("document timestamp", stamps[0].field_name, stamps[0].tsa)
    pool = [*cms_certs, *tsa_certs, *(c for s in stamps for c in s.certificates)]
    needed = [("signer", name, signer_cert), *([t_chain] if t_chain else [])]
    updates = _dss_updates(reader, revision)
    last = reader.xrefs.total_revisions - 1
    final_dss = _snapshot(reader, last, needed, pool) if updates else None
    checked_stamps = []
    for index, stamp in enumerate(stamps):
        earlier = [
            ("document timestamp", s.field_name, s.tsa)
            for s in stamps[:index]
            if s.tsa is not None and (t_chain is None or s.field_name != t_chain[1])
        ]
        covered = [u for u in updates if u <= stamp.revision]
        dss = _snapshot(reader, stamp.revision, [*needed, *earlier], pool) if covered else None
        checked_stamps.append(replace(stamp, dss=dss))
    return replace(
        base,
        revision=revision,
        content_type=content_types[0].dotted if content_types else None,
        message_digest=bool(attrs.get("message_digest")),
        signing_certificate=len(attrs.get("signing_certificate", [])),
        signing_certificate_v2=len(attrs.get("signing_certificate_v2", [])),
        signing_time=bool(attrs.get("signing_time")),
        signer_cert_embedded=any(c == signer_cert for c in cms_certs),
        signature_timestamp=bool(tokens),
        signature_tsa=tsa,
        document_timestamps=tuple(checked_stamps),
        dss_updates=tuple(updates),
        final_dss=final_dss,
    )


def _attributes(attrs: Any) -> dict[str, list[Any]]:
    """CMS attributes by asn1crypto name (or dotted OID), each with its values."""
    found: dict[str, list[Any]] = {}
    # len(), not .native: the native form decodes every value of every attribute.
    if attrs is None or len(attrs) == 0:
        return found
    for attr in attrs:
        kind = attr["type"].native
        try:
            values = list(attr["values"])
        except _MALFORMED:
            values = []
        found.setdefault(str(kind), []).extend(values)
    return found


def _cms_certificates(signed_data: asn1_cms.SignedData) -> list[x509.Certificate]:
    found = []
    for choice in signed_data["certificates"] or ():
        if choice.name == "certificate":
            try:
                found.append(from_asn1(choice.chosen))
            except _MALFORMED:
                continue
    return found


def _token_signer(token: asn1_cms.ContentInfo) -> tuple[x509.Certificate | None, list[Any]]:
    """The TSA certificate of a timestamp token, and every certificate the token holds."""
    try:
        signed_data = token["content"]
        certs = _cms_certificates(signed_data)
        return from_asn1(extract_certificate_info(signed_data).signer_cert), certs
    except _MALFORMED:
        return None, []


# --- the DSS and its history ----------------------------------------------------------------


def _dss_updates(reader: PdfFileReader, after: int) -> list[int]:
    """Revisions after ``after`` in which the DSS dictionary was (re)written.

    The catalog is resolved again only in a revision that rewrites it or points the
    trailer elsewhere: resolving it in every revision costs the square of their number
    (thousands of incremental updates took minutes).
    """
    updates = []
    root_id: int | None = None
    target: int | None = None  # the object that holds the DSS: its own, or the catalog
    for revision in range(after + 1, reader.xrefs.total_revisions):
        try:
            written = {ref.idnum for ref in reader.xrefs.explicit_refs_in_revision(revision)}
            raw_root = reader.trailer.raw_get("/Root", revision=revision)
            this_root = raw_root.idnum if isinstance(raw_root, generic.IndirectObject) else None
            if this_root is None or this_root != root_id or this_root in written:
                root_id, target = this_root, None
                root = reader.get_historical_resolver(revision).root
                if "/DSS" in root:
                    raw = root.raw_get("/DSS")
                    target = raw.idnum if isinstance(raw, generic.IndirectObject) else this_root
        except _MALFORMED:
            root_id = target = None  # resolve afresh in the next revision
            continue
        if target is not None and target in written:
            updates.append(revision)
    return updates


@dataclass
class _DssContent:
    certs: list[x509.Certificate]
    ocsps: list[asn1_ocsp.OCSPResponse]
    crls: list[asn1_crl.CertificateList]
    vri: int


def _read_dss(resolver: HistoricalResolver) -> _DssContent | None:
    try:
        dss = resolver.root["/DSS"]
    except _MALFORMED:
        return None
    if not isinstance(dss, generic.DictionaryObject):
        return None
    content = _DssContent([], [], [], 0)
    seen: set[tuple[str, bytes]] = set()

    def load(key: str, refs: object) -> None:
        try:
            items = list(refs)  # type: ignore[call-overload]
        except _MALFORMED:
            return
        for ref in items:
            try:
                stream = ref.get_object()
                data: bytes = stream.data
            except _MALFORMED:
                continue
            if (key, data) in seen:
                continue
            seen.add((key, data))
            try:
                if key == "cert":
                    content.certs.append(x509.load_der_x509_certificate(data))
                elif key == "ocsp":
                    content.ocsps.append(asn1_ocsp.OCSPResponse.load(data))
                else:
                    content.crls.append(asn1_crl.CertificateList.load(data))
            except _MALFORMED:
                continue

    for key, entry in (("cert", "/Certs"), ("ocsp", "/OCSPs"), ("crl", "/CRLs")):
        if entry in dss:
            load(key, dss[entry])
    vri = dss.get("/VRI")
    if isinstance(vri, generic.DictionaryObject):
        content.vri = len(vri)
        for value in vri.values():
            entry_dict = _object(value)
            if entry_dict is None:
                continue
            for key, name in (("cert", "/Cert"), ("ocsp", "/OCSP"), ("crl", "/CRL")):
                if name in entry_dict:
                    load(key, entry_dict[name])
    return content


def _snapshot(
    reader: PdfFileReader,
    revision: int,
    needed: Sequence[tuple[str, str, x509.Certificate]],
    pool: Sequence[x509.Certificate],
) -> DssSnapshot | None:
    try:
        content = _read_dss(reader.get_historical_resolver(revision))
    except _MALFORMED:
        content = None
    if content is None:
        return None
    certs = _unique([*pool, *content.certs])
    revoked_by = _ocsp_cert_ids(content.ocsps)
    crl_issuers = [_crl_issuer(crl) for crl in content.crls]
    chains = tuple(
        ChainFacts(
            role=role,
            owner=owner,
            links=_chain(cert, certs, revoked_by, crl_issuers),
        )
        for role, owner, cert in needed
    )
    return DssSnapshot(
        revision=revision,
        certificates=len(content.certs),
        ocsp_responses=len(content.ocsps),
        crls=len(content.crls),
        vri_entries=content.vri,
        chains=chains,
    )


def _unique(certs: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    seen: set[bytes] = set()
    found = []
    for cert in certs:
        key = cert.fingerprint(hashes.SHA256())
        if key not in seen:
            seen.add(key)
            found.append(cert)
    return found


# An OCSP CertID, as (hash algorithm, issuer name hash, issuer key hash, serial number).
_CertId = tuple[str, bytes, bytes, int]


def _ocsp_cert_ids(responses: Iterable[asn1_ocsp.OCSPResponse]) -> set[_CertId]:
    found: set[_CertId] = set()
    for response in responses:
        try:
            if response["response_status"].native != "successful":
                continue
            basic = response["response_bytes"]["response"].parsed
            for single in basic["tbs_response_data"]["responses"]:
                cert_id = single["cert_id"]
                found.add(
                    (
                        cert_id["hash_algorithm"]["algorithm"].native,
                        bytes(cert_id["issuer_name_hash"].native),
                        bytes(cert_id["issuer_key_hash"].native),
                        int(cert_id["serial_number"].native),
                    )
                )
        except _MALFORMED:
            continue
    return found


def _crl_issuer(crl: asn1_crl.CertificateList) -> asn1_x509.Name | None:
    try:
        issuer: asn1_x509.Name = crl["tbs_cert_list"]["issuer"]
    except _MALFORMED:
        return None
    return issuer


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _ocsp_covers(
    cert: x509.Certificate, issuer: x509.Certificate | None, ids: set[_CertId]
) -> bool:
    if not ids:
        return False
    name_der = cert.issuer.public_bytes()
    key_bits: bytes | None = None
    if issuer is not None:
        spki = asn1_x509.Certificate.load(issuer.public_bytes(Encoding.DER))["tbs_certificate"][
            "subject_public_key_info"
        ]
        key_bits = bytes(spki["public_key"])
    for algorithm, name_hash, key_hash, serial in ids:
        if serial != cert.serial_number:
            continue
        try:
            if hashlib.new(algorithm, name_der).digest() != name_hash:
                continue
            if key_bits is not None and hashlib.new(algorithm, key_bits).digest() != key_hash:
                continue
        except ValueError:  # a hash algorithm hashlib does not know
            continue
        return True
    return False


def _chain(
    cert: x509.Certificate,
    pool: Sequence[x509.Certificate],
    ocsp_ids: set[_CertId],
    crl_issuers: Sequence[asn1_x509.Name | None],
) -> tuple[ChainLink, ...]:
    links = []
    current: x509.Certificate | None = cert
    seen: set[bytes] = set()
    while current is not None and current.fingerprint(hashes.SHA256()) not in seen:
        seen.add(current.fingerprint(hashes.SHA256()))
        self_signed = _issued_by(current, current)
        issuer = None if self_signed else next((c for c in pool if _issued_by(current, c)), None)
        issuer_name = asn1_x509.Name.load(current.issuer.public_bytes())
        links.append(
            ChainLink(
                certificate=current,
                self_signed=self_signed,
                issuer_found=self_signed or issuer is not None,
                ocsp=_ocsp_covers(current, issuer, ocsp_ids),
                crl=any(i is not None and i == issuer_name for i in crl_issuers),
            )
        )
        current = issuer
    return tuple(links)


# --- validation data embedded in an XML signature (XAdES) -------------------------------


def _load_all(ders: Iterable[bytes], kind: Any) -> list[Any]:
    found = []
    for der in ders:
        try:
            found.append(kind.load(der, strict=True))
        except _MALFORMED:
            continue
    return found


def embedded_snapshot(
    needed: Sequence[tuple[str, str, x509.Certificate]],
    pool: Sequence[x509.Certificate],
    *,
    certificates: Sequence[bytes],
    ocsp_responses: Sequence[bytes],
    crls: Sequence[bytes],
) -> DssSnapshot:
    """The chains of ``needed`` (role, owner, certificate) against embedded DER values.

    A XAdES signature's ``CertificateValues``, ``RevocationValues`` and
    ``TimeStampValidationData`` play the part of a DSS (``revision`` is 0).
    """
    certs = []
    for der in certificates:
        try:
            certs.append(x509.load_der_x509_certificate(der))
        except UNREADABLE_CERTIFICATE:
            continue
    ocsps = _load_all(ocsp_responses, asn1_ocsp.OCSPResponse)
    crl_list = _load_all(crls, asn1_crl.CertificateList)
    pool_all = _unique([*pool, *certs])
    ids = _ocsp_cert_ids(ocsps)
    issuers = [_crl_issuer(c) for c in crl_list]
    return DssSnapshot(
        revision=0,
        certificates=len(certs),
        ocsp_responses=len(ocsps),
        crls=len(crl_list),
        vri_entries=0,
        chains=tuple(
            ChainFacts(role=role, owner=owner, links=_chain(cert, pool_all, ids, issuers))
            for role, owner, cert in needed
        ),
    )


def unmatched_ocsp_responses(
    ocsp_responses: Sequence[bytes], certificates: Sequence[x509.Certificate]
) -> tuple[str, ...]:
    """A description of each OCSP response that concerns none of ``certificates``."""
    pool = _unique(certificates)
    found = []
    for response in _load_all(ocsp_responses, asn1_ocsp.OCSPResponse):
        ids = _ocsp_cert_ids([response])
        if any(
            _ocsp_covers(cert, next((c for c in pool if _issued_by(cert, c)), None), ids)
            for cert in pool
        ):
            continue
        serials = ", ".join(sorted({f"{serial:#x}" for *_, serial in ids})) or "none readable"
        found.append(f"an OCSP response about the certificate with serial number {serials}")
    return tuple(found)
