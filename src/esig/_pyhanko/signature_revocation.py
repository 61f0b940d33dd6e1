"""The revocation facts of a validated signature: its chain's, its timestamp's.

After pyHanko has validated a signature (PDF or detached CMS), which certificates of
the signer's chain and of the signature timestamp's name revocation services, what
data was found about each, and whether a failed path is TRY_LATER (status unknown)
rather than rejected revocation data (EN 319 102-1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from cryptography import x509
from pyhanko_certvalidator import ValidationContext

from esig._pyhanko.documents import MALFORMED
from esig._pyhanko.long_term import certificate_chain_above
from esig._pyhanko.raw_signature import RawSignature, with_changes
from esig._pyhanko.revocation import (
    CertificateRevocation,
    certificate_revocation,
    unknown_revocation,
)
from esig._pyhanko.signer import from_asn1

__all__ = ["timestamp_revocation", "timestamp_token_certificates", "with_revocation"]

_UNKNOWN_REVOCATION_TRIGGERS = frozenset({"CERTIFICATE_CHAIN_GENERAL_FAILURE", "TRY_LATER"})


def with_revocation(
    raw: RawSignature,
    context: ValidationContext,
    known: frozenset[bytes],
    trust_anchors: Sequence[x509.Certificate],
    pool: Sequence[x509.Certificate],
) -> RawSignature:
    """``raw`` with the revocation facts of the signer's chain (after validation).

    ``known``: :func:`known_revocation_data` of ``context`` before validation (what was
    embedded). When the path failed and a certificate of the chain names revocation
    services but has no data at all, its status is unknown: the path is TRY_LATER
    (EN 319 102-1), not rejected revocation data.
    """
    cert = raw.signer_cert
    if cert is None or raw.error is not None:
        return raw
    chain = certificate_chain_above(cert, [*raw.path, *pool], trust_anchors)
    facts = certificate_revocation(chain, context, known)
    unknown: tuple[CertificateRevocation, ...] = ()
    if (
        raw.trusted is False
        and raw.revoked_at is None
        and raw.trust_problem in _UNKNOWN_REVOCATION_TRIGGERS
    ):
        unknown = unknown_revocation(facts)
    moment = context.moment
    if unknown and cert.not_valid_after_utc < moment:
        # expired: judged by its validity first (EN 319 102-1), then in the past
        return with_changes(raw, revocation=facts, trust_problem="OUT_OF_BOUNDS_NO_POE")
    if unknown and any(not (c.not_valid_before_utc <= moment) for c in chain):
        return with_changes(raw, revocation=facts)
    if unknown:
        return with_changes(
            raw, revocation=facts, revocation_unknown=unknown, trust_problem="TRY_LATER"
        )
    return with_changes(raw, revocation=facts)


def timestamp_revocation(
    raw: RawSignature,
    signer_info: Any,
    *,
    context: ValidationContext,
    known: frozenset[bytes],
    trust_anchors: Sequence[x509.Certificate],
    pool: Sequence[x509.Certificate],
) -> RawSignature:
    """``raw`` with the TSA certificates whose revocation status was unknown.

    Only for a signature timestamp that is sound (imprint, signature, not revoked) yet
    not trusted for a reason other than a missing chain: the usual one, offline, is a
    TSA certificate naming OCSP/CRL services with no data about it in the document.
    """
    ts = raw.timestamp
    if (
        ts is None
        or ts.trusted
        or ts.tsa_certificate is None
        or ts.tsa_revoked_at is not None
        or ts.trust_problem in {None, "NO_CERTIFICATE_CHAIN_FOUND"}
    ):
        return raw
    candidates = [*pool, *timestamp_token_certificates(signer_info)]
    chain = certificate_chain_above(ts.tsa_certificate, candidates, trust_anchors)
    unknown = unknown_revocation(certificate_revocation(chain, context, known))
    if not unknown:
        return raw
    return with_changes(raw, timestamp=replace(ts, revocation_unknown=unknown))


def timestamp_token_certificates(signer_info: Any) -> list[x509.Certificate]:
    """The certificates carried in the signature's timestamp token(s) (PAdES and CAdES).

    Candidates for building a TSA's path, never anchors: a malformed token ends the
    search and what was found before it is kept.
    """
    found: list[x509.Certificate] = []
    try:
        for attr in signer_info["unsigned_attrs"] or ():
            if attr["type"].native != "signature_time_stamp_token":
                continue
            for token in attr["values"]:
                certs = token["content"]["certificates"] or ()
                found.extend(from_asn1(c.chosen) for c in certs if c.name == "certificate")
    except MALFORMED:
        pass
    return found
