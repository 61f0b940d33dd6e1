"""Verify detached CAdES signatures (``FILE.p7s`` over ``FILE``) like PDF signatures.

The same BES art. 3 checks and level assessment as :func:`~esig.verification.verifier.
verify_pdf` apply; what differs is the scope. A detached signature covers the whole
content file, byte for byte: there are no revisions, nothing can be added after
signing without breaking the digest, and the signed content is the file itself.
Validation data carried in the signature (B-LT) is used, so no network is needed; when
the signer's certificate has expired, was revoked or its embedded revocation data is no
longer fresh, the signature is judged as of its signature timestamp's time
(:mod:`esig._pyhanko.cades_validate`; docs/verification.md "Detached CAdES in the past").

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from esig._io import open_input, read_input
from esig._pyhanko.cades_validate import validate_cades
from esig._pyhanko.documents import PARSE_FAILURES
from esig._sync import run_sync
from esig.errors import CorruptDocumentError
from esig.law import BES, EIDAS
from esig.profiles import Art6Field
from esig.trust.register import CspRegister
from esig.verification.qualification import TrustedListLike
from esig.verification.report import (
    CertificateSummary,
    CheckId,
    Finding,
    Outcome,
    VerificationReport,
)
from esig.verification.verifier import TrustInput, Verifier, signature_report

__all__ = ["async_verify_detached", "verify_detached"]

_CHUNK = 1 << 20


def _scope(content_name: str, size: int) -> dict[CheckId, Finding]:
    return {
        CheckId.SIGNED_DATA: Finding(
            check=CheckId.SIGNED_DATA,
            outcome=Outcome.PASSED,
            citations=(BES.ART_3_A,),
            message=f"The detached signature covers the whole file {content_name} "
            f"({size} bytes), byte for byte.",
        ),
        CheckId.SIGNED_CONTENT: Finding(
            check=CheckId.SIGNED_CONTENT,
            outcome=Outcome.PASSED,
            citations=(BES.ART_3_C,),
            message=f"The signed content is the file {content_name} itself, as verified.",
        ),
        CheckId.MODIFICATIONS: Finding(
            check=CheckId.MODIFICATIONS,
            outcome=Outcome.PASSED,
            citations=(BES.ART_3_G, BES.ART_1_D, EIDAS.ART_26_D),
            message="A detached signature admits no later changes: any change to the "
            "file breaks its digest (see the integrity check).",
        ),
    }


async def async_verify_detached(
    signature: str | os.PathLike[str] | bytes,
    content: str | os.PathLike[str],
    *,
    trust: Sequence[TrustInput] = (),
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
    exemptions: Iterable[Art6Field | str] = (),
) -> VerificationReport:
    """Verify a detached CAdES/CMS signature over a file; see :func:`verify_detached`."""
    verifier = Verifier(
        trust,
        allow_fetching=allow_fetching,
        at=at,
        register=register,
        trusted_lists=trusted_lists,
        exemptions=exemptions,
    )
    if isinstance(signature, bytes):
        der, name = signature, "signature"
    else:
        der, name = read_input(signature, what="signature file"), Path(signature).name
    content_path = Path(content)
    with open_input(content_path, what="signed file") as handle:
        digest = hashlib.sha256()
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
        size = handle.tell()
        handle.seek(0)
        try:
            raw = await validate_cades(
                der,
                handle,
                size,
                verifier.validation_anchors,
                name=name,
                allow_fetching=allow_fetching,
                moment=at,
            )
        except PARSE_FAILURES as exc:  # the last net: pyHanko failed on the signature's bytes
            raise CorruptDocumentError(
                f"The signature {name!r} cannot be read ({type(exc).__name__}: {exc})"
            ) from None
    report = signature_report(raw, verifier, scope=_scope(content_path.name, size))
    return VerificationReport(
        document=str(content_path),
        document_sha256=digest.hexdigest(),
        document_size=size,
        verified_at=dt.datetime.now(dt.UTC),
        validation_time=verifier.at,
        trust_anchors=tuple(CertificateSummary.from_certificate(c) for c in verifier.trust_anchors),
        signatures=(report,),
    )


def verify_detached(
    signature: str | os.PathLike[str] | bytes,
    content: str | os.PathLike[str],
    *,
    trust: Sequence[TrustInput] = (),
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
    exemptions: Iterable[Art6Field | str] = (),
) -> VerificationReport:
    """Verify a detached CAdES/CMS signature (``FILE.p7s``) over the file it signs.

    Args:
        signature: The signature (DER or PEM CMS), as a path or bytes. Only read.
        content: The signed file. Only read, in chunks.
        trust: Trust anchors (certificates or paths to certificate files).
        allow_fetching: Fetch revocation information over the network.
        at: Validate as of this moment instead of now.
        register: The BES art. 4 register of recognised providers.
        trusted_lists: EU trusted lists (ETSI TS 119 612).
        exemptions: BES art. 6(2) exemptions of the issuing provider (letters of art.
            6(1)); see :class:`~esig.verification.verifier.Verifier`.

    Returns:
        The report on the file, with one signature; ``report.passed`` says whether it
        passed. A changed file fails the integrity check (HASH_FAILURE).

    Raises:
        DocumentNotFoundError: The signature or the content file does not exist.
        InputError: The signature file is not a CMS SignedData.
        CertificateLoadError: A trust anchor file cannot be read.

    """
    return run_sync(
        async_verify_detached(
            signature,
            content,
            trust=trust,
            allow_fetching=allow_fetching,
            at=at,
            register=register,
            trusted_lists=trusted_lists,
            exemptions=exemptions,
        )
    )
