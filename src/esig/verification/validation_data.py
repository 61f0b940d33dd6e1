"""The objects a signature's validation used, read from its validated facts.

The signature value, the signature timestamp token, the OCSP responses and CRLs found
about the signer's chain: what an ETSI TS 119 102-2 report lists as validation objects
(:mod:`esig.verification.etsi_report`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from cryptography import x509

from esig._pyhanko.raw_signature import RawSignature
from esig.trust.tl_timestamps import TimestampListQualification
from esig.verification.report_parts import (
    CertificateSummary,
    RevocationToken,
    TimestampToken,
    ValidationData,
)

__all__ = ["TimestampListLike", "timestamp_list_qualification", "validation_data"]


@runtime_checkable
class TimestampListLike(Protocol):
    """Trusted lists that can say whether a timestamp is qualified."""

    def timestamp_qualification_at(  # noqa: D102
        self,
        chain: Sequence[x509.Certificate],
        generation_time: dt.datetime,
        *,
        poe_time: dt.datetime | None = None,
    ) -> TimestampListQualification: ...


def timestamp_list_qualification(
    trusted_lists: object | None,
    chain: Sequence[x509.Certificate],
    generation_time: dt.datetime,
    poe_time: dt.datetime,
) -> TimestampListQualification | None:
    """The lists' answer about a timestamp whose TSA has ``chain`` (None: no lists given)."""
    if not chain or not isinstance(trusted_lists, TimestampListLike):
        return None
    return trusted_lists.timestamp_qualification_at(chain, generation_time, poe_time=poe_time)


def _timestamp_poe(raw: RawSignature, at: dt.datetime | None) -> dt.datetime:
    """The signature timestamp's earliest proof of existence, as DSS takes it.

    The oldest validated document or archive timestamp over it, else the validation moment.
    """
    covering = raw.long_term.document_timestamp if raw.long_term is not None else None
    moment = at or dt.datetime.now(dt.UTC)
    return min(covering, moment) if covering is not None else moment


def validation_data(
    raw: RawSignature, trusted_lists: object | None = None, at: dt.datetime | None = None
) -> ValidationData:
    """The :class:`ValidationData` of one validated signature.

    With ``trusted_lists``, the signature timestamp says whether it is qualified (at its
    generation time and at its earliest proof of existence, ``at`` or now when nothing
    later covers it).
    """
    timestamps: tuple[TimestampToken, ...] = ()
    if raw.timestamp is not None:
        facts = raw.timestamp
        tsa = facts.tsa_certificate
        chain = facts.tsa_path or ((tsa,) if tsa is not None else ())
        timestamps = (
            TimestampToken(
                time=facts.time,
                token_sha256=raw.timestamp_token_sha256,
                tsa=CertificateSummary.from_certificate(tsa) if tsa is not None else None,
                trusted=facts.imprint_matches and facts.signature_valid and facts.trusted,
                list_qualification=timestamp_list_qualification(
                    trusted_lists, chain, facts.time, _timestamp_poe(raw, at)
                ),
            ),
        )
    tokens: dict[str, RevocationToken] = {}
    for entry in raw.revocation:
        fingerprint = CertificateSummary.from_certificate(entry.certificate).sha256_fingerprint
        for source in entry.sources:
            if not source.sha256 or source.kind not in {"OCSP", "CRL"}:
                continue
            known = tokens.get(source.sha256)
            about = (*known.about, fingerprint) if known is not None else (fingerprint,)
            tokens[source.sha256] = RevocationToken(
                kind="OCSP" if source.kind == "OCSP" else "CRL",
                sha256=source.sha256,
                issued_at=source.issued_at,
                issuer=source.issuer,
                fetched=source.fetched,
                about=tuple(dict.fromkeys(about)),
            )
    return ValidationData(
        signature_value=raw.signature_value,
        timestamps=timestamps,
        revocation=tuple(tokens.values()),
        signer_revoked_at=raw.revoked_at,
    )
