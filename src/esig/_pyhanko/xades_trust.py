"""The certificate path and timestamps of an XML signature, with pyHanko's validator.

:mod:`esig._xml` checks the XML signature itself (signxml); what is not XML is judged
here exactly as for CMS: the signer's certificate path to the trust anchors with
pyhanko-certvalidator (hard-fail revocation for certificates that name revocation
services, the key usage pyHanko asks of a signer), and the RFC 3161 tokens of a XAdES
``SignatureTimeStamp`` and of its ``ArchiveTimeStamp`` elements with pyHanko's time-stamp
validation (each message imprint compared with the digest of the octets the caller
supplies: the canonical ``ds:SignatureValue``, the archive timestamp's input).

The validation data the signature embeds (``CertificateValues``, ``RevocationValues``,
``TimeStampValidationData``, as :class:`Embedded` DER) goes into the validation context,
so a B-LT signature verifies offline. Archive timestamps are judged with soft-fail
revocation: the latest one's TSA has, by design, no revocation data inside the signature.

Validation in the past: when the signer's path fails at the moment for a reason a proof
of existence can resolve (expired, revoked later, stale data), the path is judged once
more as of the signature timestamp's time with the embedded data (as for detached CAdES,
:mod:`esig._pyhanko.cades_validate`). The signature timestamp's TSA must still be within
its validity at the moment, unless a sound archive timestamp made before its expiry
covers it (B-LTA).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from asn1crypto import cms, crl, ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.sign.validation.generic_cms import validate_cert_usage, validate_tst_signed_data
from pyhanko.sign.validation.status import StandardCMSSignatureStatus, TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from esig._pyhanko.documents import MALFORMED
from esig._pyhanko.fetching import fetcher_backend
from esig._pyhanko.long_term import (
    LONG_TERM_TRIGGERS,
    TimestampFacts,
    certificate_chain_above,
    signature_time_facts,
    timestamp_facts,
)
from esig._pyhanko.raw_signature import RawSignature
from esig._pyhanko.revocation import known_revocation_data
from esig._pyhanko.signature_revocation import with_revocation
from esig._pyhanko.signer import anchors_asn1, from_asn1, readable_certificates, to_asn1
from esig._pyhanko.validate import sub_indication_name
from esig.certificates import issuer_chain

__all__ = ["ArchiveCheck", "Embedded", "judge_trust", "timestamp_certificates"]

_PAST_TRIGGERS = LONG_TERM_TRIGGERS | {"REVOKED", "CERTIFICATE_CHAIN_GENERAL_FAILURE"}


@dataclass(frozen=True)
class Embedded:
    """The validation data an XML signature carries, as DER."""

    certificates: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()

    def asn1(
        self,
    ) -> tuple[list[asn1_x509.Certificate], list[crl.CertificateList], list[ocsp.OCSPResponse]]:
        """The readable certificates, CRLs and OCSP responses (unreadable ones skipped)."""
        certs, crls, ocsps = [], [], []
        for der in self.certificates:
            try:
                certs.append(asn1_x509.Certificate.load(der, strict=True))
            except MALFORMED:
                continue
        for der in self.crls:
            try:
                crls.append(crl.CertificateList.load(der, strict=True))
            except MALFORMED:
                continue
        for der in self.ocsp_responses:
            try:
                ocsps.append(ocsp.OCSPResponse.load(der, strict=True))
            except MALFORMED:
                continue
        return certs, crls, ocsps


@dataclass(frozen=True)
class ArchiveCheck:
    """One archive timestamp token, validated over the octets it must cover."""

    facts: TimestampFacts | None
    problem: str | None = None

    @property
    def sound(self) -> bool:
        """The imprint matches, the token's signature verifies and its TSA is trusted."""
        f = self.facts
        return f is not None and f.imprint_matches and f.signature_valid and f.trusted


def timestamp_certificates(token: bytes) -> list[x509.Certificate]:
    """The certificates an RFC 3161 token (DER ``ContentInfo``) carries; none if unreadable."""
    try:
        signed = cms.ContentInfo.load(token)["content"]
        return [
            from_asn1(c.chosen) for c in signed["certificates"] or () if c.name == "certificate"
        ]
    except MALFORMED:
        return []


def _context(
    trust_anchors: Sequence[x509.Certificate],
    others: Sequence[x509.Certificate],
    embedded: Embedded,
    *,
    allow_fetching: bool,
    moment: dt.datetime | None,
    mode: str = "hard-fail",
    retroactive: bool = False,
) -> ValidationContext:
    certs, crls, ocsps = embedded.asn1()
    return ValidationContext(
        trust_roots=anchors_asn1(trust_anchors),
        other_certs=[*(to_asn1(c) for c in others), *certs],
        crls=crls,
        ocsps=ocsps,
        allow_fetching=allow_fetching,
        fetcher_backend=fetcher_backend(allow_fetching),
        revocation_mode=mode,
        retroactive_revinfo=retroactive or mode == "require",
        moment=moment,
    )


async def judge_trust(
    raw: RawSignature,
    *,
    others: Sequence[x509.Certificate],
    trust_anchors: Sequence[x509.Certificate],
    timestamp_token: bytes | None,
    timestamped_data: bytes | None,
    allow_fetching: bool,
    moment: dt.datetime | None,
    embedded: Embedded = Embedded(),
    archives: Sequence[tuple[bytes, bytes]] = (),
) -> tuple[RawSignature, str | None, tuple[ArchiveCheck, ...]]:
    """``raw`` with the signer's path, its signature timestamp and archive timestamps judged.

    ``others``: the certificates the signature carries (issuer candidates, never anchors).
    ``timestamped_data``: the bytes the timestamp's message imprint must be the digest of.
    ``archives``: (token, covered octets) of each archive timestamp, in document order.
    Returns the judged signature, why its timestamp could not be validated (if it could
    not) and each archive timestamp's check.
    """
    cert = raw.signer_cert
    if cert is None:
        return raw, None, ()
    token_certs = timestamp_certificates(timestamp_token) if timestamp_token else []
    pool = [*others, *token_certs]
    checks = tuple(
        [
            await _archive(
                token,
                data,
                trust_anchors=trust_anchors,
                pool=pool,
                embedded=embedded,
                allow_fetching=allow_fetching,
                moment=moment,
            )
            for token, data in archives
        ]
    )
    context = _context(trust_anchors, pool, embedded, allow_fetching=allow_fetching, moment=moment)
    judged, problem = await _judge(
        raw,
        cert,
        others=others,
        context=context,
        timestamp_token=timestamp_token,
        timestamped_data=timestamped_data,
    )
    if isinstance(judged, str):
        return replace(raw, error=judged, error_sub_indication="FORMAT_FAILURE"), None, checks
    judged = replace(judged, revocation_fetching=allow_fetching)
    readable = readable_certificates([to_asn1(c) for c in others])
    judged = with_revocation(
        judged, context, known_revocation_data(context), trust_anchors, readable
    )
    if (
        judged.trusted is False
        and judged.trust_problem in _PAST_TRIGGERS
        and not judged.revocation_unknown
        and judged.timestamp is not None
        and timestamp_token is not None
        and timestamped_data is not None
    ):
        judged = await _in_the_past(
            judged, others=others, pool=pool, trust_anchors=trust_anchors, embedded=embedded,
            token=timestamp_token, data=timestamped_data, archives=checks,
            allow_fetching=allow_fetching, at=moment or dt.datetime.now(dt.UTC),
        )  # fmt: skip
    return judged, problem, checks


async def _judge(
    raw: RawSignature,
    cert: x509.Certificate,
    *,
    others: Sequence[x509.Certificate],
    context: ValidationContext,
    timestamp_token: bytes | None,
    timestamped_data: bytes | None,
) -> tuple[RawSignature | str, str | None]:
    """The path (and signature timestamp) judged in ``context``; a string: unreadable."""
    problem: str | None = None
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
            revocation_embedded=bool(context.ocsps or context.crls),
        )
        if timestamp_token is not None and timestamped_data is not None:
            facts, problem = await _token(timestamp_token, timestamped_data, context)
            if facts is not None:
                judged = replace(
                    judged,
                    timestamp=facts,
                    timestamp_time=facts.time,
                    timestamp_trusted=facts.imprint_matches
                    and facts.signature_valid
                    and facts.trusted,
                )
    except MALFORMED as exc:
        return f"the certificates cannot be read: {exc}", None
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    return judged, problem


async def _token(
    token: bytes, data: bytes, context: ValidationContext
) -> tuple[TimestampFacts | None, str | None]:
    def imprint(algorithm: str) -> bytes:
        return hashlib.new(algorithm, data).digest()

    try:
        signed = cms.ContentInfo.load(token, strict=True)["content"]
        kwargs = await validate_tst_signed_data(signed, context, imprint)
        status = TimestampSignatureStatus(**kwargs)
    except MALFORMED as exc:
        return None, f"the token cannot be read ({type(exc).__name__})"
    except Exception as exc:
        return None, f"the token does not validate ({type(exc).__name__}: {exc})"
    return timestamp_facts(status), None


async def _archive(
    token: bytes,
    data: bytes,
    *,
    trust_anchors: Sequence[x509.Certificate],
    pool: Sequence[x509.Certificate],
    embedded: Embedded,
    allow_fetching: bool,
    moment: dt.datetime | None,
) -> ArchiveCheck:
    """The token judged at ``moment``; if its TSA's data is no longer fresh, at its own time.

    Soft-fail revocation both times: the newest archive timestamp's TSA has no revocation
    data inside the signature. Judged as of the token's own time, data issued then or
    later speaks for that time (an older archive timestamp is covered by a newer one).
    """
    check = ArchiveCheck(None)
    for retroactive in (False, True):
        at = moment
        if retroactive:
            if check.facts is None or check.sound or not check.facts.imprint_matches:
                break
            at = check.facts.time
        context = _context(
            trust_anchors,
            pool,
            embedded,
            allow_fetching=allow_fetching,
            moment=at,
            mode="soft-fail",
            retroactive=retroactive,
        )
        try:
            facts, problem = await _token(token, data, context)
        finally:
            await context.aclose()  # type: ignore[no-untyped-call]
        if retroactive and not (facts is not None and facts.trusted):
            break
        check = ArchiveCheck(facts, problem)
    return check


async def _in_the_past(
    raw: RawSignature,
    *,
    others: Sequence[x509.Certificate],
    pool: Sequence[x509.Certificate],
    trust_anchors: Sequence[x509.Certificate],
    embedded: Embedded,
    token: bytes,
    data: bytes,
    archives: Sequence[ArchiveCheck],
    allow_fetching: bool,
    at: dt.datetime,
) -> RawSignature:
    """``raw`` judged as of its signature timestamp's time, or unchanged (see above)."""
    ts = raw.timestamp
    assert ts is not None and raw.signer_cert is not None
    if not (ts.imprint_matches and ts.signature_valid) or ts.tsa_certificate is None:
        return raw
    expiry = ts.tsa_certificate.not_valid_after_utc
    covered = any(a.sound and a.facts is not None and a.facts.time < expiry for a in archives)
    if expiry < at and not covered:
        return raw
    context = _context(
        trust_anchors, pool, embedded, allow_fetching=allow_fetching, moment=ts.time, mode="require"
    )
    then, _ = await _judge(
        raw,
        raw.signer_cert,
        others=others,
        context=context,
        timestamp_token=token,
        timestamped_data=data,
    )
    if isinstance(then, str) or not (then.trusted and then.timestamp_trusted):
        return raw
    assumed = (
        ()
        if ts.trusted
        else certificate_chain_above(ts.tsa_certificate, [*then.path, *pool], trust_anchors)
    )
    facts = signature_time_facts(
        at=at,
        proven=ts.time,
        assumed_not_revoked=assumed,
        fetched=allow_fetching,
        document_timestamps=sum(1 for a in archives if a.sound),
    )
    return replace(
        raw, long_term=facts, path=then.path, timestamp_time=ts.time, timestamp_trusted=True
    )
