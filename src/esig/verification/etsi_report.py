"""The verification report as an ETSI TS 119 102-2 (v1.4.1) ``ValidationReport`` in XML.

One ``SignatureValidationReport`` per signature (identifier, validation time and best
signature time, signer's document, attributes, signer, the TS 119 172-4 label, the
validation process esig ran, the main and sub-indication with the certificate chain,
revocation and algorithm data), then ``SignatureValidationObjects``: each certificate,
timestamp token, OCSP response and CRL once, with its proof of existence.

What the standard has no element for — esig's findings with their citations (BES,
eIDAS), the level SES / AES / QES under each instrument, the requirements behind it and
the steps of ETSI TS 119 615 — goes in one element of esig's namespace
(:data:`~esig.verification.etsi_objects.ESIG_NS`) in each signature report's
``OtherInformation``, the extension point the standard gives (``xs:any``, lax): a
reader that knows only the standard skips it, and the report without it is still valid.

Each signature report also says what esig applied (``ValidationConstraintsEvaluationReport``:
the policy, one constraint per check, the trust anchors and the validation time) and the
report names its validator (``SignatureValidator``: esig and its version); see
:mod:`esig.verification.etsi_validator`.

Given a ``seal`` device, the ``ValidationReport`` ends with an enveloped XAdES signature
(``ds:Signature``, the schema's optional last child) made by esig's own XAdES code at
B-B, or at B-T with a ``timestamp`` service: whoever receives the report can check who
issued it and that nobody changed it (``xmlsec1 --verify``, :func:`esig.verify_xml`).

The schema (the XSD of TS 119 102-2 v1.4.1 and those it imports, as DSS ships them) is
in ``esig/data/etsi/``, beside esig's own schema of its extension
(``esig-validation-report-1.xsd``); :func:`validate_etsi_xml` checks a report against
both offline, the extension strictly.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import io
import os
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from esig._io import atomic_output
from esig._sync import run_sync
from esig._xml.xades_sign import sign_xades
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import InputError, OutputError
from esig.model.baseline import TimestampService
from esig.model.coverage import Coverage
from esig.model.xades import XadesPackaging
from esig.verification.etsi_extension import assessment_element, document_element
from esig.verification.etsi_objects import (
    DS_NS,
    ESIG_NS,
    NSMAP,
    POE_VALIDATION,
    VR_NS,
    ValidationObjects,
    digest_alg_and_value,
    label_uri,
    main_indication_uri,
    signature_algorithm_uri,
    sub,
    sub_indication_uri,
    xml_time,
)
from esig.verification.etsi_validator import constraints_element, validator_element
from esig.verification.report_parts import (
    CheckId,
    Indication,
    Outcome,
    PathStatus,
    SigningTimeSource,
)
from esig.verification.report_view import ReportView, SignatureView

__all__ = [
    "ESIG_XSD",
    "ETSI_XSD",
    "PROCESS_BASIC",
    "PROCESS_LTA",
    "PROCESS_LTVM",
    "async_to_etsi_xml",
    "async_write_etsi_report",
    "to_etsi_xml",
    "validate_etsi_xml",
    "write_etsi_report",
]

ETSI_XSD = "TS119102-2-v141.xsd"
"""The file name of the TS 119 102-2 schema in ``esig/data/etsi/``."""
ESIG_XSD = "esig-validation-report-1.xsd"
"""The file name of the schema of esig's extension (``urn:esig:validation-report:1``)."""

PROCESS_BASIC = "urn:etsi:019102:validationprocess:Basic"
"""EN 319 102-1 §5.3, validation of basic signatures."""
PROCESS_LTVM = "urn:etsi:019102:validationprocess:LTVM"
"""§5.5, signatures with time and with long-term validation material."""
PROCESS_LTA = "urn:etsi:019102:validationprocess:LTA"
"""§5.6, signatures providing long-term availability and integrity (past validation)."""

# Where the imports of the schema point, and the file of each in esig/data/etsi/
# (DSS's catalog.cat maps them so, except XAdES: the EN 319 132-1 schema, which knows
# the SigningCertificateV2 of a sealed report, where DSS maps the TS 101 903 one).
_XMLDSIG = "xmldsig-core-schema.xsd"
_IMPORTS = {
    "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd": _XMLDSIG,
    "http://www.w3.org/TR/2008/REC-xmldsig-core-20080610/xmldsig-core-schema.xsd": _XMLDSIG,
    "http://uri.etsi.org/01903/v1.3.2/XAdES.xsd": "XAdES01903v132-202407.xsd",
    "http://uri.etsi.org/19612/v2.2.1/ts_119612v020201_201601xsd.xsd": ("ts_119612v020101_xsd.xsd"),
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
}


def _unsigned_xml(report: ReportView, seal: SignatureCreationDevice | None) -> bytes:
    root = etree.Element(f"{{{VR_NS}}}ValidationReport", nsmap=NSMAP)
    objects = ValidationObjects(report.validation_time or report.verified_at)
    if not report.signatures:
        status_only = sub(root, VR_NS, "SignatureValidationReport")
        status = sub(status_only, VR_NS, "SignatureValidationStatus")
        sub(status, VR_NS, "MainIndication", main_indication_uri(report.indication))
        other = sub(status_only, VR_NS, "OtherInformation")
        document_element(other, report)
    used: set[str] = set()
    for index, signature in enumerate(report.signatures):
        _signature_report(root, report, signature, index, objects, used)
    objects.element(root)
    validator_element(root, seal.certificate if seal is not None else None)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


async def async_to_etsi_xml(
    report: ReportView,
    *,
    seal: SignatureCreationDevice | None = None,
    timestamp: TimestampService | None = None,
) -> bytes:
    """The report as a TS 119 102-2 ``ValidationReport`` (UTF-8 XML, with declaration).

    A document without a signature gets one signature report with only its status
    (INDETERMINATE, as :attr:`~esig.verification.report.VerificationReport.indication`),
    because the schema asks for at least one.

    Args:
        report: The verification report.
        seal: A signature creation device (software key, PKCS#11 token, CSC service):
            the report then ends with its enveloped XAdES signature (``ds:Signature``),
            and ``SignatureValidator`` names its certificate.
        timestamp: A time-stamping service: the seal at B-T (a ``SignatureTimeStamp``)
            rather than B-B. Needs ``seal``.

    Raises:
        InputError: ``timestamp`` without ``seal``.
        ServiceError: The time-stamping service failed.
        SigningError: The device could not sign.

    .. versionadded:: 0.2.0
        ``seal`` and ``timestamp``.

    """
    if seal is None:
        if timestamp is not None:
            raise InputError("A timestamp is for a sealed report: give the seal device too")
        return _unsigned_xml(report, None)
    return await sign_xades(
        io.BytesIO(_unsigned_xml(report, seal)),
        packaging=XadesPackaging.ENVELOPED,
        device=seal,
        digest_algorithm=DigestAlgorithm.SHA256,
        timestamp=timestamp,
        content_name="ETSI TS 119 102-2 validation report",
        mime_type="text/xml",
    )


def to_etsi_xml(
    report: ReportView,
    *,
    seal: SignatureCreationDevice | None = None,
    timestamp: TimestampService | None = None,
) -> bytes:
    """The report as a TS 119 102-2 ``ValidationReport``, sealed by ``seal`` if given.

    The synchronous twin of :func:`async_to_etsi_xml`, with the same arguments; it works
    inside a running event loop too.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
        ``seal`` and ``timestamp``.
    """
    return run_sync(async_to_etsi_xml(report, seal=seal, timestamp=timestamp))


async def async_write_etsi_report(
    report: ReportView,
    path: str | os.PathLike[str],
    *,
    seal: SignatureCreationDevice | None = None,
    timestamp: TimestampService | None = None,
) -> None:
    """Write :func:`async_to_etsi_xml` to ``path``, atomically (temporary file, then rename).

    Raises:
        OutputError: The file cannot be written.
        InputError, ServiceError, SigningError: As :func:`async_to_etsi_xml`; nothing
            is written then.

    .. versionadded:: 0.2.0

    """
    data = await async_to_etsi_xml(report, seal=seal, timestamp=timestamp)
    try:
        with atomic_output(path) as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(
            f"The ETSI validation report cannot be written: {exc.strerror}", path=Path(path)
        ) from None


def write_etsi_report(
    report: ReportView,
    path: str | os.PathLike[str],
    *,
    seal: SignatureCreationDevice | None = None,
    timestamp: TimestampService | None = None,
) -> None:
    """Write :func:`to_etsi_xml` to ``path``, atomically (temporary file, then rename).

    The synchronous twin of :func:`async_write_etsi_report`.

    Raises:
        OutputError: The file cannot be written.
        InputError, ServiceError, SigningError: As :func:`async_to_etsi_xml`.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
        ``seal`` and ``timestamp``.

    """
    run_sync(async_write_etsi_report(report, path, seal=seal, timestamp=timestamp))


def validate_etsi_xml(data: bytes) -> tuple[str, ...]:
    """Check XML against the TS 119 102-2 v1.4.1 schema, offline: the errors (none: valid).

    Beyond the XSD, each ``VOReference`` must name an ``id`` of the report (libxml2 does
    not check ``xs:IDREFS``), and each outermost element of esig's namespace must be
    valid against esig's schema (:data:`ESIG_XSD`) strictly: an element or attribute it
    does not declare is an error, although the standard processes ``xs:any`` laxly.

    Raises:
        InputError: ``data`` is not well-formed XML.

    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        document = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"The validation report is not well-formed XML: {exc}") from None
    schema = _schema()
    if not schema.validate(document):
        return tuple(f"line {e.line}: {e.message}" for e in schema.error_log)
    return _dangling_references(document) + _extension_errors(document)


def _extension_errors(document: Any) -> tuple[str, ...]:
    # Each outermost esig element validated on its own: as a root, it must be declared.
    schema = _extension_schema()
    errors: list[str] = []
    for element in document.iter(f"{{{ESIG_NS}}}*"):
        if any(a.tag.startswith(f"{{{ESIG_NS}}}") for a in element.iterancestors()):
            continue
        if not schema.validate(element):
            errors.extend(
                f"line {element.sourceline}: in {element.tag}: {e.message}"
                for e in schema.error_log
            )
    return tuple(errors)


@functools.cache
def _extension_schema() -> Any:
    source = (resources.files("esig") / "data" / "etsi" / ESIG_XSD).read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(source, parser))


def _dangling_references(document: Any) -> tuple[str, ...]:
    # libxml2 does not check that an xs:IDREFS value names an xs:ID; the report's
    # references (VOReference) must each name an object or a signature identifier.
    ids = {e.get("id") for e in document.iter() if e.get("id") is not None}
    return tuple(
        f"line {e.sourceline}: VOReference {ref!r} names no id in the report"
        for e in document.iter()
        for ref in (e.get("VOReference") or "").split()
        if ref not in ids
    )


@functools.cache
def _schema() -> Any:
    folder = resources.files("esig") / "data" / "etsi"

    class _Local(etree.Resolver):  # type: ignore[misc]
        def resolve(self, url: str, pubid: str | None, context: Any) -> Any:
            name = _IMPORTS.get(url)
            if name is None:
                return None
            return self.resolve_string((folder / name).read_bytes(), context, base_url=url)

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_Local())
    main = etree.fromstring((folder / ETSI_XSD).read_bytes(), parser, base_url=ETSI_XSD)
    return etree.XMLSchema(main)


# --- one signature --------------------------------------------------------------------


def _signature_id(signature: SignatureView, index: int, used: set[str]) -> str:
    data = signature.validation_data
    value = data.signature_value if data is not None else None
    seed = value if value else f"{index}:{signature.field_name}".encode()
    ident = f"S-{hashlib.sha256(seed).hexdigest().upper()}"
    if ident in used:  # the same signature value twice (a copied signature)
        ident = f"{ident}-{index}"
    used.add(ident)
    return ident


def _signature_report(  # noqa: PLR0917 - the report, its parts, the shared ids
    root: Any,
    report: ReportView,
    signature: SignatureView,
    index: int,
    objects: ValidationObjects,
    used: set[str],
) -> None:
    svr = sub(root, VR_NS, "SignatureValidationReport")
    sig_id = _signature_id(signature, index, used)
    data = signature.validation_data
    pdf = signature.signed_range is not None
    timestamps = [
        (token, objects.timestamp(token, signature.field_name if pdf else None))
        for token in (data.timestamps if data is not None else ())
    ]
    timestamp_id = next((ident for token, ident in timestamps if token.trusted and ident), None)
    chain = signature.certificate_path.chain if signature.certificate_path is not None else ()
    proven = (
        signature.signing_time
        if signature.signing_time_source is SigningTimeSource.TIMESTAMP
        else None
    )
    cert_ids = [
        objects.certificate(
            cert,
            proven=proven if position == 0 else None,
            by=timestamp_id if position == 0 else None,
        )
        for position, cert in enumerate(chain)
    ]
    if timestamp_id is not None and cert_ids:
        objects.proves(timestamp_id, cert_ids[0])
    revocation_ids = [objects.revocation(t) for t in (data.revocation if data else ())]
    for token in data.timestamps if data is not None else ():
        if token.tsa is not None:
            objects.certificate(token.tsa)

    _identifier(svr, sig_id, data.signature_value if data else None)
    constraints_element(svr, report, signature)
    _time_info(svr, report, signature, proven, timestamp_id)
    _signers_document(svr, report, signature)
    _attributes(svr, signature, [i for _, i in timestamps if i])
    if cert_ids:
        info = sub(svr, VR_NS, "SignerInformation")
        identity = signature.signer
        if identity is not None:
            info.set("Pseudonym", "true" if identity.is_pseudonym else "false")
        sub(info, VR_NS, "SignerCertificate", VOReference=cert_ids[0])
        if identity is not None:
            sub(info, VR_NS, "Signer", identity.display)
    quality = sub(svr, VR_NS, "SignatureQuality")
    sub(quality, VR_NS, "SignatureQualityInformation", label_uri(signature.level.label))
    process = sub(svr, VR_NS, "SignatureValidationProcess")
    sub(process, VR_NS, "SignatureValidationProcessID", _process(signature, timestamp_id))
    _status(svr, signature, sig_id, cert_ids, [i for _, i in timestamps if i], revocation_ids)
    other = sub(svr, VR_NS, "OtherInformation")
    if index == 0:
        document_element(other, report)
    assessment_element(other, signature)


def _identifier(svr: Any, sig_id: str, value: bytes | None) -> None:
    identifier = sub(svr, VR_NS, "SignatureIdentifier", id=sig_id)
    if value:
        digest_alg_and_value(identifier, "DigestAlgAndValue", hashlib.sha256(value).hexdigest())
        sub(identifier, DS_NS, "SignatureValue", base64.b64encode(value).decode())
    sub(identifier, VR_NS, "HashOnly", "false")
    sub(identifier, VR_NS, "DocHashOnly", "false")


def _time_info(
    svr: Any,
    report: ReportView,
    signature: SignatureView,
    proven: dt.datetime | None,
    timestamp_id: str | None,
) -> None:
    info = sub(svr, VR_NS, "ValidationTimeInfo")
    sub(info, VR_NS, "ValidationTime", xml_time(report.validation_time or report.verified_at))
    best = sub(info, VR_NS, "BestSignatureTime")
    long_term = signature.long_term
    poe_object = timestamp_id if proven is not None else None
    earlier = long_term.proof_of_existence if long_term is not None and long_term.passed else None
    if earlier is not None and (proven is None or earlier < proven):
        proven, poe_object = earlier, None
    sub(best, VR_NS, "POETime", xml_time(proven or report.validation_time or report.verified_at))
    sub(best, VR_NS, "TypeOfProof", POE_VALIDATION)
    if poe_object is not None:
        sub(best, VR_NS, "POEObject", VOReference=poe_object)


def _signers_document(svr: Any, report: ReportView, signature: SignatureView) -> None:
    # The document's digest is the signer's document's only when the signature covers
    # the whole file (PDF), or for a detached signature (the report is on its content).
    rng = signature.signed_range
    if signature.covered_files:
        # a container's signature: its one file is the signer's document (ASiC-S, or
        # ASiC-E over one file); over several files there is no single one
        if len(signature.covered_files) == 1:
            document = sub(svr, VR_NS, "SignersDocument")
            digest_alg_and_value(document, "DigestAlgAndValue", signature.covered_files[0].sha256)
        return
    if rng is None and signature.integrity is None:
        return
    if rng is not None and rng.coverage is not Coverage.ENTIRE_FILE:
        return
    document = sub(svr, VR_NS, "SignersDocument")
    digest_alg_and_value(document, "DigestAlgAndValue", report.document_sha256)


def _attributes(svr: Any, signature: SignatureView, timestamp_ids: list[str]) -> None:
    items: list[tuple[str, dict[str, str], list[tuple[str, str]]]] = []
    if signature.signing_time is not None and (
        signature.signing_time_source is SigningTimeSource.CLAIMED
    ):
        items.append(
            ("SigningTime", {"Signed": "true"}, [("Time", xml_time(signature.signing_time))])
        )
    data = signature.validation_data
    for token in data.timestamps if data is not None else ():
        items.append(("SignatureTimeStamp", {}, [("TimeStampValue", xml_time(token.time))]))
    conformance = signature.conformance
    if conformance is not None and conformance.subfilter:
        items.append(("SubFilter", {}, [("SubFilterElement", conformance.subfilter)]))
    rng = signature.signed_range
    if not items and rng is None:
        return
    attributes = sub(svr, VR_NS, "SignatureAttributes")
    stamps = iter(timestamp_ids)
    for tag, attrs, children in items:
        element = sub(attributes, VR_NS, tag, **attrs)
        if tag == "SignatureTimeStamp":
            ident = next(stamps, None)
            if ident is not None:
                sub(element, VR_NS, "AttributeObject", VOReference=ident)
        for child, text in children:
            sub(element, VR_NS, child, text)
    if rng is not None and rng.byte_range:
        sub(attributes, VR_NS, "ByteRange", " ".join(str(n) for n in rng.byte_range))


def _process(signature: SignatureView, timestamp_id: str | None) -> str:
    if signature.long_term is not None:
        return PROCESS_LTA
    if timestamp_id is not None:
        return PROCESS_LTVM
    return PROCESS_BASIC


def _status(  # noqa: PLR0917 - the parts of one element
    svr: Any,
    signature: SignatureView,
    sig_id: str,
    cert_ids: list[str],
    timestamp_ids: list[str],
    revocation_ids: list[str],
) -> None:
    status = sub(svr, VR_NS, "SignatureValidationStatus")
    sub(status, VR_NS, "MainIndication", main_indication_uri(signature.indication))
    sub_indication = signature.sub_indication
    if signature.indication is not Indication.TOTAL_PASSED and sub_indication is not None:
        uri = sub_indication_uri(sub_indication)
        if uri is not None:
            sub(status, VR_NS, "SubIndication", uri)
    path = signature.certificate_path
    trusted = path is not None and path.status is PathStatus.TRUSTED and len(cert_ids) > 0
    algorithm = (
        signature_algorithm_uri(
            signature.integrity.signature_algorithm, signature.integrity.digest_algorithm
        )
        if signature.integrity is not None
        else None
    )
    if not (cert_ids or timestamp_ids or revocation_ids or algorithm):
        return
    data = sub(status, VR_NS, "AssociatedValidationReportData")
    if trusted:
        sub(data, VR_NS, "TrustAnchor", VOReference=cert_ids[-1])
    if cert_ids:
        chain = sub(data, VR_NS, "CertificateChain")
        sub(chain, VR_NS, "SigningCertificate", VOReference=cert_ids[0])
        middle = cert_ids[1:-1] if trusted else cert_ids[1:]
        for ident in middle:
            sub(chain, VR_NS, "IntermediateCertificate", VOReference=ident)
        if trusted and len(cert_ids) > 1:
            sub(chain, VR_NS, "TrustAnchor", VOReference=cert_ids[-1])
    for ident in (*timestamp_ids, *revocation_ids):
        sub(data, VR_NS, "RelatedValidationObject", VOReference=ident)
    validation = signature.validation_data
    revoked_at = validation.signer_revoked_at if validation is not None else None
    if revoked_at is not None and cert_ids:
        revocation = sub(data, VR_NS, "RevocationStatusInformation")
        sub(revocation, VR_NS, "ValidationObjectId", VOReference=cert_ids[0])
        sub(revocation, VR_NS, "RevocationTime", xml_time(revoked_at))
        signer = path.chain[0].sha256_fingerprint if path is not None else None
        tokens = validation.revocation if validation is not None else ()
        for token, ident in zip(tokens, revocation_ids, strict=True):
            if signer in token.about:
                sub(revocation, VR_NS, "RevocationObject", VOReference=ident)
                break
    if algorithm is not None:
        crypto = sub(data, VR_NS, "CryptoInformation")
        sub(crypto, VR_NS, "ValidationObjectId", VOReference=sig_id)
        sub(crypto, VR_NS, "Algorithm", algorithm)
        checked = [f for f in signature.findings if f.check is CheckId.ALGORITHMS]
        secure = bool(checked) and all(f.outcome is Outcome.PASSED for f in checked)
        sub(crypto, VR_NS, "SecureAlgorithm", "true" if secure else "false")
