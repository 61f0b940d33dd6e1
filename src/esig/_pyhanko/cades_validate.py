"""Validate detached CAdES (CMS) signatures with pyHanko; the facts as plain data.

Validation in the past. pyHanko's AdES LTA process reads PDF document timestamps, and
esig makes no CAdES B-LTA (no archive timestamp), so for a detached signature the only
proof of existence is its signature timestamp. When the signer's path fails at the
validation moment for a reason that such a proof can resolve (the certificate expired,
was revoked, or the embedded revocation data is no longer fresh), the signature is
judged once more *as of the signature timestamp's time* T, with pyhanko-certvalidator:

- ``moment=T``, revocation data **required** for every certificate of both paths (the
  signer's and the timestamp authority's), taken from the SignedData (and fetched only
  when fetching is allowed);
- ``retroactive_revinfo``: data issued at or after T speaks for T, as EN 319 102-1 judges
  revocation data against the best signature time; data from before T must still be
  current at T (its thisUpdate–nextUpdate window);
- the TSA certificate must still be within its validity period at the validation moment.

What this cannot show offline is whether the TSA (or its CA) was revoked after T; those
certificates are reported as assumed not revoked. A signature whose timestamp comes
after the revocation fails as it did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, BinaryIO

from asn1crypto import cms, crl, ocsp, pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko.sign.validation.generic_cms import get_signing_cert_attr
from pyhanko.sign.validation.status import StandardCMSSignatureStatus
from pyhanko_certvalidator import ValidationContext

from esig._io import CHUNK_SIZE
from esig._pyhanko import cades_attributes  # noqa: F401 - registers the B-LTA attributes
from esig._pyhanko.fetching import fetcher_backend
from esig._pyhanko.long_term import (
    LONG_TERM_TRIGGERS,
    certificate_chain_above,
    signature_time_facts,
    timestamp_facts,
)
from esig._pyhanko.raw_signature import with_changes
from esig._pyhanko.revocation import known_revocation_data
from esig._pyhanko.signature_bytes import signature_value, timestamp_token_sha256
from esig._pyhanko.signer import anchors_asn1, from_asn1, readable_certificates
from esig._pyhanko.validate import (
    MALFORMED,
    RawSignature,
    sub_indication_name,
    timestamp_revocation,
    timestamp_token_certificates,
    with_revocation,
)
from esig.certificates import issuer_chain
from esig.errors import InputError
from esig.model.coverage import Coverage, ModificationLevel

__all__ = ["load_signed_data", "validate_cades"]


def _parse_signer_infos(signed_data: cms.SignedData) -> None:
    """Parse each SignerInfo down to its attributes' types now: fail here, not later.

    Not ``.native`` of the whole: asn1crypto re-encodes parts of a parsed value on the
    way, which took one to three seconds on small real signatures (DSS's ASiC files).
    """
    for info in signed_data["signer_infos"]:
        for part in ("sid", "digest_algorithm", "signature_algorithm", "signature"):
            info[part].native  # noqa: B018 - parse now
        for group in ("signed_attrs", "unsigned_attrs"):
            for attribute in info[group] or ():
                attribute["type"].native  # noqa: B018 - parse now
                len(attribute["values"])


def load_signed_data(signature: bytes) -> cms.SignedData:
    """The SignedData of a DER or PEM CMS signature, or an :class:`InputError`."""
    data = signature
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            _, _, data = pem.unarmor(data.strip())
        except ValueError:
            raise InputError("The signature file is PEM, but cannot be decoded") from None
    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            raise InputError(
                f"The signature file holds CMS {info['content_type'].native}, not signed data"
            )
        signed_data: cms.SignedData = info["content"]
        _parse_signer_infos(signed_data)
    except InputError:
        raise
    except MALFORMED:
        raise InputError("This is not a CMS/CAdES signature (no DER SignedData)") from None
    return signed_data


def _embedded(
    signed_data: cms.SignedData,
) -> tuple[list[asn1_x509.Certificate], list[crl.CertificateList], list[ocsp.OCSPResponse]]:
    certs: list[asn1_x509.Certificate] = []
    crls: list[crl.CertificateList] = []
    ocsps: list[ocsp.OCSPResponse] = []
    for choice in signed_data["certificates"] or ():
        if choice.name == "certificate":
            certs.append(choice.chosen)
    for choice in signed_data["crls"] or ():
        if choice.name == "crl":
            crls.append(choice.chosen)
        elif choice.chosen["other_rev_info_format"].native == "ocsp_response":
            ocsps.append(choice.chosen["other_rev_info"])
    return certs, crls, ocsps


async def validate_cades(
    signature: bytes,
    content: BinaryIO,
    content_size: int,
    trust_anchors: Sequence[x509.Certificate],
    *,
    name: str,
    allow_fetching: bool = False,
    moment: dt.datetime | None = None,
) -> RawSignature:
    """Validate a detached CMS signature over ``content``; the facts, without pyHanko types.

    The validation data carried in the SignedData (certificates, CRLs, OCSP responses)
    is used, so a B-LT signature validates offline.

    Raises:
        InputError: ``signature`` is not a CMS SignedData.

    """
    signed_data = load_signed_data(signature)
    base = RawSignature(
        field_name=name,
        file_size=content_size,
        coverage=Coverage.ENTIRE_FILE,
        modification=ModificationLevel.NONE,
    )
    try:
        certs, crls, ocsps = _embedded(signed_data)
        context = _context(
            trust_anchors, certs, crls, ocsps, allow_fetching=allow_fetching, moment=moment
        )
    except MALFORMED as exc:
        return RawSignature(
            field_name=name,
            file_size=content_size,
            error=f"the embedded validation data cannot be read: {exc}",
            error_sub_indication="FORMAT_FAILURE",
        )
    known = known_revocation_data(context)
    try:
        status = await async_validate_detached_cms(
            content,
            signed_data,
            signer_validation_context=context,
            ts_validation_context=context,
            chunk_size=CHUNK_SIZE,
        )
    except MALFORMED as exc:
        sub = sub_indication_name(getattr(exc, "ades_subindication", None))
        return RawSignature(
            field_name=name,
            file_size=content_size,
            signer_cert=_signer_certificate(signed_data),
            error=str(exc) or type(exc).__name__,
            error_sub_indication=sub or "FORMAT_FAILURE",
        )
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    raw = _from_status(
        base, signed_data, status, revocation_embedded=bool(crls or ocsps), fetching=allow_fetching
    )
    pool = readable_certificates(certs)
    if raw.signer_cert is not None:
        raw = replace(raw, embedded_chain=issuer_chain(raw.signer_cert, pool))
    raw = with_revocation(raw, context, known, trust_anchors, pool)
    raw = with_changes(
        raw,
        signature_value=signature_value(signed_data["signer_infos"][0]),
        timestamp_token_sha256=timestamp_token_sha256(signed_data["signer_infos"][0]),
    )
    raw = timestamp_revocation(
        raw,
        signed_data["signer_infos"][0],
        context=context,
        known=known,
        trust_anchors=trust_anchors,
        pool=pool,
    )
    if raw.trusted is False and raw.trust_problem in _PAST_TRIGGERS and not raw.revocation_unknown:
        content.seek(0)
        raw = await _at_signature_time(
            raw,
            content,
            signed_data,
            _context(
                trust_anchors,
                certs,
                crls,
                ocsps,
                allow_fetching=allow_fetching,
                moment=raw.timestamp.time if raw.timestamp else None,
                at_signature_time=True,
            )
            if raw.timestamp is not None and (crls or ocsps or allow_fetching)
            else None,
            trust_anchors,
            at=moment or dt.datetime.now(dt.UTC),
            fetched=allow_fetching,
        )
    return raw


_PAST_TRIGGERS = LONG_TERM_TRIGGERS | {"REVOKED", "CERTIFICATE_CHAIN_GENERAL_FAILURE"}
"""Sub-indications at the validation moment that a validation as of the signature
timestamp's time may resolve (an unfresh OCSP response can also surface as a general
chain failure)."""


def _context(
    trust_anchors: Sequence[x509.Certificate],
    certs: Sequence[asn1_x509.Certificate],
    crls: Sequence[crl.CertificateList],
    ocsps: Sequence[ocsp.OCSPResponse],
    *,
    allow_fetching: bool,
    moment: dt.datetime | None,
    at_signature_time: bool = False,
) -> ValidationContext:
    return ValidationContext(
        trust_roots=anchors_asn1(trust_anchors),
        other_certs=list(certs),
        crls=list(crls),
        ocsps=list(ocsps),
        allow_fetching=allow_fetching,
        fetcher_backend=fetcher_backend(allow_fetching),
        # the rule of esig._pyhanko.validate._validation_context: certificates that name
        # revocation services must have their status established (BES art. 3(d))
        revocation_mode="require" if at_signature_time else "hard-fail",
        retroactive_revinfo=at_signature_time,
        moment=moment,
    )


async def _at_signature_time(
    raw: RawSignature,
    content: BinaryIO,
    signed_data: cms.SignedData,
    context: ValidationContext | None,
    trust_anchors: Sequence[x509.Certificate],
    *,
    at: dt.datetime,
    fetched: bool,
) -> RawSignature:
    """``raw`` validated as of its signature timestamp's time, or unchanged (see above)."""
    ts = raw.timestamp
    if (
        context is None
        or ts is None
        or not (ts.imprint_matches and ts.signature_valid)
        or ts.tsa_certificate is None
        or ts.tsa_certificate.not_valid_after_utc < at
    ):
        return raw
    try:
        status = await async_validate_detached_cms(
            content,
            signed_data,
            signer_validation_context=context,
            ts_validation_context=context,
            chunk_size=CHUNK_SIZE,
        )
    except MALFORMED:
        return raw
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    then = _from_status(
        raw, signed_data, status, revocation_embedded=raw.revocation_embedded, fetching=fetched
    )
    if not (
        then.trusted and then.timestamp_trusted and then.digest_matches and then.signature_valid
    ):
        return raw
    pool = [*then.path, *_timestamp_certificates(signed_data)]
    assumed = () if ts.trusted else certificate_chain_above(ts.tsa_certificate, pool, trust_anchors)
    facts = signature_time_facts(
        at=at, proven=ts.time, assumed_not_revoked=assumed, fetched=fetched
    )
    return replace(
        raw,
        long_term=facts,
        path=then.path,
        timestamp_time=ts.time,
        timestamp_trusted=True,
    )


def _timestamp_certificates(signed_data: cms.SignedData) -> list[x509.Certificate]:
    """The certificates of the embedded data and of the signature timestamp tokens."""
    found = [
        from_asn1(c.chosen) for c in signed_data["certificates"] or () if c.name == "certificate"
    ]
    try:
        signer_info = signed_data["signer_infos"][0]
    except MALFORMED:
        return found
    return found + timestamp_token_certificates(signer_info)


def _signer_certificate(signed_data: cms.SignedData) -> x509.Certificate | None:
    try:
        return from_asn1(extract_certificate_info(signed_data).signer_cert)
    except (*MALFORMED, PyHankoSigningError):
        return None


def _first_signer_attrs(signed_data: cms.SignedData) -> Any:
    return signed_data["signer_infos"][0]["signed_attrs"]


def _from_status(
    base: RawSignature,
    signed_data: cms.SignedData,
    status: StandardCMSSignatureStatus,
    *,
    revocation_embedded: bool,
    fetching: bool,
) -> RawSignature:
    path: tuple[x509.Certificate, ...] = ()
    if status.validation_path is not None:
        path = tuple(from_asn1(c) for c in status.validation_path.iter_certs(include_root=True))
    ts = status.timestamp_validity
    revoked_at = (
        status.revocation_details.revocation_date if status.revocation_details is not None else None
    )
    try:
        bound = get_signing_cert_attr(_first_signer_attrs(signed_data)) is not None
    except MALFORMED:
        bound = False
    return RawSignature(
        field_name=base.field_name,
        file_size=base.file_size,
        coverage=base.coverage,
        modification=base.modification,
        signer_cert=from_asn1(status.signing_cert),
        digest_matches=status.intact,
        signature_valid=status.valid,
        digest_algorithm=str(status.md_algorithm),
        signature_algorithm=str(status.pkcs7_signature_mechanism),
        signer_certificate_bound=bound,
        trusted=status.trust_problem_indic is None and status.validation_path is not None,
        trust_problem=sub_indication_name(status.trust_problem_indic),
        revoked_at=revoked_at,
        path=tuple(reversed(path)),
        claimed_time=status.signer_reported_dt,
        timestamp_time=ts.timestamp if ts is not None else None,
        timestamp_trusted=bool(ts is not None and ts.intact and ts.valid and ts.trusted),
        timestamp=timestamp_facts(ts),
        revocation_embedded=revocation_embedded,
        revocation_fetching=fetching,
    )
