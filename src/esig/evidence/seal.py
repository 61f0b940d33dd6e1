"""Seal a document with the evidence of who agreed to it, and read that evidence back.

:func:`seal_with_evidence` signs the PDF with the **platform's** device (its seal
certificate, PAdES) and puts the :class:`~esig.evidence.EvidenceRecord` into the CMS
signed attributes of that seal (attribute :attr:`esig.oids.EsigAttributeOID.EVIDENCE_RECORD`).
The seal's signature value covers the record and the document: change either and the
seal breaks. Nothing else is added to the PDF, so documents that others signed before
can be sealed too, and their signatures stay intact.

:class:`EvidenceSession` walks the steps in order — present, disclose and acknowledge,
authenticate (code, click or drawing), seal::

    session = EvidenceSession("lease.pdf", platform="Acme Sign",
                              signatory=Signatory(name="Anna de Vries", email="anna@example.org"),
                              method=EvidenceMethod.EMAIL_CODE)
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    sender.send_code(challenge, code)
    session.add_code(codes.verify(challenge.code_id, typed))
    session.seal("lease-signed.pdf", platform_device, timestamp=tsa)

:func:`esig.verify_pdf` reads the record back and reports what it supports (SES; strong
evidence when a code ties the signer uniquely); :func:`read_evidence_records` gives the records
themselves.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

from pydantic import Field

from esig._io import atomic_output, read_input
from esig._model import EsigModel
from esig._pyhanko.evidence_attr import (
    evidence_attributes,
    extends_by_one_update,
    is_session_record,
)
from esig._pyhanko.pades import sign_pades
from esig._sync import run_sync
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import OutputError
from esig.evidence.codes import CodeVerification, utc_now
from esig.evidence.errors import EvidenceMismatchError
from esig.evidence.methods import EvidenceDisclosure, evidence_disclosure
from esig.evidence.record import (
    AcknowledgedDisclosure,
    AuthenticationStep,
    CodeAuthentication,
    EvidenceMethod,
    EvidenceRecord,
    PresentedDocument,
    Signatory,
)
from esig.identity import NameIdentity
from esig.signing.appearance import VisibleSignature
from esig.signing.baseline import BaselineLevel, BaselineRequest, TimestampService
from esig.signing.pades import SignedDocument
from esig.signing.session import (
    DisclosureMismatchError,
    DocumentChangedError,
    NotAcknowledgedError,
    NotPresentedError,
    Presentation,
    present_pdf,
)

__all__ = [
    "EvidenceSession",
    "EvidenceSessionState",
    "SealedDocument",
    "SealedEvidence",
    "async_seal_with_evidence",
    "read_evidence_records",
    "seal_with_evidence",
]


class SealedDocument(SignedDocument):
    """What :func:`seal_with_evidence` produced: the sealed PDF and the record inside."""

    record: EvidenceRecord
    """The evidence record in the seal's signed attributes."""


class EvidenceSessionState(EsigModel):
    """An :class:`EvidenceSession` between two requests (:meth:`EvidenceSession.state`).

    .. versionadded:: 0.3.0
    """

    signatory: Signatory
    method: EvidenceMethod
    platform: str
    presentation: Presentation | None = None
    """What was presented (without the page renderings), or None before presenting."""
    pages_presented: int = Field(default=0, ge=0)
    """How many pages were rendered and shown when the document was presented.

    .. versionadded:: 0.3.0
    """
    acknowledged: AcknowledgedDisclosure | None = None
    """The acknowledged risk text, or None before the acknowledgement."""
    steps: tuple[AuthenticationStep, ...] = ()
    """The completed steps (codes, clicks, drawings), in order."""


class SealedEvidence(EsigModel):
    """One seal in a document and the evidence record it carries (not yet verified)."""

    field_name: str
    record: EvidenceRecord
    describes_signed_revision: bool
    """Whether the seal's revision extends exactly the document the record names (its
    bytes, then the seal's own update and nothing else)."""


def _check_document(data: bytes, record: EvidenceRecord, path: Path) -> None:
    what = record.what
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != what.document_size or digest != what.document_sha256:
        raise EvidenceMismatchError(
            "The evidence record describes another document than the one to seal; "
            "present this document to the signer again",
            record_sha256=what.document_sha256,
            document_sha256=digest,
            path=path,
        )


async def async_seal_with_evidence(
    document: str | os.PathLike[str],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    record: EvidenceRecord,
    *,
    timestamp: TimestampService | None = None,
    field_name: str | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    reason: str | None = None,
    location: str | None = None,
    appearance: VisibleSignature | None = None,
) -> SealedDocument:
    """Seal ``document`` with the platform's ``device``, the record in the signed attributes.

    Args:
        document: The PDF the signer was shown; it is only read and must be exactly the
            document the record names (size and SHA-256).
        output: Where the sealed PDF goes (atomically); must differ from ``document``.
        device: The platform's signature creation device (its seal certificate).
        record: The evidence of who agreed, how and when.
        timestamp: A time-stamping service: the seal gets a signature timestamp
            (PAdES B-T), the trusted time of the record.
        field_name: The signature field to create or fill.
        digest_algorithm: The message digest algorithm.
        reason: The /Reason entry; by default it names the signatory and the method.
        location: The /Location entry.
        appearance: Make the seal visible: a page and box (or an existing field), the
            text lines and an image, e.g. the signer's drawing
            (:class:`~esig.signing.appearance.VisibleSignature`).

            .. versionadded:: 0.3.0

    Raises:
        EvidenceMismatchError: The record names another document.
        ServiceError: The time-stamping service failed.
        SigningError: The device or pyHanko could not produce the seal.
        OutputError: ``output`` cannot be written, or is the document itself.

    """
    src, dst = Path(document), Path(output)
    if dst.exists() and src.exists() and dst.samefile(src):
        raise OutputError("The output must not be the input document", path=dst)
    data = read_input(src)
    _check_document(data, record, src)
    baseline = BaselineRequest(
        level=BaselineLevel.B_T if timestamp is not None else BaselineLevel.B_B,
        timestamp=timestamp,
    )
    with atomic_output(dst) as out:
        name = await sign_pades(
            io.BytesIO(data),
            out,
            device,
            field_name=field_name,
            digest_algorithm=digest_algorithm,
            reason=reason or f"Sealed for {record.who.name} ({record.method.value})",
            location=location,
            contact_info=None,
            baseline=baseline,
            appearance=appearance,
            evidence=record.canonical_json(),
        )
    return SealedDocument(
        path=dst,
        field_name=name,
        signer=NameIdentity.from_name(device.certificate.subject),
        digest_algorithm=digest_algorithm,
        size=dst.stat().st_size,
        level=baseline.level,
        visible=appearance is not None,
        record=record,
    )


def seal_with_evidence(
    document: str | os.PathLike[str],
    output: str | os.PathLike[str],
    device: SignatureCreationDevice,
    record: EvidenceRecord,
    *,
    timestamp: TimestampService | None = None,
    field_name: str | None = None,
    digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
    reason: str | None = None,
    location: str | None = None,
    appearance: VisibleSignature | None = None,
) -> SealedDocument:
    """Synchronous twin of :func:`async_seal_with_evidence`, with the same arguments."""
    return run_sync(
        async_seal_with_evidence(
            document,
            output,
            device,
            record,
            timestamp=timestamp,
            field_name=field_name,
            digest_algorithm=digest_algorithm,
            reason=reason,
            location=location,
            appearance=appearance,
        )
    )


def read_evidence_records(
    document: str | os.PathLike[str] | bytes,
) -> tuple[SealedEvidence, ...]:
    """The evidence records of every seal in the document, oldest first.

    Signatures made in a :class:`~esig.signing.SigningSession` (the signer's own key)
    carry a session record instead; they are left out (see
    :func:`esig.signing.session.read_session_evidence`).

    This reads the records; it does not verify the seals (use :func:`esig.verify_pdf`,
    which also reports what each record supports).

    Raises:
        NotAPdfError: The document is not a PDF.
        CorruptDocumentError: It cannot be parsed.
        EvidenceRecordError: A seal carries a record that cannot be read.

    """
    data = document if isinstance(document, bytes) else read_input(document)
    found = []
    for item in evidence_attributes(data):
        if is_session_record(item.record):
            continue  # a signer's own signature (read_session_evidence reads it)
        record = EvidenceRecord.from_json(item.record)
        size = record.what.document_size
        end = item.signed_revision_end
        describes = (
            size < end
            and extends_by_one_update(data[size:end])
            and hashlib.sha256(data[:size]).hexdigest() == record.what.document_sha256
        )
        found.append(
            SealedEvidence(
                field_name=item.field_name, record=record, describes_signed_revision=describes
            )
        )
    return tuple(found)


class EvidenceSession:
    """Present a PDF, disclose the risks, collect the signer's agreement, seal it.

    Args:
        document: The PDF to sign; it is only read. It may already carry signatures.
        signatory: Who signs (claimed name; email and phone where codes go).
        method: The evidence method; its risk text is :attr:`disclosure`.
        platform: The name of the service that seals.
        clock: Returns the current time (aware); injectable for tests.

    """

    def __init__(
        self,
        document: str | os.PathLike[str],
        *,
        signatory: Signatory,
        method: EvidenceMethod,
        platform: str,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._document = Path(document)
        self.signatory = signatory
        """Who signs."""
        self.method = EvidenceMethod(method)
        """The evidence method."""
        self.platform = platform
        """The sealing service."""
        self._clock = clock
        self._presentation: Presentation | None = None
        self._pages_presented = 0
        self._acknowledged: AcknowledgedDisclosure | None = None
        self._steps: list[AuthenticationStep] = []

    @property
    def document(self) -> Path:
        """The document this session signs."""
        return self._document

    @property
    def disclosure(self) -> EvidenceDisclosure:
        """The risk text to show before signing (BES art. 2(2))."""
        return evidence_disclosure(self.method)

    @property
    def presentation(self) -> Presentation | None:
        """The last presentation, or None before :meth:`present`."""
        return self._presentation

    def present(self) -> Presentation:
        """Read the document, hash it and render its pages for the signer."""
        self._presentation = present_pdf(read_input(self._document))
        self._pages_presented = len(self._presentation.pages)
        return self._presentation

    def acknowledge(
        self, content_hash: str, *, signer_statement: str | None = None
    ) -> AcknowledgedDisclosure:
        """Record that the signer read and accepted :attr:`disclosure`.

        Raises:
            DisclosureMismatchError: ``content_hash`` names another text.

        """
        shown = self.disclosure
        if content_hash != shown.content_hash:
            raise DisclosureMismatchError(
                f"The acknowledged text is not this session's risk disclosure ({shown.title!r})",
                expected=shown.content_hash,
                given=content_hash,
            )
        self._acknowledged = shown.acknowledged(self._clock(), signer_statement=signer_statement)
        return self._acknowledged

    def add_step(self, step: AuthenticationStep) -> None:
        """Add a completed step (a code, a click or a drawing) to the evidence."""
        self._steps.append(step)

    def add_code(self, verification: CodeVerification) -> None:
        """Add a correctly entered one-time code (from :meth:`OneTimeCodes.verify`)."""
        self._steps.append(CodeAuthentication.from_verification(verification))

    def record(self) -> EvidenceRecord:
        """The evidence record as it stands.

        Raises:
            NotPresentedError: :meth:`present` was not called.
            NotAcknowledgedError: :meth:`acknowledge` was not called.
            pydantic.ValidationError: The steps do not fit the method (e.g. no code).

        """
        presented = self._presentation
        if presented is None:
            raise NotPresentedError(
                "The document was not presented to the signer; call present() first",
                path=self._document,
            )
        if self._acknowledged is None:
            raise NotAcknowledgedError(
                "The signer has not acknowledged the risk disclosure; call acknowledge() first",
                path=self._document,
            )
        return EvidenceRecord(
            platform=self.platform,
            method=self.method,
            who=self.signatory,
            what=PresentedDocument(
                document_sha256=presented.document_sha256,
                document_size=presented.document_size,
                page_count=presented.page_count,
                pages_presented=self._pages_presented,
                presented_at=presented.presented_at,
            ),
            when=self._clock(),
            how=tuple(self._steps),
            disclosure=self._acknowledged,
        )

    async def async_seal(
        self,
        output: str | os.PathLike[str],
        device: SignatureCreationDevice,
        *,
        timestamp: TimestampService | None = None,
        field_name: str | None = None,
        appearance: VisibleSignature | None = None,
    ) -> SealedDocument:
        """Seal the presented document with the platform's ``device`` and the evidence.

        ``appearance`` makes the seal visible, as for :func:`seal_with_evidence`.

        Raises:
            NotPresentedError, NotAcknowledgedError: A step is missing.
            DocumentChangedError: The document changed after it was presented.
            SigningError, ServiceError, OutputError: As :func:`seal_with_evidence`.

        """
        record = self.record()
        current = hashlib.sha256(await asyncio.to_thread(read_input, self._document)).hexdigest()
        if current != record.what.document_sha256:
            raise DocumentChangedError(
                "The document changed after it was presented to the signer; present it "
                "again before sealing",
                presented_sha256=record.what.document_sha256,
                current_sha256=current,
                path=self._document,
            )
        return await async_seal_with_evidence(
            self._document,
            output,
            device,
            record,
            timestamp=timestamp,
            field_name=field_name,
            appearance=appearance,
        )

    def seal(
        self,
        output: str | os.PathLike[str],
        device: SignatureCreationDevice,
        *,
        timestamp: TimestampService | None = None,
        field_name: str | None = None,
        appearance: VisibleSignature | None = None,
    ) -> SealedDocument:
        """Synchronous twin of :meth:`async_seal`."""
        return run_sync(
            self.async_seal(
                output, device, timestamp=timestamp, field_name=field_name, appearance=appearance
            )
        )

    def state(self) -> EvidenceSessionState:
        """What the session has collected so far, to keep between two requests.

        A web application serves the steps in separate requests (show the document,
        acknowledge, send a code, enter it); it stores this model (``model_dump_json()``)
        and continues with :meth:`resume`. The page renderings are left out; the rest is
        what the evidence record will say.

        .. versionadded:: 0.3.0
        """
        presented = self._presentation
        return EvidenceSessionState(
            signatory=self.signatory,
            method=self.method,
            platform=self.platform,
            presentation=None if presented is None else presented.model_copy(update={"pages": ()}),
            pages_presented=self._pages_presented,
            acknowledged=self._acknowledged,
            steps=tuple(self._steps),
        )

    @classmethod
    def resume(
        cls,
        document: str | os.PathLike[str],
        state: EvidenceSessionState,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> EvidenceSession:
        """The session that :meth:`state` saved, for the same ``document``.

        Sealing still checks that ``document`` is, byte for byte, the one presented.

        .. versionadded:: 0.3.0
        """
        session = cls(
            document,
            signatory=state.signatory,
            method=state.method,
            platform=state.platform,
            clock=clock,
        )
        session._presentation = state.presentation
        session._pages_presented = state.pages_presented
        session._acknowledged = state.acknowledged
        session._steps = list(state.steps)
        return session

    def __repr__(self) -> str:
        return (
            f"<EvidenceSession {self._document} {self.method.value}: "
            f"{'presented' if self._presentation else 'not presented'}, "
            f"{len(self._steps)} step(s)>"
        )
