"""The certificate path and signature timestamp of an XML signature, with pyHanko's validator.

:mod:`esig._xml` checks the XML signature itself (signxml); what is not XML is judged
here exactly as for CMS: the signer's certificate path to the trust anchors with
pyhanko-certvalidator (hard-fail revocation for certificates that name revocation
services, the key usage pyHanko asks of a signer), and the RFC 3161 token of a XAdES
``SignatureTimeStamp`` with pyHanko's time-stamp validation (its message imprint compared
with the digest of the canonicalised ``ds:SignatureValue`` the caller supplies).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import replace

from asn1crypto import cms
from cryptography import x509
from pyhanko.sign.validation.generic_cms import validate_cert_usage, validate_tst_signed_data
from pyhanko.sign.validation.status import StandardCMSSignatureStatus, TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from esig._pyhanko.documents import MALFORMED
from esig._pyhanko.long_term import timestamp_facts
from esig._pyhanko.raw_signature import RawSignature
from esig._pyhanko.revocation import known_revocation_data
from esig._pyhanko.signature_revocation import with_revocation
from esig._pyhanko.signer import anchors_asn1, from_asn1, readable_certificates, to_asn1
from esig._pyhanko.validate import sub_indication_name
from esig.certificates import issuer_chain

__all__ = ["judge_trust", "timestamp_certificates"]


def timestamp_certificates(token: bytes) -> list[x509.Certificate]:
    """The certificates an RFC 3161 token (DER ``ContentInfo``) carries; none if unreadable."""
    try:
        signed = cms.ContentInfo.load(token)["content"]
        return [
            from_asn1(c.chosen) for c in signed["certificates"] or () if c.name == "certificate"
        ]
    except MALFORMED:
        return []


async def judge_trust(
    raw: RawSignature,
    *,
    others: Sequence[x509.Certificate],
    trust_anchors: Sequence[x509.Certificate],
    timestamp_token: bytes | None,
    timestamped_data: bytes | None,
    allow_fetching: bool,
    moment: dt.datetime | None,
) -> tuple[RawSignature, str | None]:
    """``raw`` with the signer's certificate path and its signature timestamp judged.

    ``others``: the certificates the signature carries (issuer candidates, never anchors).
    ``timestamped_data``: the bytes the timestamp's message imprint must be the digest of.
    The second value says why the timestamp token could not be validated, if it could not.
    """
    cert = raw.signer_cert
    problem: str | None = None
    if cert is None:
        return raw, None
    token_certs = timestamp_certificates(timestamp_token) if timestamp_token else []
    context = ValidationContext(
        trust_roots=anchors_asn1(trust_anchors),
        other_certs=[to_asn1(c) for c in [*others, *token_certs]],
        crls=[],
        ocsps=[],
        allow_fetching=allow_fetching,
        revocation_mode="hard-fail",
        moment=moment,
    )
    known = known_revocation_data(context)
    try:
        signer = to_asn1(cert)
        result = await validate_cert_usage(
            signer,
            context,
            key_usage_settings=StandardCMSSignatureStatus.default_usage_constraints(),
            paths=context.path_builder.async_build_paths_lazy(signer),
        )
        path_obj = result.success_result or result.error_path
        path = (
            tuple(reversed([from_asn1(c) for c in path_obj.iter_certs(include_root=True)]))
            if path_obj is not None
            else ()
        )
        judged = replace(
            raw,
            trusted=result.error_subindic is None and result.success_result is not None,
            trust_problem=sub_indication_name(result.error_subindic),
            revoked_at=(
                result.revo_details.revocation_date if result.revo_details is not None else None
            ),
            path=path,
            embedded_chain=issuer_chain(cert, list(others)),
            revocation_fetching=allow_fetching,
        )
        if timestamp_token is not None and timestamped_data is not None:
            judged, problem = await _timestamp(judged, timestamp_token, timestamped_data, context)
    except MALFORMED as exc:
        return replace(
            raw,
            error=f"the certificates cannot be read: {exc}",
            error_sub_indication="FORMAT_FAILURE",
        ), None
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    pool = readable_certificates([to_asn1(c) for c in others])
    return with_revocation(judged, context, known, trust_anchors, pool), problem


async def _timestamp(
    raw: RawSignature, token: bytes, data: bytes, context: ValidationContext
) -> tuple[RawSignature, str | None]:
    def imprint(algorithm: str) -> bytes:
        return hashlib.new(algorithm, data).digest()

    try:
        signed = cms.ContentInfo.load(token)["content"]
        kwargs = await validate_tst_signed_data(signed, context, imprint)
        status = TimestampSignatureStatus(**kwargs)
    except MALFORMED as exc:
        return raw, f"the token cannot be read ({type(exc).__name__})"
    except Exception as exc:
        return raw, f"the token does not validate ({type(exc).__name__}: {exc})"
    facts = timestamp_facts(status)
    return replace(
        raw,
        timestamp=facts,
        timestamp_time=status.timestamp,
        timestamp_trusted=bool(status.intact and status.valid and status.trusted),
    ), None
