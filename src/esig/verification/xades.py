"""Verify XAdES signatures in XML documents (enveloped) or beside any file (detached).

The same BES art. 3 checks and level assessment as for PDF and CAdES apply, built by
:func:`~esig.verification.verifier.signature_report` from the facts of
:mod:`esig._xml.xades_validate`. What an XML signature covers is its references, so
the art. 3(a), (c) and (g) findings describe them: the whole document without its
signature, one element of it, or the detached file. XML signature wrapping (a second
element with the signed Id, a signed element moved into a ``ds:Object`` or beside an
unsigned namesake, a reference that resolves to nothing, more than one signature) is
a failed art. 3(a) finding that names the attack. The XML is parsed with entities,
DTDs and network access off.

B-LT and B-LTA: the validation data the signature embeds (CertificateValues,
RevocationValues, TimeStampValidationData) is used, so it verifies offline; each
archive timestamp is checked over the data it must cover, and a signer whose
certificate expired or was revoked since is validated as of the signature timestamp
(:mod:`esig.verification.xades_long_term`); the report's ``conformance`` names the
XAdES baseline level reached.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from esig._io import read_input
from esig._sync import run_sync
from esig._xml.wrapping import ReferenceFacts, ReferenceKind, WrappingKind
from esig._xml.xades_validate import XadesFacts, validate_xades
from esig.law import BES, EIDAS
from esig.profiles import Art6Field
from esig.trust.register import CspRegister
from esig.verification.qualification import TrustedListLike
from esig.verification.report import (
    Attack,
    CertificateSummary,
    CheckId,
    Finding,
    Outcome,
    SignatureReport,
    SubIndication,
    VerificationReport,
)
from esig.verification.verifier import TrustInput, Verifier, signature_report
from esig.verification.xades_long_term import with_long_term

__all__ = ["async_verify_xml", "verify_xml"]


def _covered(references: tuple[ReferenceFacts, ...], content: str | None) -> str:
    parts = []
    for ref in references:
        if ref.external is not None:
            shown = f"the file {ref.external}" + (
                f" (checked against {content})" if content and content != ref.external else ""
            )
            parts.append(shown)
        elif ref.whole_document:
            parts.append("the whole document except its own signature")
        elif ref.element:
            parts.append(f"the element {ref.element} only")
    return ", ".join(dict.fromkeys(parts)) or "no data object"


def xml_scope(facts: XadesFacts, content_name: str | None) -> dict[CheckId, Finding]:
    """The art. 3(a), (c), (g) findings of one XML signature: what it covers, or wrapping."""
    data_refs = [r for r in facts.references if r.kind is ReferenceKind.DATA]
    covered = _covered(tuple(data_refs), content_name)
    if facts.wrapping:
        kinds = {p.kind for p in facts.wrapping}
        not_found = kinds <= {WrappingKind.UNRESOLVED, WrappingKind.NO_DATA}
        attack = kinds != {WrappingKind.NO_DATA}
        signed_data = Finding(
            check=CheckId.SIGNED_DATA,
            outcome=Outcome.FAILED,
            citations=(BES.ART_3_A,),
            sub_indication=SubIndication.SIGNED_DATA_NOT_FOUND
            if not_found
            else SubIndication.FORMAT_FAILURE,
            attack=Attack.XML_SIGNATURE_WRAPPING if attack else None,
            message=("XML signature wrapping: " if attack else "The signed data is missing: ")
            + "; ".join(f"{p.kind.value}: {p.detail}" for p in facts.wrapping)
            + ". What a consumer reads is not shown to be what was signed.",
        )
    elif facts.detached_missing is not None:
        signed_data = Finding(
            check=CheckId.SIGNED_DATA,
            outcome=Outcome.INDETERMINATE,
            citations=(BES.ART_3_A,),
            sub_indication=SubIndication.SIGNED_DATA_NOT_FOUND,
            message=f"The signature covers the file {facts.detached_missing}, which was not "
            "given (detached_content / --content).",
        )
    else:
        signed_data = Finding(
            check=CheckId.SIGNED_DATA,
            outcome=Outcome.PASSED,
            citations=(BES.ART_3_A,),
            message=f"The XML signature covers {covered}; each reference resolves to "
            "exactly one target and no signed element was moved.",
        )
    whole = any(r.whole_document or r.external for r in data_refs)
    if facts.wrapping:
        content = Finding(
            check=CheckId.SIGNED_CONTENT,
            outcome=Outcome.INDETERMINATE,
            citations=(BES.ART_3_C,),
            sub_indication=SubIndication.SIGNED_DATA_NOT_FOUND,
            message="What was signed cannot be told apart from what a consumer reads "
            "(see the signed-data check).",
        )
    else:
        content = Finding(
            check=CheckId.SIGNED_CONTENT,
            outcome=Outcome.PASSED,
            citations=(BES.ART_3_C,),
            message=f"The signed content is {covered}, as verified."
            if whole
            else f"The signed content is {covered}; the rest of the document is not signed.",
        )
    return {
        CheckId.SIGNED_DATA: signed_data,
        CheckId.SIGNED_CONTENT: content,
        CheckId.MODIFICATIONS: Finding(
            check=CheckId.MODIFICATIONS,
            outcome=Outcome.PASSED,
            citations=(BES.ART_3_G, BES.ART_1_D, EIDAS.ART_26_D),
            message="An XML signature admits no later changes to what it covers: any "
            "change breaks a reference digest (see the integrity check).",
        ),
    }


def timestamp_findings(facts: XadesFacts) -> tuple[Finding, ...]:
    """A failed timestamp finding when the signature timestamp cannot be validated."""
    return _format_findings(facts)


def _format_findings(facts: XadesFacts) -> tuple[Finding, ...]:
    found = []
    if facts.timestamp_problem is not None:
        found.append(
            Finding(
                check=CheckId.TIMESTAMP,
                outcome=Outcome.FAILED,
                citations=(BES.ART_1_B, BES.ART_3_D),
                sub_indication=SubIndication.FORMAT_FAILURE,
                message=f"The signature timestamp cannot be validated: {facts.timestamp_problem}.",
            )
        )
    return tuple(found)


def _report(facts: XadesFacts, verifier: Verifier, content: str | None) -> SignatureReport:
    report = signature_report(facts.raw, verifier, scope=xml_scope(facts, content))
    extra = _format_findings(facts)
    if extra:
        report = report.model_copy(update={"findings": (*report.findings, *extra)})
    return with_long_term(report, facts, verifier.validation_anchors)


async def async_verify_xml(
    source: str | os.PathLike[str] | bytes,
    *,
    trust: Sequence[TrustInput] = (),
    detached_content: str | os.PathLike[str] | None = None,
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
    exemptions: Iterable[Art6Field | str] = (),
) -> VerificationReport:
    """Verify the XAdES signatures of an XML document; see :func:`verify_xml`."""
    verifier = Verifier(
        trust,
        allow_fetching=allow_fetching,
        at=at,
        register=register,
        trusted_lists=trusted_lists,
        exemptions=exemptions,
    )
    if isinstance(source, bytes):
        data, name = source, "XML document"
    else:
        data, name = read_input(source, what="XML document"), Path(source).name
    detached = None
    content_name = None
    if detached_content is not None:
        content_path = Path(detached_content)
        content_name = content_path.name
        detached = (content_name, read_input(content_path, what="signed file"))
    facts = await validate_xades(
        data,
        verifier.validation_anchors,
        name=name,
        detached=detached,
        allow_fetching=allow_fetching,
        moment=at,
    )
    shown = detached[1] if detached is not None else data
    return VerificationReport(
        document=str(detached_content if detached_content is not None else name)
        if isinstance(source, bytes)
        else str(detached_content if detached_content is not None else source),
        document_sha256=hashlib.sha256(shown).hexdigest(),
        document_size=len(shown),
        verified_at=dt.datetime.now(dt.UTC),
        validation_time=verifier.at,
        trust_anchors=tuple(CertificateSummary.from_certificate(c) for c in verifier.trust_anchors),
        signatures=tuple(_report(f, verifier, content_name) for f in facts),
    )


def verify_xml(
    source: str | os.PathLike[str] | bytes,
    *,
    trust: Sequence[TrustInput] = (),
    detached_content: str | os.PathLike[str] | None = None,
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
    exemptions: Iterable[Art6Field | str] = (),
) -> VerificationReport:
    """Verify the XAdES signatures of an XML document (enveloped, or a detached signature).

    Args:
        source: The signed XML document, or a detached signature file; path or bytes.
            Only read; parsed with entities, DTDs and network access off.
        trust: Trust anchors (certificates or paths to certificate files).
        detached_content: The signed file, when ``source`` is a detached signature.
        allow_fetching: Fetch revocation information over the network.
        at: Validate as of this moment instead of now.
        register: The BES art. 4 register of recognised providers.
        trusted_lists: EU trusted lists (ETSI TS 119 612).
        exemptions: BES art. 6(2) exemptions of the issuing provider (letters of art. 6(1)).

    Returns:
        The report, one entry per ``ds:Signature``; ``report.passed`` says whether all
        passed. A change to signed content fails the integrity check (HASH_FAILURE);
        XML signature wrapping fails the signed-data check, naming the attack.

    Raises:
        DocumentNotFoundError: ``source`` or ``detached_content`` does not exist.
        InputError: ``source`` is not well-formed XML, or declares a DTD or entities.
        CertificateLoadError: A trust anchor file cannot be read.

    .. versionadded:: 0.2.0

    """
    return run_sync(
        async_verify_xml(
            source,
            trust=trust,
            detached_content=detached_content,
            allow_fetching=allow_fetching,
            at=at,
            register=register,
            trusted_lists=trusted_lists,
            exemptions=exemptions,
        )
    )
