"""Validate PDF signatures with pyHanko and return the facts as plain data.

One validation context per signature; the facts of each become a
:class:`~esig._pyhanko.raw_signature.RawSignature` (re-exported here, with the
document readers of :mod:`esig._pyhanko.documents` and the revocation facts of
:mod:`esig._pyhanko.signature_revocation` that the CAdES validation shares).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESSubIndic
from pyhanko.sign.diff_analysis import SuspiciousModification
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.generic_cms import get_signing_cert_attr
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from esig._pyhanko.change_verdict import judged_by_esig
from esig._pyhanko.documents import MALFORMED, FilledField, filled_signature_fields, open_reader
from esig._pyhanko.evidence_attr import evidence_base_sha256, read_evidence_attribute
from esig._pyhanko.fetching import fetcher_backend
from esig._pyhanko.long_term import (
    LONG_TERM_TRIGGERS,
    certificate_chain_above,
    revocation_problem,
    signature_time_facts,
    timestamp_facts,
    validate_in_the_past,
)
from esig._pyhanko.raw_signature import RawSignature, with_changes
from esig._pyhanko.revocation import known_revocation_data
from esig._pyhanko.signature_bytes import signature_value, timestamp_token_sha256
from esig._pyhanko.signature_revocation import (
    timestamp_revocation,
    timestamp_token_certificates,
    with_revocation,
)
from esig._pyhanko.signer import (
    anchors_asn1,
    certificate_once,
    from_asn1,
    readable_certificates,
)
from esig.certificates import issuer_chain
from esig.model.coverage import Coverage, ModificationLevel

__all__ = [
    "MALFORMED",
    "FilledField",
    "RawSignature",
    "filled_signature_fields",
    "open_reader",
    "sub_indication_name",
    "timestamp_revocation",
    "timestamp_token_certificates",
    "validate_signatures",
    "with_revocation",
]

_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: Coverage.ENTIRE_FILE,
    SignatureCoverageLevel.ENTIRE_REVISION: Coverage.ENTIRE_REVISION,
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: Coverage.PREFIX,
    SignatureCoverageLevel.UNCLEAR: Coverage.UNCLEAR,
}


def _validation_context(
    trust_anchors: Sequence[x509.Certificate],
    *,
    allow_fetching: bool,
    moment: dt.datetime | None,
    dss: DocumentSecurityStore | None,
    embedded_certs: Sequence[asn1_x509.Certificate],
    at_signature_time: bool = False,
) -> ValidationContext:
    """A fresh context: anchors, plus what the document carries (DSS, embedded certs).

    The document's own certificates, OCSP responses and CRLs are candidates, never
    anchors: they let a path (e.g. a timestamp authority's) be built and revocation be
    checked without the network.

    Revocation (BES art. 3(d)): pyhanko-certvalidator's "hard-fail" rule: a certificate
    that names an OCSP responder or a CRL distribution point must have its status
    established (embedded data, or fetched when allowed), else the path is not valid;
    a certificate that names none cannot be checked and is not failed for it. The same
    context judges the signer's and the signature timestamp's paths.
    ``at_signature_time``: ``moment`` is the signature timestamp's time; revocation data
    is then required, and data issued after that moment speaks for it (retroactive
    revocation info).
    """
    kwargs: dict[str, Any] = {
        "trust_roots": anchors_asn1(trust_anchors),
        "allow_fetching": allow_fetching,
        "fetcher_backend": fetcher_backend(allow_fetching),
        "revocation_mode": "require" if at_signature_time else "hard-fail",
        "retroactive_revinfo": at_signature_time,
        "moment": moment,
        "other_certs": list(embedded_certs),
        "crls": [],
        "ocsps": [],
    }
    if dss is not None:
        try:
            return dss.as_validation_context(kwargs)
        except MALFORMED:
            pass  # an unreadable DSS is ignored; the signature is judged without it
    return ValidationContext(**kwargs)


def _document_dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None
    except MALFORMED:
        return None


def _embedded_certificates(items: Sequence[object]) -> list[asn1_x509.Certificate]:
    found: list[asn1_x509.Certificate] = []
    for item in items:
        if not isinstance(item, EmbeddedPdfSignature):
            continue
        try:
            choices = item.signed_data["certificates"] or ()
            # Copies kept per process: the CA certificates recur across documents.
            found.extend(
                certificate_once(c.chosen.dump()) for c in choices if c.name == "certificate"
            )
        except MALFORMED:
            continue
    return found


async def validate_signatures(
    reader: PdfFileReader,
    file_size: int,
    trust_anchors: Sequence[x509.Certificate],
    *,
    allow_fetching: bool = False,
    moment: dt.datetime | None = None,
    filled: Sequence[FilledField] | None = None,
) -> list[RawSignature]:
    """Validate every regular signature in the document, oldest first.

    ``filled`` (from :func:`filled_signature_fields`) saves parsing the fields again.
    """
    results = []
    items = _signature_fields(reader, file_size, filled)
    dss = _document_dss(reader)
    embedded = _embedded_certificates(items)
    revocation_data = dss is not None and bool(list(dss.ocsps) or list(dss.crls))
    # Candidates for the issuers above a certificate: the same for every signature.
    pool = [from_asn1(c) for c in embedded] + _dss_certificates(dss)
    for item in items:
        if isinstance(item, RawSignature):
            results.append(item)
            continue
        context = _validation_context(
            trust_anchors,
            allow_fetching=allow_fetching,
            moment=moment,
            dss=dss,
            embedded_certs=embedded,
        )
        known = known_revocation_data(context)
        raw = await _validate_one(reader, item, file_size, context)
        raw = with_revocation(raw, context, known, trust_anchors, pool)
        raw = timestamp_revocation(
            raw,
            item.signer_info,
            context=context,
            known=known,
            trust_anchors=trust_anchors,
            pool=pool,
        )
        if not raw.revocation_unknown:
            raw = await _long_term(
                raw,
                item,
                context,
                trust_anchors,
                moment=moment,
                allow_fetching=allow_fetching,
                dss=dss,
                embedded=embedded,
            )
        if raw.revocation_problem is not None:
            raw = await _at_signature_time(
                raw, item, trust_anchors, moment=moment, dss=dss, embedded=embedded
            )
        results.append(
            with_changes(
                raw,
                revocation_embedded=revocation_data,
                revocation_fetching=allow_fetching,
                signature_value=signature_value(item.signer_info),
                timestamp_token_sha256=timestamp_token_sha256(item.signer_info),
            )
        )
    return results


def _dss_certificates(dss: DocumentSecurityStore | None) -> list[x509.Certificate]:
    if dss is None:
        return []
    try:
        return [from_asn1(c) for c in dss.load_certs()]
    except MALFORMED:
        return []


async def _long_term(
    raw: RawSignature,
    sig: EmbeddedPdfSignature,
    context: ValidationContext,
    trust_anchors: Sequence[x509.Certificate],
    *,
    moment: dt.datetime | None,
    allow_fetching: bool,
    dss: DocumentSecurityStore | None = None,
    embedded: Sequence[asn1_x509.Certificate] = (),
) -> RawSignature:
    """Add what explains a failed path: past validation, or rejected revocation data.

    The AdES LTA process first (document timestamps give the revocation data its proof
    of existence); when it does not pass, EN 319 102-1's past signature validation from
    the signature timestamp alone (:func:`_at_signature_time`): a B-LT signature whose
    certificate expired (or was revoked) after its trusted signature timestamp T still
    validates as of T from the DSS, as long as the TSA certificate is valid now.
    """
    cert = raw.signer_cert
    if raw.trusted is not False or cert is None or raw.error is not None:
        return raw
    if raw.trust_problem in LONG_TERM_TRIGGERS:
        at = moment or dt.datetime.now(dt.UTC)
        try:
            facts = await validate_in_the_past(
                sig, trust_anchors, at=at, allow_fetching=allow_fetching
            )
        except MALFORMED:
            return raw
        raw = with_changes(raw, long_term=facts)
        if facts.passed:
            return with_changes(raw, path=facts.path or raw.path)
        then = await _at_signature_time(
            raw, sig, trust_anchors, moment=moment, dss=dss, embedded=embedded
        )
        if then.long_term is not None and then.long_term.passed:
            return then
    if raw.trust_problem in {"TRY_LATER", "CERTIFICATE_CHAIN_GENERAL_FAILURE"}:
        if raw.revocation and not any(c.names_services or c.sources for c in raw.revocation):
            # no certificate of the chain names a revocation service and no data about
            # any was found: none can have been rejected (saves a second path validation)
            return raw
        problem = await revocation_problem(cert, context, sig.reader)
        return with_changes(raw, revocation_problem=problem)
    return raw


async def _at_signature_time(
    raw: RawSignature,
    sig: EmbeddedPdfSignature,
    trust_anchors: Sequence[x509.Certificate],
    *,
    moment: dt.datetime | None,
    dss: DocumentSecurityStore | None,
    embedded: Sequence[asn1_x509.Certificate],
) -> RawSignature:
    """Judge the signature as of its signature timestamp's time T (past validation).

    For stale revocation data (TRY_LATER), and for a signer's certificate that expired
    or was revoked after T when the AdES LTA process did not pass (no document
    timestamp: B-LT). EN 319 102-1 (§5.6.2.4, past signature validation) judges
    revocation data against the best signature time: data issued at or after a trusted
    signature timestamp says the certificate was good when the signature was made, and
    the timestamp is the proof of existence at T. The signer's and the timestamp's
    paths are validated as of T from the document's own data (DSS and CMS; revocation
    data required, never fetched). The TSA certificate must be within its validity
    period at the validation moment and not known to be revoked (an expired TSA needs
    a document timestamp, B-LTA, to renew it); a revocation known to predate T is never
    overridden. Unchanged when any of that fails.
    """
    ts = raw.timestamp
    at = moment or dt.datetime.now(dt.UTC)
    if (
        ts is None
        or dss is None
        or raw.signer_cert is None
        or (raw.revoked_at is not None and raw.revoked_at <= ts.time)
        or not (ts.imprint_matches and ts.signature_valid)
        or ts.tsa_revoked_at is not None
        or ts.tsa_certificate is None
        or not (
            ts.tsa_certificate.not_valid_before_utc <= at <= ts.tsa_certificate.not_valid_after_utc
        )
    ):
        return raw
    try:
        context = _validation_context(
            trust_anchors,
            allow_fetching=False,
            moment=ts.time,
            dss=dss,
            embedded_certs=embedded,
            at_signature_time=True,
        )
        then = await _validate_one(sig.reader, sig, raw.file_size, context)
    except MALFORMED:
        return raw
    if not (then.trusted and then.timestamp_trusted):
        return raw
    pool = [from_asn1(c) for c in embedded] + list(then.path)
    assumed = () if ts.trusted else certificate_chain_above(ts.tsa_certificate, pool, trust_anchors)
    facts = signature_time_facts(
        at=at,
        proven=ts.time,
        assumed_not_revoked=assumed,
        fetched=False,
        document_timestamps=raw.long_term.document_timestamps if raw.long_term else 0,
    )
    return with_changes(
        raw,
        long_term=facts,
        revocation_problem=None,
        path=then.path,
        timestamp_time=ts.time,
        timestamp_trusted=True,
    )


def _signature_dictionary(sig_ref: object) -> tuple[str, str, tuple[int, ...]]:
    """/Type, /SubFilter and /ByteRange of a signature dictionary, as far as readable."""
    try:
        obj = sig_ref.get_object()  # type: ignore[attr-defined]
    except MALFORMED:
        return "/Sig", "None", ()
    kind = str(obj.get("/Type", "/Sig"))
    subfilter = str(obj.get("/SubFilter"))
    try:
        byte_range = tuple(int(x) for x in obj["/ByteRange"])
    except MALFORMED:
        byte_range = ()
    return kind, subfilter, byte_range


_SUPPORTED_SUBFILTERS = {"/adbe.pkcs7.detached", "/ETSI.CAdES.detached"}


def _signature_fields(
    reader: PdfFileReader, file_size: int, filled: Sequence[FilledField] | None = None
) -> list[EmbeddedPdfSignature | RawSignature]:
    """Every filled signature field: readable ones to validate, the rest as failures.

    pyHanko builds all signatures at once (one unreadable CMS blob hides the others) and
    skips signatures with an unknown /SubFilter; here each field stands on its own and
    nothing is skipped silently. Document timestamps are left to their own check.
    """
    found: list[EmbeddedPdfSignature | RawSignature] = []
    for field in filled_signature_fields(reader) if filled is None else filled:
        name, sig_ref, sig, error = field.name, field.sig_ref, field.embedded, field.error
        source = sig.sig_object if sig is not None else sig_ref
        kind, subfilter, byte_range = _signature_dictionary(source)
        if kind == "/DocTimeStamp":
            continue
        if subfilter not in _SUPPORTED_SUBFILTERS:
            error = f"the signature format (/SubFilter {subfilter}) is not one esig can verify"
        if sig is not None and error is None:
            found.append(sig)
            continue
        found.append(
            RawSignature(
                field_name=str(name),
                byte_range=byte_range,
                file_size=file_size,
                total_revisions=reader.xrefs.total_revisions,
                error=error,
                error_sub_indication="FORMAT_FAILURE",
            )
        )
    return found


async def _validate_one(
    reader: PdfFileReader, sig: EmbeddedPdfSignature, file_size: int, context: ValidationContext
) -> RawSignature:
    base = _structure(reader, sig, file_size)
    try:
        # The changes after signing are esig's to judge (change_verdict); pyHanko's own
        # difference analysis runs only where esig's cannot finish.
        status = await async_validate_pdf_signature(
            sig,
            signer_validation_context=context,
            ts_validation_context=context,
            skip_diff=True,
        )
    except MALFORMED as exc:
        return _with_embedded_chain(_failed(base, sig, exc), sig)
    return _with_embedded_chain(judged_by_esig(reader, sig, _from_status(base, sig, status)), sig)


def _with_embedded_chain(raw: RawSignature, sig: EmbeddedPdfSignature) -> RawSignature:
    """``raw`` with the signer's issuers among the CMS's certificates, in order."""
    if raw.signer_cert is None:
        return raw
    try:
        choices = sig.signed_data["certificates"] or ()
        carried = readable_certificates([c.chosen for c in choices if c.name == "certificate"])
    except MALFORMED:
        carried = []
    return with_changes(raw, embedded_chain=issuer_chain(raw.signer_cert, carried))


def _structure(reader: PdfFileReader, sig: EmbeddedPdfSignature, file_size: int) -> RawSignature:
    try:
        byte_range = tuple(int(x) for x in sig.byte_range)
    except MALFORMED:
        byte_range = ()
    try:
        revision: int | None = sig.signed_revision + 1
    except MALFORMED:
        revision = None
    return RawSignature(
        field_name=str(sig.field_name),
        byte_range=byte_range,
        file_size=file_size,
        revision=revision,
        total_revisions=reader.xrefs.total_revisions,
        digest_algorithm=_safe(lambda: str(sig.md_algorithm), ""),
        signature_algorithm=_safe(lambda: _mechanism(sig), ""),
        signer_certificate_bound=_safe(
            lambda: get_signing_cert_attr(sig.signer_info["signed_attrs"]) is not None, False
        ),
        claimed_time=_safe(lambda: sig.self_reported_timestamp, None),
        certified=_safe(lambda: sig.docmdp_level is not None, False),
        redefined_objects=_safe(lambda: _redefined_objects(reader, sig.signed_revision), ()),
        evidence_record=(record := _evidence_record(sig)),
        evidence_base_sha256=_safe(
            lambda: evidence_base_sha256(reader.stream, record, sum(byte_range[2:4])), None
        ),
    )


def _evidence_record(sig: EmbeddedPdfSignature) -> bytes | None:
    return _safe(lambda: read_evidence_attribute(sig.signer_info["signed_attrs"]), None)


def _redefined_objects(reader: PdfFileReader, signed_revision: int) -> tuple[int, ...]:
    xrefs = reader.xrefs
    before: set[int] = set()
    for revision in range(signed_revision + 1):
        before.update(ref.idnum for ref in xrefs.explicit_refs_in_revision(revision))
    after: set[int] = set()
    for revision in range(signed_revision + 1, xrefs.total_revisions):
        after.update(ref.idnum for ref in xrefs.explicit_refs_in_revision(revision))
    return tuple(sorted(before & after))


def _mechanism(sig: EmbeddedPdfSignature) -> str:
    algo = sig.signer_info["signature_algorithm"]
    try:
        return str(algo.signature_algo)
    except ValueError:
        return str(algo["algorithm"].native)


T = TypeVar("T")


def _safe(fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except MALFORMED:
        return default


def sub_indication_name(indic: AdESSubIndic | None) -> str | None:
    """The EN 319 102-1 sub-indication's name (e.g. ``TRY_LATER``), or None."""
    return None if indic is None else str(getattr(indic, "name", indic))


def _failed(base: RawSignature, sig: EmbeddedPdfSignature, exc: BaseException) -> RawSignature:
    sub = sub_indication_name(getattr(exc, "ades_subindication", None)) or "FORMAT_FAILURE"
    coverage = _safe(lambda: _COVERAGE[sig.evaluate_signature_coverage()], None)
    # Read only here: pyHanko does not cache the signer certificate lookup, and on the
    # success path the validation status already carries the certificate.
    signer_cert = _safe(lambda: from_asn1(sig.signer_cert), None)
    return with_changes(
        base,
        error=str(exc) or type(exc).__name__,
        error_sub_indication=sub,
        coverage=coverage,
        signer_cert=signer_cert,
    )


def _from_status(
    base: RawSignature, sig: EmbeddedPdfSignature, status: PdfSignatureStatus
) -> RawSignature:
    diff = status.diff_result
    detail = str(diff) if isinstance(diff, SuspiciousModification) else None
    level = status.modification_level
    modification = ModificationLevel.UNKNOWN if level is None else ModificationLevel[level.name]
    path: tuple[x509.Certificate, ...] = ()
    if status.validation_path is not None:
        path = tuple(from_asn1(c) for c in status.validation_path.iter_certs(include_root=True))
    ts = status.timestamp_validity
    revoked_at = (
        status.revocation_details.revocation_date if status.revocation_details is not None else None
    )
    return with_changes(
        base,
        coverage=_COVERAGE.get(status.coverage) if status.coverage is not None else None,
        modification=modification,
        modification_detail=detail,
        docmdp_ok=status.docmdp_ok,
        signer_cert=from_asn1(status.signing_cert),
        digest_matches=status.intact,
        signature_valid=status.valid,
        # pyHanko's `trusted` is also false when the signature value is broken; the path
        # is judged on its own here (integrity is its own check).
        trusted=status.trust_problem_indic is None and status.validation_path is not None,
        trust_problem=sub_indication_name(status.trust_problem_indic),
        revoked_at=revoked_at,
        path=tuple(reversed(path)),
        claimed_time=status.signer_reported_dt or base.claimed_time,
        timestamp_time=ts.timestamp if ts is not None else None,
        timestamp_trusted=bool(ts is not None and ts.intact and ts.valid and ts.trusted),
        timestamp=timestamp_facts(ts),
    )
