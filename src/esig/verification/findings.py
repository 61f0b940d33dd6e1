"""The BES art. 3 findings on what one signature covers and who is named as its signer.

Letters (a) signed data, (b) integrity, (c) signed content, (e) identity and
(f) pseudonym, each read from the facts of a
:class:`~esig._pyhanko.validate.RawSignature`. The certificate, letter (d), is
:mod:`esig.verification.certificate_path`; the report is assembled in
:mod:`esig.verification.verifier`.
"""

from __future__ import annotations

from cryptography import x509

from esig._library_warnings import name_attribute_problems
from esig._pyhanko.validate import RawSignature
from esig.identity import NameIdentity
from esig.law import BES
from esig.verification.report import (
    Attack,
    CheckId,
    Coverage,
    Finding,
    Integrity,
    Outcome,
    SubIndication,
)

FAILURE_SUB_INDICATIONS = frozenset(
    {"FORMAT_FAILURE", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", "REVOKED", "NOT_YET_VALID"}
)
"""Sub-indications that make a check FAILED; any other makes it INDETERMINATE."""


def signed_data_findings(raw: RawSignature) -> tuple[Finding, ...]:
    """The art. 3(a) finding: what the signed /ByteRange covers."""
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


def integrity_of(raw: RawSignature) -> Integrity | None:
    """The digest and signature-value checks, or ``None`` if the signature could not be checked."""
    if raw.digest_matches is None or raw.signature_valid is None:
        return None
    return Integrity(
        digest_matches=raw.digest_matches,
        signature_valid=raw.signature_valid,
        digest_algorithm=raw.digest_algorithm,
        signature_algorithm=raw.signature_algorithm,
    )


def integrity_finding(raw: RawSignature, integrity: Integrity | None) -> Finding:
    """The art. 3(b) finding: the signed bytes are unchanged and the signature value verifies."""
    cite = (BES.ART_3_B, BES.ART_1_D)
    if integrity is None:
        sub = raw.error_sub_indication or "FORMAT_FAILURE"
        outcome = Outcome.FAILED if sub in FAILURE_SUB_INDICATIONS else Outcome.INDETERMINATE
        return Finding(
            check=CheckId.INTEGRITY,
            outcome=outcome,
            citations=cite,
            sub_indication=sub_indication(sub),
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


def sub_indication(name: str | None) -> SubIndication | None:
    """The :class:`SubIndication` named ``name`` (GENERIC if esig does not know it)."""
    if name is None:
        return None
    try:
        return SubIndication(name)
    except ValueError:
        return SubIndication.GENERIC


def signed_content_finding(raw: RawSignature) -> Finding:
    """The art. 3(c) finding: whether the signed revision can be handed back as signed."""
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


def identity_findings(signer: NameIdentity | None) -> tuple[Finding, ...]:
    """The art. 3(e) and 3(f) findings: who is named as the signatory, and whether by pseudonym."""
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


def name_encoding_findings(cert: x509.Certificate | None) -> tuple[Finding, ...]:
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
