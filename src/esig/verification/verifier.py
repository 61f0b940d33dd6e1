"""Verify signed PDF documents: the BES art. 3 checks and the level each signature reaches.

:func:`verify_pdf` (and its async twin) read a document, validate every signature in
it and return a :class:`~esig.verification.report.VerificationReport`. A signature that
fails is reported, with the reasons; an :class:`~esig.errors.EsigError` means the
document could not be examined at all (missing, not a PDF, encrypted).

Each signature's report is assembled here from the findings of
:mod:`esig.verification.findings` (art. 3(a), (b), (c), (e), (f)),
:mod:`esig.verification.certificate_path` (art. 3(d)) and the other modules of
:mod:`esig.verification`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from cryptography import x509

from esig._io import open_input, read_input, sha256_in_background
from esig._library_warnings import caught_library_warnings
from esig._parsing import esig_parsing
from esig._pyhanko.conformance import BaselineFacts, read_baseline_facts
from esig._pyhanko.documents import PARSE_FAILURES
from esig._pyhanko.salvage import recover_signatures
from esig._pyhanko.validate import (
    RawSignature,
    filled_signature_fields,
    open_reader,
    validate_signatures,
)
from esig._sync import run_sync
from esig.certificates import load_certificates
from esig.errors import CorruptDocumentError, InputError, VerificationError
from esig.identity import NameIdentity
from esig.levels import SignatureEvidence, assess_level
from esig.profiles import Art6Field, CertificateProfile, FieldStatus, PersonKind
from esig.trust.register import CspRegister
from esig.verification.algorithms import algorithm_finding
from esig.verification.certificate_path import (
    certificate_finding,
    certificate_path,
    listed_anchors,
)
from esig.verification.changes import LaterChanges, gather_later_changes, modification_finding
from esig.verification.conformance import assess_baseline
from esig.verification.findings import (
    identity_findings,
    integrity_finding,
    integrity_of,
    name_encoding_findings,
    signed_content_finding,
    signed_data_findings,
)
from esig.verification.long_term import (
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
    CertificateSummary,
    CheckId,
    Coverage,
    Finding,
    Integrity,
    Outcome,
    SignatureReport,
    SignedRange,
    SigningTimeSource,
    VerificationReport,
)
from esig.verification.self_issued import self_issued_end_entity, self_issued_finding
from esig.verification.validation_data import validation_data
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


class Verifier:
    """Verifies documents against a fixed set of trust anchors and settings.

    Args:
        trust: Trust anchors: certificates, or paths to files holding them. Without
            any, no certificate path can be validated and signatures are at best
            INDETERMINATE (BES art. 3(d)).
        register: The register of recognised certification service providers (BES
            art. 4), consulted at each signature's signing time for the QES level.
        trusted_lists: EU trusted lists (ETSI TS 119 612), consulted likewise; they may
            also override the certificate's qualified claims. The certificates of their
            services are trust anchors too, beside ``trust`` (see
            :attr:`validation_anchors`).
        allow_fetching: Fetch missing revocation information (OCSP, CRL) and issuer
            certificates over the network.
        at: Validate as of this moment instead of now.
        exemptions: Items of BES art. 6(1) the issuing providers are exempted from
            (art. 6(2)), as letters (``"c"``) or :class:`~esig.profiles.Art6Field`; a
            certificate lacking them still holds the content art. 6 asks. An
            authenticated register adds the exemptions it records for each provider.

    """

    def __init__(
        self,
        trust: Sequence[TrustInput] = (),
        *,
        allow_fetching: bool = False,
        at: dt.datetime | None = None,
        register: CspRegister | None = None,
        trusted_lists: TrustedListLike | None = None,
        exemptions: Iterable[Art6Field | str] = (),
    ) -> None:
        self.exemptions: frozenset[Art6Field] = _exemptions(exemptions)
        """The art. 6(2) exemptions given to the verifier."""
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
        """The trust anchors given (``trust``); the report lists these."""
        self._anchor_summaries = tuple(CertificateSummary.from_certificate(c) for c in anchors)
        given = set(anchors)
        self.listed_anchors: Mapping[x509.Certificate, str] = MappingProxyType(
            {
                cert: where
                for cert, where in listed_anchors(trusted_lists).items()
                if cert not in given
            }
        )
        """The trust anchors the trusted lists add (their services' certificates, those
        not given in ``trust``), each with the list and service that name it."""
        self.validation_anchors: tuple[x509.Certificate, ...] = (
            *self.trust_anchors,
            *self.listed_anchors,
        )
        """The trust anchors path validation uses: :attr:`trust_anchors`, then
        :attr:`listed_anchors`."""
        self.allow_fetching = allow_fetching
        """Whether revocation data may be fetched."""
        self.at = at
        """The validation moment (None: now)."""

    async def async_verify_pdf(self, source: str | os.PathLike[str] | bytes) -> VerificationReport:
        """Verify every signature in a PDF given as a path or as bytes."""
        with caught_library_warnings("verifying a PDF"), esig_parsing():
            if isinstance(source, bytes):
                return await self._verify_stream(io.BytesIO(source), "<bytes>", source)
            with open_input(source) as handle:
                return await self._verify_stream(handle, str(Path(source)), Path(source))

    async def _verify_stream(
        self, stream: BinaryIO, name: str, latest: Path | bytes
    ) -> VerificationReport:
        hashing = sha256_in_background(latest)
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        problems: tuple[str, ...] = ()
        facts: dict[str, BaselineFacts] = {}
        try:
            try:
                reader = open_reader(stream)
                filled = filled_signature_fields(reader)
                raws = await validate_signatures(
                    reader,
                    size,
                    self.validation_anchors,
                    allow_fetching=self.allow_fetching,
                    moment=self.at,
                    filled=filled,
                )
                facts = read_baseline_facts(reader, filled)
            except PARSE_FAILURES as exc:  # the last net: pyHanko failed on the bytes
                raise CorruptDocumentError(
                    f"The PDF cannot be read ({type(exc).__name__}: {exc})"
                ) from None
        except CorruptDocumentError as exc:
            stream.seek(0)
            recovered = await recover_signatures(
                stream.read(),
                exc.message,
                self.validation_anchors,
                allow_fetching=self.allow_fetching,
                moment=self.at,
            )
            raws, facts = recovered.signatures, recovered.facts
            if not raws:
                raise
            problems = (
                f"{exc.message.rstrip('.')}; {len(raws)} signature(s) were recovered from "
                "its raw bytes, each judged in the revision it signed where that revision "
                "still parses.",
            )
        comparer = RevisionComparer(latest)
        if not problems:  # recovered signatures already come in the order they were signed
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
            document_sha256=await asyncio.wrap_future(hashing),
            document_size=size,
            verified_at=dt.datetime.now(dt.UTC),
            validation_time=self.at,
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
    exemptions: Iterable[Art6Field | str] = (),
) -> VerificationReport:
    """Verify every signature in a PDF; see :class:`Verifier` for the arguments."""
    verifier = Verifier(
        trust,
        allow_fetching=allow_fetching,
        at=at,
        register=register,
        trusted_lists=trusted_lists,
        exemptions=exemptions,
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
    exemptions: Iterable[Art6Field | str] = (),
) -> VerificationReport:
    """Verify every signature in a PDF (synchronous twin of :func:`async_verify_pdf`).

    Args:
        source: The signed PDF, as a path or bytes. It is only read.
        trust: Trust anchors (certificates or paths to certificate files).
        allow_fetching: Fetch revocation information over the network.
        at: Validate as of this moment instead of now.
        register: The BES art. 4 register of recognised providers.
        trusted_lists: EU trusted lists (ETSI TS 119 612).
        exemptions: BES art. 6(2) exemptions of the issuing providers (letters of art.
            6(1)); see :class:`Verifier`.

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
            exemptions=exemptions,
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
    profile = (
        _profile(raw.signer_cert, _issuer_in_path(raw), _exempted(raw, verifier))
        if raw.signer_cert
        else None
    )
    integrity = integrity_of(raw)
    path = certificate_path(raw, profile, verifier.listed_anchors)
    issued_itself = (
        self_issued_end_entity(raw.signer_cert, profile) if raw.signer_cert is not None else None
    )
    findings = (
        *signed_data_findings(raw),
        integrity_finding(raw, integrity),
        signed_content_finding(raw),
        certificate_finding(raw, path),
        *(
            (self_issued_finding(issued_itself, trusted=bool(raw.trusted)),)
            if issued_itself is not None
            else ()
        ),
        *timestamp_findings(raw),
        *revocation_findings(raw),
        *identity_findings(signer),
        *name_encoding_findings(raw.signer_cert),
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
    # Without a validated path, the issuers the signature carries (ordered by name and
    # signature) let a list that holds only a CA above the issuer find the service. Such
    # a chain is not validated: the level still needs the art. 3(d) path (AES), so a
    # qualification found over it cannot make the signature a QES by itself.
    chain = raw.path or raw.embedded_chain or ((raw.signer_cert,) if raw.signer_cert else ())
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
        signatory=evidence.evidence_signatory if evidence.sealed_by_platform else None,
        signer_certificate=profile,
        signing_time=time,
        signing_time_source=source,
        signed_range=_signed_range(raw),
        integrity=integrity,
        certificate_path=path,
        modifications=raw.modification,
        visual=later.visual,
        changes_after_signing=raw.esig_changes.changes if raw.esig_changes is not None else (),
        pyhanko_modification=raw.pyhanko_modification,
        long_term=long_term_validation(raw),
        findings=findings,
        level=assess_level(evidence),
        trusted_list_qualification=qualification.trusted_list_answer,
        conformance=assess_baseline(facts, verifier.validation_anchors) if facts else None,
        validation_data=validation_data(raw, verifier.trusted_lists, verifier.at),
    )


@functools.lru_cache(maxsize=256)
def _profile(
    cert: x509.Certificate, issuer: x509.Certificate | None, exemptions: frozenset[Art6Field]
) -> CertificateProfile:
    """The certificate read against BES art. 6, once per certificate, issuer and exemptions.

    A profile depends on nothing else (it is a frozen value): a signer who signs many
    documents, or a document verified again, is profiled once.
    """
    return CertificateProfile.from_certificate(cert, issuer=issuer, exemptions=exemptions)


def _exemptions(given: Iterable[Art6Field | str]) -> frozenset[Art6Field]:
    try:
        return frozenset(Art6Field(str(item).strip().lower()) for item in given)
    except ValueError:
        letters = ", ".join(f.value for f in Art6Field)
        raise InputError(
            f"An art. 6(2) exemption names an item of BES art. 6(1): one of {letters}; "
            f"got {sorted(str(i) for i in given)}"
        ) from None


def _exempted(raw: RawSignature, verifier: Verifier) -> frozenset[Art6Field]:
    """The verifier's exemptions and those the register records for the issuer."""
    chain = raw.path or ((raw.signer_cert,) if raw.signer_cert else ())
    recorded = verifier.register.exemptions_for(chain) if verifier.register and chain else ()
    return verifier.exemptions | frozenset(recorded)


def _issuer_in_path(raw: RawSignature) -> x509.Certificate | None:
    """The issuer's certificate from the validated path (signer first), if there is one.

    A certificate that issued itself is its own issuer. Without a validated path the
    issuer's signature (BES art. 6(1)(g)) stays unchecked.
    """
    cert = raw.signer_cert
    if cert is None or not raw.path or raw.path[0] != cert:
        return None
    if len(raw.path) > 1:
        return raw.path[1]
    return cert if cert.issuer == cert.subject else None


def _art6_gaps(profile: CertificateProfile | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The art. 6(1) items missing or invalid, and those left unchecked, as clauses."""
    if profile is None:
        return (), ()
    bad = (FieldStatus.MISSING, FieldStatus.INVALID)
    missing = tuple(
        f"6(1)({r.field.value}) {r.status.value}: {r.detail}"
        for r in profile.fields
        if r.status in bad
    )
    signature = profile.issuer_signature
    unchecked = (
        (f"6(1)(g) the issuer's signature, {signature.reason}",)
        if signature.verified is None
        else ()
    )
    return missing, unchecked


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
    content_missing, content_unchecked = _art6_gaps(profile)
    return SignatureEvidence(
        intact=bool(integrity and integrity.intact),
        signer_named=named,
        signer_certificate_bound=raw.signer_certificate_bound,
        certificate_trusted=trusted,
        certificate_problem=cert_problem,
        data_linked=linked,
        data_problem=data_problem,
        long_term_material=raw.timestamp_trusted and raw.revocation_embedded,
        signature_timestamped=raw.timestamp_trusted,
        revocation_data_embedded=raw.revocation_embedded,
        qualified_certificate=qualification.qualified_certificate,
        qualified_certificate_source=qualification.qualified_source,
        certificate_content_missing=content_missing,
        certificate_content_unchecked=content_unchecked,
        qualified_device=qualification.qscd,
        qualified_device_source=qualification.qscd_source,
        recognised_provider=qualification.recognised_provider,
        recognised_provider_source=qualification.recognised_source,
        self_issued_certificate=qualification.self_issued,
        is_seal=profile is not None and profile.person_kind is PersonKind.LEGAL_PERSON,
        trusted_list_qualification=qualification.trusted_list_result,
    )
