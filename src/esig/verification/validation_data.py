"""The objects a signature's validation used, read from its validated facts.

The signature value, the signature timestamp token, the OCSP responses and CRLs found
about the signer's chain: what an ETSI TS 119 102-2 report lists as validation objects
(:mod:`esig.verification.etsi_report`).
"""

from __future__ import annotations

from esig._pyhanko.raw_signature import RawSignature
from esig.verification.report_parts import (
    CertificateSummary,
    RevocationToken,
    TimestampToken,
    ValidationData,
)

__all__ = ["validation_data"]


def validation_data(raw: RawSignature) -> ValidationData:
    """The :class:`ValidationData` of one validated signature."""
    timestamps: tuple[TimestampToken, ...] = ()
    if raw.timestamp is not None:
        facts = raw.timestamp
        tsa = facts.tsa_certificate
        timestamps = (
            TimestampToken(
                time=facts.time,
                token_sha256=raw.timestamp_token_sha256,
                tsa=CertificateSummary.from_certificate(tsa) if tsa is not None else None,
                trusted=facts.imprint_matches and facts.signature_valid and facts.trusted,
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
