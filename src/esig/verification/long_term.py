"""Findings for timestamps, revocation data and validation in the past.

BES art. 1(b) asks that an advanced electronic signature be verifiable at any time,
and art. 3(d) that the certificate be checked. These functions turn the facts that
:mod:`esig._pyhanko.validate` and :mod:`esig._pyhanko.long_term` established into
findings in plain words:

- :func:`timestamp_findings`: the signature timestamp (TSA trusted, expired or
  revoked before the timestamp, message imprint, the token's own signature);
- :func:`revocation_findings`: revocation data that could not be used (stale, not
  signed by the issuer or an authorised responder);
- :func:`long_term_path`: the certificate path judged in the past, when the signer's
  certificate had expired or was revoked at the validation moment;
- :func:`long_term_validation`: the report model of that judgement.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.x509.oid import NameOID

from esig._pyhanko.long_term import LongTermFacts, RevocationFault, TimestampFacts
from esig._pyhanko.revocation import CertificateRevocation
from esig._pyhanko.validate import RawSignature
from esig.certificates import UNREADABLE_CERTIFICATE
from esig.identity import NameIdentity
from esig.law import BES
from esig.verification.report import (
    CertificatePath,
    CertificateSummary,
    CheckId,
    Finding,
    LongTermValidation,
    Outcome,
    PathStatus,
    SubIndication,
)

__all__ = [
    "long_term_path",
    "long_term_validation",
    "revocation_findings",
    "timestamp_findings",
]

_TIMESTAMP_CITES = (BES.ART_1_B, BES.ART_3_D)
_EXPIRY_PROBLEMS = {"OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "EXPIRED"}


def _when(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def _name(cert: x509.Certificate | None) -> str:
    return NameIdentity.from_name(cert.subject).display if cert is not None else "(unknown)"


def _sub(name: str | None, default: SubIndication) -> SubIndication:
    try:
        return SubIndication(name) if name else default
    except ValueError:
        return default


def timestamp_findings(raw: RawSignature) -> tuple[Finding, ...]:
    """The finding on the signature timestamp (none when the signature has none)."""
    ts = raw.timestamp
    if ts is None:
        return ()
    facts = raw.long_term
    if not ts.trusted and ts.imprint_matches and facts is not None and facts.timestamp_passed:
        how = (
            "as of the timestamp's time, with the revocation data embedded then"
            if facts.at_signature_time
            else "in the past, with the proofs of existence of the document"
        )
        return (
            Finding(
                check=CheckId.TIMESTAMP,
                outcome=Outcome.PASSED,
                citations=_TIMESTAMP_CITES,
                message=f"The signature timestamp ({_when(ts.time)}, by "
                f"{_name(ts.tsa_certificate)}) matches the signature; its TSA certificate "
                f"was validated {how}.",
            ),
        )
    return (_timestamp_finding(ts),)


def _issuer_name(cert: x509.Certificate | None) -> str | None:
    """The common name (else the whole name) of ``cert``'s issuer, for a message."""
    if cert is None:
        return None
    try:
        names = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else cert.issuer.rfc4514_string()
    except UNREADABLE_CERTIFICATE:
        return None


def _timestamp_finding(ts: TimestampFacts) -> Finding:
    def finding(outcome: Outcome, message: str, sub: SubIndication | None = None) -> Finding:
        return Finding(
            check=CheckId.TIMESTAMP,
            outcome=outcome,
            citations=_TIMESTAMP_CITES,
            sub_indication=sub,
            message=message,
        )

    tsa = ts.tsa_certificate
    who = f"The signature timestamp's TSA certificate ({_name(tsa)})"
    if not ts.imprint_matches:
        return finding(
            Outcome.FAILED,
            "The timestamp's message imprint does not match the signature: the timestamp "
            "was made for other data and proves nothing about when this signature existed.",
            SubIndication.HASH_FAILURE,
        )
    if not ts.signature_valid:
        return finding(
            Outcome.FAILED,
            "The timestamp's own signature does not verify with its TSA certificate.",
            SubIndication.SIG_CRYPTO_FAILURE,
        )
    if ts.tsa_revoked_at is not None and ts.tsa_revoked_at <= ts.time:
        return finding(
            Outcome.FAILED,
            f"{who} was revoked on {_when(ts.tsa_revoked_at)}, before the timestamp "
            f"({_when(ts.time)}), so the timestamp proves nothing.",
            SubIndication.REVOKED,
        )
    if tsa is not None and tsa.not_valid_after_utc < ts.time:
        return finding(
            Outcome.FAILED,
            f"{who} expired on {_when(tsa.not_valid_after_utc)}, before the timestamp was "
            f"made ({_when(ts.time)}), so the timestamp proves nothing.",
            SubIndication.EXPIRED,
        )
    if tsa is not None and tsa.not_valid_before_utc > ts.time:
        return finding(
            Outcome.FAILED,
            f"{who} was not yet valid when the timestamp was made ({_when(ts.time)}).",
            SubIndication.NOT_YET_VALID,
        )
    if not ts.trusted:
        if ts.trust_problem in {None, "NO_CERTIFICATE_CHAIN_FOUND"}:
            issuer = _issuer_name(tsa)
            missing = (
                f" (its issuer, {issuer}, is neither a trust anchor given nor a service "
                "certificate of a trusted list consulted)"
                if issuer
                else ""
            )
            return finding(
                Outcome.INDETERMINATE,
                f"{who} is not trusted: no path leads from it to a trust anchor{missing}, "
                "so the time it states is not proven.",
                SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            )
        if ts.tsa_revoked_at is not None:
            return finding(
                Outcome.INDETERMINATE,
                f"{who} was revoked on {_when(ts.tsa_revoked_at)}, after the timestamp "
                f"({_when(ts.time)}); nothing proves the timestamp existed before that.",
                SubIndication.REVOKED_NO_POE,
            )
        if ts.revocation_unknown:
            return finding(
                Outcome.INDETERMINATE,
                f"{who} could not be checked for revocation: "
                f"{'; '.join(_services(r) for r in ts.revocation_unknown)}, but no "
                f"revocation data about {'it' if len(ts.revocation_unknown) == 1 else 'them'} "
                "is embedded and none was fetched, so the "
                "TSA's status is unknown and the time it states is not proven (embed it: "
                "B-LT, or validate with fetching).",
                _sub(ts.trust_problem, SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE),
            )
        return finding(
            Outcome.INDETERMINATE,
            f"{who} could not be validated ({ts.trust_problem}), so the time it states "
            "is not proven.",
            _sub(ts.trust_problem, SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE),
        )
    return finding(
        Outcome.PASSED,
        f"The signature timestamp ({_when(ts.time)}, by {_name(tsa)}) matches the "
        "signature and its TSA is trusted: the signature existed at that time.",
    )


def _services(revocation: CertificateRevocation) -> str:
    named = [
        *(f"the OCSP responder {url}" for url in revocation.ocsp_urls),
        *(f"the CRL at {url}" for url in revocation.crl_urls),
    ]
    return f"{_name(revocation.certificate)} names {' and '.join(named)}"


def revocation_findings(raw: RawSignature) -> tuple[Finding, ...]:
    """The finding on revocation data that was rejected (none when nothing was)."""
    problem = raw.revocation_problem
    if problem is None:
        return ()
    whose = _name(problem.certificate)
    cite = (BES.ART_3_D,)
    if problem.fault is RevocationFault.STALE:
        produced = (
            f"was produced at {_when(problem.produced_at)}"
            if problem.produced_at is not None
            else "was issued"
        )
        limit = (
            f" (it would have been fresh enough until {_when(problem.usable_until)})"
            if problem.usable_until is not None
            else ""
        )
        return (
            Finding(
                check=CheckId.REVOCATION,
                outcome=Outcome.INDETERMINATE,
                citations=cite,
                sub_indication=SubIndication.TRY_LATER,
                message=f"The OCSP response for {whose} {produced}, older than the "
                f"validation moment allows{limit}: it is stale. Revocation data issued "
                "closer to the validation moment is needed (or validate with fetching).",
            ),
        )
    if problem.fault in {RevocationFault.BAD_SIGNATURE, RevocationFault.UNAUTHORISED}:
        return (
            Finding(
                check=CheckId.REVOCATION,
                outcome=Outcome.INDETERMINATE,
                citations=cite,
                sub_indication=SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE,
                message=f"The OCSP response for {whose} is not signed by the issuer or an "
                f"authorised responder ({problem.detail}), so it says nothing about "
                "revocation.",
            ),
        )
    return (
        Finding(
            check=CheckId.REVOCATION,
            outcome=Outcome.INDETERMINATE,
            citations=cite,
            sub_indication=SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE,
            message=f"The revocation data for {whose} could not be used: {problem.detail}.",
        ),
    )


def long_term_validation(raw: RawSignature) -> LongTermValidation | None:
    """The report model of the validation in the past, when one was made."""
    facts = raw.long_term
    if facts is None:
        return None
    return LongTermValidation(
        validated_at=facts.at,
        passed=facts.passed,
        proof_of_existence=facts.proof_of_existence,
        document_timestamp=facts.document_timestamp,
        document_timestamps=facts.document_timestamps,
        sub_indication=None if facts.passed else _sub(facts.sub_indication, SubIndication.GENERIC),
        offline=not facts.fetched,
        assumed_not_revoked=tuple(_name(c) for c in facts.assumed_not_revoked),
    )


def long_term_path(raw: RawSignature) -> CertificatePath | None:
    """The certificate path judged in the past or with its revocation problem named.

    None when neither applies (the ordinary path judgement stands).
    """
    if raw.signer_cert is None:
        return None
    chain = tuple(CertificateSummary.from_certificate(c) for c in (raw.path or (raw.signer_cert,)))
    checked = raw.revocation_embedded or raw.revocation_fetching
    facts = raw.long_term
    if facts is not None and (
        facts.passed
        or raw.revocation_problem is None
        or raw.revoked_at is not None
        or raw.signer_cert.not_valid_after_utc < facts.at
    ):
        status, message = _past(raw, facts, raw.signer_cert)
        return CertificatePath(
            status=status, chain=chain, revocation_checked=checked, message=message
        )
    if raw.revocation_problem is not None:
        return CertificatePath(
            status=PathStatus.INVALID,
            chain=chain,
            revocation_checked=checked,
            message="The signer's certificate could not be checked for revocation: "
            "its revocation data was rejected (see the revocation finding).",
        )
    return None


def _what_happened(raw: RawSignature, cert: x509.Certificate) -> tuple[bool, str]:
    """(revoked?, what made the certificate no longer good at the moment)."""
    if raw.revoked_at is not None or (raw.trust_problem or "").startswith("REVOKED"):
        when = f" on {_when(raw.revoked_at)}" if raw.revoked_at is not None else ""
        return True, f"the signer's certificate was revoked{when}"
    facts = raw.long_term
    if raw.trust_problem in _EXPIRY_PROBLEMS or (
        facts is not None and cert.not_valid_after_utc < facts.at
    ):
        return False, f"the signer's certificate expired on {_when(cert.not_valid_after_utc)}"
    if raw.trust_problem == "TRY_LATER" or (facts is not None and facts.at_signature_time):
        return False, "the embedded revocation data was no longer fresh"
    return False, f"the certificate path was not valid then ({raw.trust_problem})"


def _past(
    raw: RawSignature, facts: LongTermFacts, cert: x509.Certificate
) -> tuple[PathStatus, str]:
    revoked, happened = _what_happened(raw, cert)
    moment = _when(facts.at)
    if facts.passed:
        proven = facts.proof_of_existence
        proof = f"existed on {_when(proven)}" if proven is not None else "existed earlier"
        basis = (
            f"{facts.document_timestamps} document timestamp(s) and the embedded validation data"
            if facts.document_timestamps
            else "its timestamp and the embedded validation data"
        )
        offline = ""
        if facts.assumed_not_revoked and facts.at_signature_time:
            names = ", ".join(_name(c) for c in facts.assumed_not_revoked)
            offline = (
                f" Offline, the signature timestamp's certificates ({names}) were taken as "
                f"not revoked since {proof.removeprefix('existed on ')}: no embedded data "
                "can show their status after that."
            )
        elif facts.assumed_not_revoked:
            names = ", ".join(_name(c) for c in facts.assumed_not_revoked)
            offline = (
                f" Offline, the latest document timestamp's certificates ({names}) were "
                f"taken as not revoked at {moment}."
            )
        if facts.at_signature_time:
            basis = "its timestamp and the revocation data issued at or after it"
        return (
            PathStatus.TRUSTED,
            f"Validated in the past: at {moment} {happened}, but {basis} prove that the "
            f"signature {proof}, when a valid path led to the trust anchor "
            f"{raw.path[-1].subject.rfc4514_string() if raw.path else '(anchor)'} and "
            f"the certificate was not revoked.{offline}",
        )
    status = PathStatus.REVOKED if revoked else PathStatus.EXPIRED
    proven = facts.proof_of_existence
    if revoked and proven is not None and raw.revoked_at is not None and proven < raw.revoked_at:
        # proven before the revocation, but not validated in the past: indeterminate
        status = PathStatus.INVALID
    reason = _why_not(raw, facts, revoked)
    return status, f"At {moment} {happened}; {reason}"


def _why_not(raw: RawSignature, facts: LongTermFacts, revoked: bool) -> str:
    proven = facts.proof_of_existence
    if revoked and proven is not None and raw.revoked_at is not None and proven >= raw.revoked_at:
        return (
            f"the earliest proof that the signature existed ({_when(proven)}) is not "
            "before the revocation, so the signature cannot be trusted."
        )
    if raw.timestamp is None or proven is None:
        return (
            "nothing proves the signature existed before that: it has no trusted "
            "timestamp (a B-T or later signature has one)."
        )
    if not raw.revocation_embedded and not raw.revocation_fetching:
        return (
            f"the signature timestamp shows the signature existed on "
            f"{_when(raw.timestamp.time)}, but the document holds no revocation data "
            "for the certificate from that time (B-LT and B-LTA embed it)."
        )
    if facts.document_timestamps == 0:
        return (
            f"the signature timestamp shows the signature existed on {_when(proven)}, but "
            "the revocation data has no proof of existence of its own: no document "
            "timestamp covers it (B-LTA adds one)."
        )
    detail = f": {facts.failure}" if facts.failure else ""
    return f"validation in the past failed ({facts.sub_indication}){detail}."
