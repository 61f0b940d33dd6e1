"""Verify signed PDF documents: the BES art. 3 checks and the level each signature reaches.

:func:`verify_pdf` (and its async twin) read a document, validate every signature in
it and return a :class:`~esig.verification.report.VerificationReport`. A signature that
fails is reported, with the reasons; an :class:`~esig.errors.EsigError` means the
document could not be examined at all (missing, not a PDF, encrypted).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from cryptography import x509

from esig._io import open_input, read_input
from esig._library_warnings import caught_library_warnings, name_attribute_problems
from esig._pyhanko.conformance import BaselineFacts, read_baseline_facts
from esig._pyhanko.revocation import CertificateRevocation, RevocationSource
from esig._pyhanko.salvage import salvage_signatures
from esig._pyhanko.validate import (
    RawSignature,
    filled_signature_fields,
    open_reader,
    validate_signatures,
)
from esig._sync import run_sync
from esig.certificates import load_certificates
from esig.errors import CorruptDocumentError, VerificationError
from esig.identity import NameIdentity
from esig.law import BES
from esig.levels import SignatureEvidence, assess_level
from esig.profiles import CertificateProfile, PersonKind
from esig.trust.register import CspRegister
from esig.verification.algorithms import algorithm_finding
from esig.verification.changes import LaterChanges, gather_later_changes, modification_finding
from esig.verification.conformance import assess_baseline
from esig.verification.long_term import (
    long_term_path,
    long_term_validation,
    revocation_findings,
    timestamp_findings,
)
from esig.verification.qualification import (
    Qualification,
    TrustedListLike,
    assess_qualification,
)
from esig.verification.report import (
    Attack,
    CertificatePath,
    CertificateSummary,
    CheckId,
    Coverage,
    Finding,
    Integrity,
    Outcome,
    PathStatus,
    SignatureReport,
    SignedRange,
    SigningTimeSource,
    SubIndication,
    VerificationReport,
)
from esig.verification.visual import RevisionComparer

__all__ = [
    "TrustInput",
    "Verifier",
    "async_verify_pdf",
    "signature_report",
    "signed_revision",
    "verify_pdf",
]

TrustInput = x509.Certificate | str | os.PathLike[str]
"""A trust anchor: a certificate, or a path to a PEM/DER/PKCS#7 file of them."""

_FAILURE_SUBS = {"FORMAT_FAILURE", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", "REVOKED", "NOT_YET_VALID"}


class Verifier:
    """Verifies documents against a fixed set of trust anchors and settings.

    Args:
        trust: Trust anchors: certificates, or paths to files holding them. Without
            any, no certificate path can be validated and signatures are at best
            INDETERMINATE (BES art. 3(d)).
        register: The register of recognised certification service providers (BES
            art. 4), consulted at each signature's signing time for the QES level.
        trusted_lists: EU trusted lists (ETSI TS 119 612), consulted likewise; they may
            also override the certificate's qualified claims.
        allow_fetching: Fetch missing revocation information (OCSP, CRL) and issuer
            certificates over the network.
        at: Validate as of this moment instead of now.

    """

    def __init__(
        self,
        trust: Sequence[TrustInput] = (),
        *,
        allow_fetching: bool = False,
        at: dt.datetime | None = None,
        register: CspRegister | None = None,
        trusted_lists: TrustedListLike | None = None,
    ) -> None:
        self.register = register
        """The BES art. 4 register, if one was given."""
        self.trusted_lists = trusted_lists
        """EU trusted lists, if given."""
        anchors: list[x509.Certificate] = []
        for item in trust:
            if isinstance(item, x509.Certificate):
                anchors.append(item)
            else:
                anchors.extend(load_certificates(item, what="trust anchor"))
        self.trust_anchors: tuple[x509.Certificate, ...] = tuple(anchors)
        self._anchor_summaries = tuple(CertificateSummary.from_certificate(c) for c in anchors)
        """The trust anchors in use."""
        self.allow_fetching = allow_fetching
        """Whether revocation data may be fetched."""
        self.at = at
        """The validation moment (None: now)."""

    async def async_verify_pdf(self, source: str | os.PathLike[str] | bytes) -> VerificationReport:
        """Verify every signature in a PDF given as a path or as bytes."""
        with caught_library_warnings("verifying a PDF"):
            if isinstance(source, bytes):
                return await self._verify_stream(io.BytesIO(source), "<bytes>", source)
            with open_input(source) as handle:
                return await self._verify_stream(handle, str(Path(source)), Path(source))

    async def _verify_stream(
        self, stream: BinaryIO, name: str, latest: Path | bytes
    ) -> VerificationReport:
        digest = hashlib.sha256()
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
        sha256 = digest.hexdigest()
        size = stream.tell()
        stream.seek(0)
        problems: tuple[str, ...] = ()
        facts: dict[str, BaselineFacts] = {}
        try:
            reader = open_reader(stream)
            filled = filled_signature_fields(reader)
            raws = await validate_signatures(
                reader,
                size,
                self.trust_anchors,
                allow_fetching=self.allow_fetching,
                moment=self.at,
                filled=filled,
            )
            facts = read_baseline_facts(reader, filled)
        except CorruptDocumentError as exc:
            stream.seek(0)
            raws = salvage_signatures(stream.read(), exc.message)
            if not raws:
                raise
            problems = (
                f"{exc.message.rstrip('.')}; {len(raws)} signature(s) were recovered from "
                "its raw bytes.",
            )
        comparer = RevisionComparer(latest)
        raws.sort(key=lambda raw: raw.revision or 0)
        signatures = tuple(
            _signature_report(
                raw,
                gather_later_changes(raw, stream, size, comparer),
                self,
                facts=facts.get(raw.field_name),
            )
            for raw in raws
        )
        if not signatures:
            problems = ("The document holds no signature.",)
        return VerificationReport(
            document=name,
            document_sha256=sha256,
            document_size=size,
            verified_at=dt.datetime.now(dt.UTC),
            trust_anchors=self._anchor_summaries,
            signatures=signatures,
            problems=problems,
        )

    def verify_pdf(self, source: str | os.PathLike[str] | bytes) -> VerificationReport:
        """Synchronous twin of :meth:`async_verify_pdf`."""
        return run_sync(self.async_verify_pdf(source))


async def async_verify_pdf(
    source: str | os.PathLike[str] | bytes,
    *,
    trust: Sequence[TrustInput] = (),
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
) -> VerificationReport:
    """Verify every signature in a PDF; see :class:`Verifier` for the arguments."""
    verifier = Verifier(
        trust, allow_fetching=allow_fetching, at=at, register=register, trusted_lists=trusted_lists
    )
    return await verifier.async_verify_pdf(source)


def verify_pdf(
    source: str | os.PathLike[str] | bytes,
    *,
    trust: Sequence[TrustInput] = (),
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
) -> VerificationReport:
    """Verify every signature in a PDF (synchronous twin of :func:`async_verify_pdf`).

    Args:
        source: The signed PDF, as a path or bytes. It is only read.
        trust: Trust anchors (certificates or paths to certificate files).
        allow_fetching: Fetch revocation information over the network.
        at: Validate as of this moment instead of now.
        register: The BES art. 4 register of recognised providers.
        trusted_lists: EU trusted lists (ETSI TS 119 612).

    Returns:
        The report; ``report.passed`` says whether every signature passed.

    Raises:
        DocumentNotFoundError: The document does not exist.
        NotAPdfError: The document is not a PDF.
        CorruptDocumentError: The PDF cannot be parsed.
        EncryptedDocumentError: The PDF is encrypted.
        CertificateLoadError: A trust anchor file cannot be read.

    """
    return run_sync(
        async_verify_pdf(
            source,
            trust=trust,
            allow_fetching=allow_fetching,
            at=at,
            register=register,
            trusted_lists=trusted_lists,
        )
    )


def signed_revision(source: str | os.PathLike[str] | bytes, signature: SignatureReport) -> bytes:
    """The exact bytes of the revision ``signature`` covers (BES art. 3(c)).

    Opened on its own, this is the document as the signer signed it, before any later
    change. ``source`` must be the document the report was made from.

    Raises:
        VerificationError: The signature's coverage is non-standard, so no whole revision
            can be handed back, or ``source`` is not the reported document.

    """
    rng = signature.signed_range
    if rng is None or rng.coverage not in (Coverage.ENTIRE_FILE, Coverage.ENTIRE_REVISION):
        raise VerificationError(
            f"Signature {signature.field_name!r} does not cover a whole revision, so no signed "
            "revision can be handed back"
        )
    data = source if isinstance(source, bytes) else read_input(source)
    if len(data) != rng.file_size:
        raise VerificationError("This is not the document the report was made from")
    return data[: rng.byte_range[2] + rng.byte_range[3]]


def signature_report(
    raw: RawSignature,
    verifier: Verifier,
    *,
    scope: Mapping[CheckId, Finding] | None = None,
) -> SignatureReport:
    """One signature's report (BES art. 3 findings and level) from validated facts.

    For signature containers other than a PDF (detached CAdES): ``scope`` replaces the
    findings of the given checks, which describe what a PDF signature covers (signed
    data, signed content, later changes), before the level is assessed.

    .. versionadded:: 0.1.0
    """
    return _signature_report(raw, LaterChanges(), verifier, scope)


def _rescoped(
    findings: tuple[Finding, ...], scope: Mapping[CheckId, Finding]
) -> tuple[Finding, ...]:
    """``findings`` with each check in ``scope`` replaced, once, where it first appeared."""
    result: list[Finding] = []
    for finding in findings:
        if finding.check not in scope:
            result.append(finding)
        elif all(f.check is not finding.check for f in result):
            result.append(scope[finding.check])
    return tuple(result)


def _signed_content_finding(raw: RawSignature) -> Finding:
    cite = (BES.ART_3_C,)
    if raw.coverage in (Coverage.ENTIRE_FILE, Coverage.ENTIRE_REVISION) and raw.revision:
        end = raw.byte_range[2] + raw.byte_range[3]
        return Finding(
            check=CheckId.SIGNED_CONTENT,
            outcome=Outcome.PASSED,
            citations=cite,
            message=f"The signed revision ({raw.revision}, the first {end} bytes) "
            "can be handed back as it was signed (esig verify --extract-signed).",
        )
    return Finding(
        check=CheckId.SIGNED_CONTENT,
        outcome=Outcome.INDETERMINATE,
        citations=cite,
        message="No whole signed revision can be handed back: the signature's "
        "coverage is not standard.",
    )


# --- building one signature's report -------------------------------------------------


def _signature_report(
    raw: RawSignature,
    later: LaterChanges,
    verifier: Verifier,
    scope: Mapping[CheckId, Finding] | None = None,
    *,
    facts: BaselineFacts | None = None,
) -> SignatureReport:
    signer = NameIdentity.from_name(raw.signer_cert.subject) if raw.signer_cert else None
    profile = CertificateProfile.from_certificate(raw.signer_cert) if raw.signer_cert else None
    integrity = _integrity(raw)
    path = _certificate_path(raw)
    findings = (
        *_signed_data_findings(raw),
        _integrity_finding(raw, integrity),
        _signed_content_finding(raw),
        _certificate_finding(raw, path),
        *timestamp_findings(raw),
        *revocation_findings(raw),
        *_identity_findings(signer),
        *_name_encoding_findings(raw.signer_cert),
        modification_finding(raw, later),
    )
    record_facts: dict[str, object] = {}
    if raw.evidence_record is not None:
        # a platform seal with an evidence record: the signatory is the person in it
        from esig.evidence.verify import evidence_record_finding  # noqa: PLC0415 - cycle

        record_finding, record_facts = evidence_record_finding(
            raw.evidence_record, raw.evidence_base_sha256
        )
        findings += (record_finding,)
    if scope:
        findings = _rescoped(findings, scope)
    time, source = _signing_time(raw)
    if raw.signer_cert is not None:
        chain = raw.path or (raw.signer_cert,)
        findings += (
            algorithm_finding(
                raw.digest_algorithm, chain, time, source is SigningTimeSource.TIMESTAMP
            ),
        )
    chain = raw.path or ((raw.signer_cert,) if raw.signer_cert else ())
    # Qualification is judged at the best signature time (EN 319 102-1): a trusted
    # timestamp proves it; a claimed signing time proves nothing, so without a timestamp
    # the moment of validation counts.
    proven = time if source is SigningTimeSource.TIMESTAMP else None
    qualification = assess_qualification(
        chain,
        profile,
        proven or verifier.at or dt.datetime.now(dt.UTC),
        register=verifier.register,
        trusted_lists=verifier.trusted_lists,
    )
    evidence = _evidence(
        raw,
        integrity=integrity,
        signer=signer,
        profile=profile,
        findings=findings,
        qualification=qualification,
    )
    if record_facts:
        evidence = evidence.model_copy(update=record_facts)
    return SignatureReport(
        field_name=raw.field_name,
        signer=signer,
        signer_certificate=profile,
        signing_time=time,
        signing_time_source=source,
        signed_range=_signed_range(raw),
        integrity=integrity,
        certificate_path=path,
        modifications=raw.modification,
        visual=later.visual,
        long_term=long_term_validation(raw),
        findings=findings,
        level=assess_level(evidence),
        conformance=assess_baseline(facts, verifier.trust_anchors) if facts else None,
    )


def _name_encoding_findings(cert: x509.Certificate | None) -> tuple[Finding, ...]:
    """An attribute of the signer's names that RFC 5280 does not allow: said, not judged."""
    problems = name_attribute_problems(cert) if cert is not None else ()
    if not problems:
        return ()
    return (
        Finding(
            check=CheckId.IDENTITY,
            outcome=Outcome.INFO,
            message="The signer's certificate has a malformed name attribute, read as it is: "
            + "; ".join(problems),
            citations=(BES.ART_3_E, BES.ART_6_1_B),
        ),
    )


def _signing_time(raw: RawSignature) -> tuple[dt.datetime | None, SigningTimeSource]:
    if raw.timestamp_time is not None and raw.timestamp_trusted:
        return raw.timestamp_time, SigningTimeSource.TIMESTAMP
    if raw.claimed_time is not None:
        return raw.claimed_time, SigningTimeSource.CLAIMED
    return None, SigningTimeSource.NONE


def _signed_range(raw: RawSignature) -> SignedRange | None:
    if len(raw.byte_range) != 4 or raw.coverage is None:
        return None
    return SignedRange(
        byte_range=raw.byte_range,
        covered_bytes=raw.byte_range[1] + raw.byte_range[3],
        file_size=raw.file_size,
        revision=raw.revision,
        total_revisions=raw.total_revisions,
        coverage=raw.coverage,
    )


def _signed_data_findings(raw: RawSignature) -> tuple[Finding, ...]:
    cite = (BES.ART_3_A,)
    rng = raw.byte_range
    beyond_end = len(rng) == 4 and raw.file_size > 0 and rng[2] + rng[3] > raw.file_size
    if (
        len(rng) != 4
        or any(x < 0 for x in rng)
        or rng[0] != 0
        or rng[0] + rng[1] > rng[2]
        or beyond_end
    ):
        return (
            Finding(
                check=CheckId.SIGNED_DATA,
                outcome=Outcome.FAILED,
                citations=cite,
                sub_indication=SubIndication.FORMAT_FAILURE,
                message=f"The /ByteRange {list(rng)} is not a valid signed range.",
            ),
        )
    where = f"revision {raw.revision} of {raw.total_revisions}" if raw.revision else "a revision"
    if raw.coverage is Coverage.ENTIRE_FILE:
        return (
            Finding(
                check=CheckId.SIGNED_DATA,
                outcome=Outcome.PASSED,
                citations=cite,
                message=f"The signature covers the entire file ({raw.file_size} bytes): "
                "what a reader shows is what was signed.",
            ),
        )
    if raw.coverage is Coverage.ENTIRE_REVISION:
        return (
            Finding(
                check=CheckId.SIGNED_DATA,
                outcome=Outcome.PASSED,
                citations=cite,
                message=f"The signature covers {where}; a reader shows revision "
                f"{raw.total_revisions}, so later changes are examined below.",
            ),
        )
    if raw.coverage is Coverage.PREFIX:
        return (
            Finding(
                check=CheckId.SIGNED_DATA,
                outcome=Outcome.INDETERMINATE,
                citations=cite,
                sub_indication=SubIndication.FORMAT_FAILURE,
                message="The signature covers a block from the start of the file that "
                "does not end at a revision boundary; bytes after it are not covered.",
            ),
        )
    if raw.coverage is Coverage.UNCLEAR:
        return (
            Finding(
                check=CheckId.SIGNED_DATA,
                outcome=Outcome.FAILED,
                citations=cite,
                sub_indication=SubIndication.FORMAT_FAILURE,
                message="The signed byte range is non-standard: it does not cover a "
                "whole revision, so the data shown may not be the data signed.",
                attack=Attack.SIGNATURE_WRAPPING,
            ),
        )
    return (
        Finding(
            check=CheckId.SIGNED_DATA,
            outcome=Outcome.INDETERMINATE,
            citations=cite,
            sub_indication=SubIndication.FORMAT_FAILURE,
            message="What the signature covers could not be established.",
        ),
    )


def _integrity(raw: RawSignature) -> Integrity | None:
    if raw.digest_matches is None or raw.signature_valid is None:
        return None
    return Integrity(
        digest_matches=raw.digest_matches,
        signature_valid=raw.signature_valid,
        digest_algorithm=raw.digest_algorithm,
        signature_algorithm=raw.signature_algorithm,
    )


def _integrity_finding(raw: RawSignature, integrity: Integrity | None) -> Finding:
    cite = (BES.ART_3_B, BES.ART_1_D)
    if integrity is None:
        sub = raw.error_sub_indication or "FORMAT_FAILURE"
        outcome = Outcome.FAILED if sub in _FAILURE_SUBS else Outcome.INDETERMINATE
        return Finding(
            check=CheckId.INTEGRITY,
            outcome=outcome,
            citations=cite,
            sub_indication=_sub(sub),
            message=f"The signature could not be checked: {raw.error}",
        )
    if not integrity.digest_matches:
        return Finding(
            check=CheckId.INTEGRITY,
            outcome=Outcome.FAILED,
            citations=cite,
            sub_indication=SubIndication.HASH_FAILURE,
            message="The signed bytes were changed: their digest does not match "
            "the digest the signer signed.",
        )
    if not integrity.signature_valid:
        return Finding(
            check=CheckId.INTEGRITY,
            outcome=Outcome.FAILED,
            citations=cite,
            sub_indication=SubIndication.SIG_CRYPTO_FAILURE,
            message="The signature value does not verify with the signer's key.",
        )
    return Finding(
        check=CheckId.INTEGRITY,
        outcome=Outcome.PASSED,
        citations=cite,
        message=f"The digest ({integrity.digest_algorithm}) matches and the "
        f"signature value ({integrity.signature_algorithm}) verifies.",
    )


def _sub(name: str | None) -> SubIndication | None:
    if name is None:
        return None
    try:
        return SubIndication(name)
    except ValueError:
        return SubIndication.GENERIC


def _certificate_path(raw: RawSignature) -> CertificatePath | None:
    if raw.signer_cert is None:
        return None
    chain = tuple(CertificateSummary.from_certificate(c) for c in (raw.path or (raw.signer_cert,)))
    if raw.trusted:
        anchor = chain[-1].subject.display
        return CertificatePath(
            status=PathStatus.TRUSTED,
            chain=chain,
            revocation_checked=raw.revocation_embedded or raw.revocation_fetching,
            message=f"A valid path leads to the trust anchor {anchor}.{_revocation_note(raw)}",
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
        return judged
    status, message = _path_problem(raw)
    return CertificatePath(
        status=status,
        chain=chain,
        revocation_checked=raw.revocation_embedded or raw.revocation_fetching,
        message=message,
    )


def _path_problem(raw: RawSignature) -> tuple[PathStatus, str]:
    problem = raw.trust_problem or raw.error_sub_indication
    cert = raw.signer_cert
    if raw.error and raw.trusted is None and raw.digest_matches is not None:
        return PathStatus.NOT_EXAMINED, f"The certificate path was not examined: {raw.error}."
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


def _certificate_finding(raw: RawSignature, path: CertificatePath | None) -> Finding:
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
        or _sub(raw.trust_problem)
        or SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
    )
    if path.status is PathStatus.REVOKED:
        return _revoked_finding(raw, path)
    outcome = Outcome.FAILED if sub.value in _FAILURE_SUBS else Outcome.INDETERMINATE
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


def _identity_findings(signer: NameIdentity | None) -> tuple[Finding, ...]:
    if signer is None:
        return (
            Finding(
                check=CheckId.IDENTITY,
                outcome=Outcome.INDETERMINATE,
                citations=(BES.ART_3_E,),
                sub_indication=SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
                message="No signer certificate, so no identity can be shown.",
            ),
        )
    identity = Finding(
        check=CheckId.IDENTITY,
        outcome=Outcome.INFO,
        citations=(BES.ART_3_E, BES.ART_6_1_B, BES.ART_6_1_C),
        message=f"Signed by {signer.display}, as named in the certificate.",
    )
    if signer.is_pseudonym and signer.pseudonym_marker is not None:
        marker = signer.pseudonym_marker
        text = (
            f"The signatory uses a pseudonym ({marker.source}: {marker.value!r}); "
            "the real identity is known only to the certificate issuer."
        )
    else:
        text = "The certificate names the signatory; it carries no pseudonym marker."
    pseudonym = Finding(
        check=CheckId.PSEUDONYM,
        outcome=Outcome.INFO,
        citations=(BES.ART_3_F, BES.ART_6_1_B),
        message=text,
    )
    return identity, pseudonym


def _evidence(
    raw: RawSignature,
    *,
    integrity: Integrity | None,
    signer: NameIdentity | None,
    profile: CertificateProfile | None,
    findings: tuple[Finding, ...],
    qualification: Qualification,
) -> SignatureEvidence:
    def outcome_of(check: CheckId) -> Outcome:
        return next(f.outcome for f in findings if f.check is check)

    cert_outcome = outcome_of(CheckId.CERTIFICATE)
    trusted = {Outcome.PASSED: True, Outcome.FAILED: False}.get(cert_outcome)
    cert_problem = next(
        (
            f.message
            for f in findings
            if f.check is CheckId.CERTIFICATE and f.outcome is not Outcome.PASSED
        ),
        None,
    )
    linked_checks = (CheckId.SIGNED_DATA, CheckId.MODIFICATIONS, CheckId.ALGORITHMS)
    linked = all(f.outcome is Outcome.PASSED for f in findings if f.check in linked_checks)
    data_problem = next(
        (
            f.message
            for f in findings
            if f.check in linked_checks and f.outcome is not Outcome.PASSED
        ),
        None,
    )
    named = signer is not None and signer.display != "(no name)"
    return SignatureEvidence(
        intact=bool(integrity and integrity.intact),
        signer_named=named,
        signer_certificate_bound=raw.signer_certificate_bound,
        certificate_trusted=trusted,
        certificate_problem=cert_problem,
        data_linked=linked,
        data_problem=data_problem,
        long_term_material=raw.timestamp_trusted and raw.revocation_embedded,
        qualified_certificate=qualification.qualified_certificate,
        qualified_certificate_source=qualification.qualified_source,
        qualified_device=qualification.qscd,
        qualified_device_source=qualification.qscd_source,
        recognised_provider=qualification.recognised_provider,
        recognised_provider_source=qualification.recognised_source,
        is_seal=profile is not None and profile.person_kind is PersonKind.LEGAL_PERSON,
    )
