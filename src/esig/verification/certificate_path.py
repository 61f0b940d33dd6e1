"""The BES art. 3(d) finding: the signer's certificate, its path to a trust anchor.

:func:`certificate_path` says whether a valid path leads to a trust anchor and how the
revocation status was established (or why it is unknown); :func:`certificate_finding`
turns that into the finding, with EN 319 102-1's rule for a revoked signer (REVOKED only
with proof that the signature came after the revocation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from esig._pyhanko.revocation import CertificateRevocation, RevocationSource
from esig._pyhanko.validate import RawSignature
from esig.identity import NameIdentity
from esig.law import BES
from esig.model.trusted_lists import TrustedList
from esig.profiles import CertificateProfile
from esig.verification.findings import FAILURE_SUB_INDICATIONS, sub_indication
from esig.verification.long_term import long_term_path
from esig.verification.report import (
    CertificatePath,
    CertificateSummary,
    CheckId,
    Finding,
    Outcome,
    PathStatus,
    SubIndication,
)
from esig.verification.self_issued import SelfIssued, self_issued_end_entity


@runtime_checkable
class ListedAnchors(Protocol):
    """Trusted lists whose service certificates are trust anchors (a ``TrustedListSource``)."""

    @property
    def service_certificates(self) -> Sequence[x509.Certificate]: ...  # noqa: D102

    @property
    def lists(self) -> Sequence[TrustedList]: ...  # noqa: D102


def listed_anchors(trusted_lists: object) -> dict[x509.Certificate, str]:
    """The trust anchors ``trusted_lists`` contribute, each with where it is listed.

    The certificates of the services of the authenticated lists (see
    :attr:`esig.trust.trusted_lists.TrustedListSource.service_certificates`), each with
    its list and service (``the trusted list BE #81, service 'Belgium Root CA4' (CA/QC)
    of Certipost``). Empty for a source that offers no service certificates.
    """
    if not isinstance(trusted_lists, ListedAnchors):
        return {}
    where: dict[str, str] = {}
    for tl in trusted_lists.lists:
        for provider in tl.providers:
            for service in provider.services:
                text = (
                    f"the trusted list {tl.territory} #{tl.sequence_number}, service "
                    f"{service.name!r} ({service.service_type.value}) of {provider.name}"
                )
                for listed in service.identity.certificates:
                    where.setdefault(listed.sha256.lower(), text)
    found: dict[x509.Certificate, str] = {}
    for cert in trusted_lists.service_certificates:
        sha256 = cert.fingerprint(hashes.SHA256()).hex()
        found[cert] = where.get(sha256, "a trusted list")
    return found


def certificate_path(
    raw: RawSignature,
    profile: CertificateProfile | None = None,
    listed: Mapping[x509.Certificate, str] | None = None,
) -> CertificatePath | None:
    """The signer's certificate path: trusted, or what is wrong; ``None`` without a certificate.

    ``profile`` is the signer's certificate profile, when already read (it tells whether
    the certificate is a CA). ``listed``: the trust anchors that trusted lists
    contributed (:func:`listed_anchors`), to say when a list made the path trusted.
    """
    if raw.signer_cert is None:
        return None
    chain = tuple(CertificateSummary.from_certificate(c) for c in (raw.path or (raw.signer_cert,)))
    issued_itself = self_issued_end_entity(raw.signer_cert, profile)
    if raw.trusted:
        anchor = chain[-1].subject.display
        source = (listed or {}).get(raw.path[-1]) if raw.path else None
        reached = (
            f"A valid path leads to the trust anchor {anchor}"
            + (f", a certificate of {source}, which made it a trust anchor." if source else ".")
            if issued_itself is None
            else f"The signer's certificate ({anchor}) is valid and is itself one of the "
            "certificates you trust: it issued itself, so that trust is yours alone, and "
            "no certification service provider vouches for it."
        )
        return CertificatePath(
            status=PathStatus.TRUSTED,
            chain=chain,
            revocation_checked=raw.revocation_embedded or raw.revocation_fetching,
            message=f"{reached}{_revocation_note(raw)}",
            trust_anchor_source=source,
        )
    if raw.revocation_unknown:
        return CertificatePath(
            status=PathStatus.INVALID,
            chain=chain,
            revocation_checked=False,
            message=_unknown_revocation_message(raw),
        )
    judged = long_term_path(raw)
    if judged is not None:
        source = (listed or {}).get(raw.path[-1]) if raw.path else None
        if source is not None and judged.status is PathStatus.TRUSTED:
            return judged.model_copy(
                update={
                    "message": f"{judged.message} The trust anchor is a certificate of "
                    f"{source}, which made it a trust anchor.",
                    "trust_anchor_source": source,
                }
            )
        return judged
    status, message = _path_problem(raw, issued_itself)
    return CertificatePath(
        status=status,
        chain=chain,
        revocation_checked=raw.revocation_embedded or raw.revocation_fetching,
        message=message,
    )


def _path_problem(raw: RawSignature, issued_itself: SelfIssued | None) -> tuple[PathStatus, str]:
    problem = raw.trust_problem or raw.error_sub_indication
    cert = raw.signer_cert
    if raw.error and raw.trusted is None and raw.digest_matches is not None:
        return PathStatus.NOT_EXAMINED, f"The certificate path was not examined: {raw.error}."
    if issued_itself is not None and not raw.revoked_at:
        return PathStatus.NO_TRUST_ANCHOR, _self_issued_message(issued_itself)
    if cert is not None and cert.issuer == cert.subject and not raw.revoked_at:
        return (
            PathStatus.NO_TRUST_ANCHOR,
            "The signer's certificate is self-signed and is not "
            "one of the trust anchors, so nothing vouches for it.",
        )
    if raw.revoked_at is not None or problem in {"REVOKED", "REVOKED_NO_POE"}:
        when = f" on {raw.revoked_at:%Y-%m-%d %H:%M} UTC" if raw.revoked_at else ""
        return PathStatus.REVOKED, f"The signer's certificate was revoked{when}."
    if problem in {None, "NO_CERTIFICATE_CHAIN_FOUND"}:
        return (
            PathStatus.NO_TRUST_ANCHOR,
            "No path from the signer's certificate to a trust "
            "anchor was found; give the issuing root as a trust anchor.",
        )
    if problem in {"EXPIRED", "OUT_OF_BOUNDS_NO_POE"}:
        return PathStatus.EXPIRED, "The signer's certificate had expired at validation time."
    if problem == "NOT_YET_VALID":
        return PathStatus.NOT_YET_VALID, "The signer's certificate is not yet valid."
    return PathStatus.INVALID, f"The certificate path is not valid ({problem})."


def _self_issued_message(found: SelfIssued) -> str:
    """Why nothing vouches for a self-issued end-entity certificate; no anchor to add."""
    claims = (
        f" Its qualified claims ({found.claims_text}) are its own and carry no weight."
        if found.claims
        else ""
    )
    return (
        f"The signer's certificate issued itself ({found.how}; it is no CA): no "
        "certification service provider issued it, so nothing vouches for it, and no "
        f"issuer exists to look for.{claims}"
    )


def _certificate_name(cert: x509.Certificate) -> str:
    return NameIdentity.from_name(cert.subject).display


def _utc(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def _source_text(source: RevocationSource) -> str:
    where = "fetched during this verification" if source.fetched else "embedded in the document"
    when = f" {_utc(source.issued_at)}" if source.issued_at is not None else ""
    if source.kind == "OCSP":
        return f"the OCSP response produced at{when} by {source.issuer}, {where}"
    return f"the CRL of {source.issuer} issued at{when}, {where}"


def _best_source(facts: CertificateRevocation) -> RevocationSource | None:
    """The newest OCSP response, else the newest CRL."""
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    for kind in ("OCSP", "CRL"):
        found = [s for s in facts.sources if s.kind == kind]
        if found:
            return max(found, key=lambda s: s.issued_at or epoch)
    return None


def _revocation_note(raw: RawSignature) -> str:
    """How the revocation status of the signer's chain was established (BES art. 3(d))."""
    if not raw.revocation:
        return ""
    signer, *cas = raw.revocation
    best = _best_source(signer)
    if best is not None:
        note = f" The signer's revocation status was checked by {_source_text(best)}."
    elif not signer.names_services:
        note = (
            " The signer's revocation status could not be checked: the certificate names "
            "no revocation service (no OCSP responder, no CRL distribution point), so "
            "only its issuer could tell whether it was revoked."
        )
    else:
        note = " The signer's revocation status was not established."
    silent = [_certificate_name(c.certificate) for c in cas if not c.names_services]
    if silent:
        note += (
            f" The CA certificate(s) above it ({', '.join(silent)}) name no revocation "
            "service, so their status could not be checked."
        )
    return note


def _unknown_revocation_message(raw: RawSignature) -> str:
    """Why the revocation status is unknown, and what the user can do (TRY_LATER)."""

    def services(facts: CertificateRevocation) -> str:
        named = [f"OCSP {url}" for url in facts.ocsp_urls]
        named += [f"CRL {url}" for url in facts.crl_urls]
        return " / ".join(named)

    first, *others = raw.revocation_unknown
    carried = "no revocation data about it" if raw.revocation_embedded else "no revocation data"
    if raw.revocation_fetching:
        why = (
            f"the document carries {carried} and none could be fetched from those services "
            "(check that they answer, or extend the document to B-LT where they do: "
            "esig extend --level LT)"
        )
    else:
        why = (
            f"the document carries {carried} and fetching was not allowed "
            "(esig verify --allow-fetching, or extend the document to B-LT: "
            "esig extend --level LT)"
        )
    message = (
        f"The revocation status of {_certificate_name(first.certificate)} is unknown: it "
        f"names {services(first)}, but {why}."
    )
    if others:
        listed = "; ".join(f"{_certificate_name(o.certificate)} ({services(o)})" for o in others)
        message += f" The status of the certificate(s) above it is unknown too: {listed}."
    return message


def certificate_finding(raw: RawSignature, path: CertificatePath | None) -> Finding:
    """The art. 3(d) finding on the signer's certificate, from its path."""
    cite = (BES.ART_3_D,)
    if path is None:
        return Finding(
            check=CheckId.CERTIFICATE,
            outcome=Outcome.INDETERMINATE,
            citations=cite,
            sub_indication=SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            message="The signer's certificate was not found in the signature.",
        )
    if path.status is PathStatus.TRUSTED:
        return Finding(
            check=CheckId.CERTIFICATE, outcome=Outcome.PASSED, citations=cite, message=path.message
        )
    if raw.revocation_unknown:
        return Finding(
            check=CheckId.CERTIFICATE,
            outcome=Outcome.INDETERMINATE,
            citations=cite,
            sub_indication=SubIndication.TRY_LATER,
            message=path.message,
        )
    sub = (
        {
            PathStatus.REVOKED: SubIndication.REVOKED,
            PathStatus.NO_TRUST_ANCHOR: SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
            PathStatus.EXPIRED: SubIndication.OUT_OF_BOUNDS_NO_POE,
            PathStatus.NOT_YET_VALID: SubIndication.NOT_YET_VALID,
        }.get(path.status)
        or sub_indication(raw.trust_problem)
        or SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
    )
    if path.status is PathStatus.REVOKED:
        return _revoked_finding(raw, path)
    outcome = Outcome.FAILED if sub.value in FAILURE_SUB_INDICATIONS else Outcome.INDETERMINATE
    return Finding(
        check=CheckId.CERTIFICATE,
        outcome=outcome,
        citations=cite,
        sub_indication=sub,
        message=path.message,
    )


def _best_signature_time(raw: RawSignature) -> dt.datetime | None:
    """The earliest proven time of the signature (EN 319 102-1): a trusted timestamp."""
    if raw.timestamp_trusted and raw.timestamp_time is not None:
        return raw.timestamp_time
    if raw.long_term is not None:
        return raw.long_term.proof_of_existence
    return None


def _revoked_finding(raw: RawSignature, path: CertificatePath) -> Finding:
    """A revoked signer: TOTAL-FAILED only with proof the signature came after it.

    EN 319 102-1 (table 5): REVOKED when a proof of existence shows the signature was
    made after the revocation; REVOKED_NO_POE (indeterminate) when nothing shows whether
    it was made before or after. A claimed signing time proves nothing.
    """
    proven = _best_signature_time(raw)
    revoked = raw.revoked_at
    if proven is not None and revoked is not None and proven >= revoked:
        after = (
            ""
            if "not before the revocation" in path.message
            else f" Its trusted timestamp proves the signature was made on "
            f"{proven.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC, after the revocation, "
            "so the signature is invalid."
        )
        return Finding(
            check=CheckId.CERTIFICATE,
            outcome=Outcome.FAILED,
            citations=(BES.ART_3_D,),
            sub_indication=SubIndication.REVOKED,
            message=path.message + after,
        )
    when = f" on {revoked.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC" if revoked else ""
    claim = (
        f" The signing time it states ({raw.claimed_time.astimezone(dt.UTC):%Y-%m-%d %H:%M} "
        "UTC) is the signer's own claim and proves nothing."
        if raw.claimed_time is not None
        else ""
    )
    message = (
        f"{path.message} Whether the signature is valid cannot be decided: the "
        f"certificate was revoked{when}, and nothing proves whether the signature was "
        "made before that (then it would be valid) or after it (then it would not)."
        f"{claim} It stays undetermined until such proof is produced, e.g. a trusted "
        "timestamp from before the revocation."
    )
    return Finding(
        check=CheckId.CERTIFICATE,
        outcome=Outcome.INDETERMINATE,
        citations=(BES.ART_3_D,),
        sub_indication=SubIndication.REVOKED_NO_POE,
        message=message,
    )
