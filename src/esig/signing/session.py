"""A signing session: show the document, disclose the risks, then sign (BES art. 2).

The decree asks more of signature creation than a key that signs:

* **art. 2(1)(b)** — what you see is what you sign: the data to be signed must not be
  altered and must be shown to the signer. :meth:`SigningSession.present` renders the
  pages and computes the SHA-256 digest of the document; :meth:`SigningSession.sign`
  reads the document once, refuses if its digest differs from the presented one, and
  signs exactly those bytes.
* **art. 2(2)** — before a signature is created, the signer is told the risks of the
  chosen technique compared with the others (:mod:`esig.signing.disclosures`) and
  acknowledges the text by its content hash. No acknowledgement, no signature.
* **art. 2(1)(a) 1°–3°** — key uniqueness and sole control, reported from what the
  device shows about itself (:class:`~esig.devices.DeviceEvidence`). A software key is
  never reported as a secure signature creation device.

The facts are written into a :class:`SessionEvidence` record, carried as a CMS signed
attribute of the signature itself (:attr:`esig.oids.EsigAttributeOID.EVIDENCE_RECORD`),
so the signature value covers it and nothing else is added to the PDF: a document that
others signed before can be signed in a session too, and their signatures stay intact.
:func:`read_session_evidence` reads it back (also from the ``esig-evidence.json``
attachment that esig 0.1 wrote). The record and its models live in
:mod:`esig.signing.session_evidence` and are importable from here::

    session = SigningSession("contract.pdf", device)
    presentation = session.present()          # show presentation.pages to the signer
    disclosure = session.disclosure           # show disclosure.title and .text
    session.acknowledge(disclosure.content_hash)
    session.sign("contract-signed.pdf")
    read_session_evidence(Path("contract-signed.pdf"))

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from pydantic import Field

from esig._io import atomic_output, read_input
from esig._model import EsigModel
from esig._pyhanko.evidence import page_count
from esig._pyhanko.pades import sign_pades
from esig._render import Renderer, find_renderer, render_pages
from esig._sync import run_sync
from esig.devices.base import DeviceKind, DigestAlgorithm, SignatureCreationDevice
from esig.errors import OutputError, SigningError
from esig.identity import NameIdentity
from esig.signing.appearance import VisibleSignature
from esig.signing.baseline import (
    BaselineLevel,
    BaselineRequest,
    TimestampService,
    ValidationServices,
)
from esig.signing.disclosures import (
    RiskDisclosure,
    SigningMethod,
    disclosure_for,
    method_for_device,
)
from esig.signing.pades import SignedDocument
from esig.signing.session_evidence import (
    Acknowledgement,
    Art2Finding,
    Art2Status,
    Presentation,
    SessionEvidence,
    method_fits_device,
    read_session_evidence,
)

__all__ = [
    "Acknowledgement",
    "AlreadySignedError",
    "Art2Finding",
    "Art2Status",
    "DisclosureMismatchError",
    "DocumentChangedError",
    "NotAcknowledgedError",
    "NotPresentedError",
    "NotReadyError",
    "Presentation",
    "SessionEvidence",
    "SessionSignedDocument",
    "SigningSession",
    "SigningSessionState",
    "UnsuitableMethodError",
    "method_fits_device",
    "present_pdf",
    "read_session_evidence",
]

_DPI: Final = 50
"""Enough to read a page on screen; small enough to keep every page in memory."""
_TIMEOUT_SECONDS: Final = 120
_MAX_PAGES: Final = 1000


# -- errors -------------------------------------------------------------------------


class NotPresentedError(SigningError):
    """:meth:`SigningSession.sign` was called before the document was presented."""


class NotAcknowledgedError(SigningError):
    """:meth:`SigningSession.sign` was called before the risk disclosure was acknowledged."""


class DisclosureMismatchError(NotAcknowledgedError):
    """The acknowledgement names another text than the disclosure of this session.

    Attributes:
        expected: The content hash of the disclosure this session shows.
        given: The hash that was acknowledged.

    """

    def __init__(self, message: str, *, expected: str, given: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.given = given


class DocumentChangedError(SigningError):
    """The document changed between presentation and signing; nothing was signed.

    Attributes:
        presented_sha256: The digest (hex) of the document as presented.
        current_sha256: The digest (hex) of the document when signing was asked.

    """

    def __init__(
        self,
        message: str,
        *,
        presented_sha256: str,
        current_sha256: str,
        path: str | Path | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.presented_sha256 = presented_sha256
        self.current_sha256 = current_sha256


class UnsuitableMethodError(SigningError):
    """The signing method does not fit the device, or cannot be told from it.

    Attributes:
        method: The method asked for (None when none was given).
        device_kind: The kind of device that would sign (None: no device was given).

    """

    def __init__(
        self, message: str, *, method: SigningMethod | None, device_kind: DeviceKind | None
    ) -> None:
        super().__init__(message)
        self.method = method
        self.device_kind = device_kind


class NotReadyError(SigningError):
    """The session has no device to sign with yet (see :meth:`SigningSession.resume`).

    .. versionadded:: 0.3.0
    """


class AlreadySignedError(SigningError):
    """Kept for compatibility: no longer raised.

    esig 0.1 added the session's evidence as an attachment, which made earlier
    signatures look modified, and refused signed documents. Since 0.2 the evidence is a
    signed attribute of the session's own signature, and signed documents are accepted.
    """


class SessionSignedDocument(SignedDocument):
    """What :meth:`SigningSession.sign` produced: the signed document and its evidence."""

    evidence: SessionEvidence
    """The record embedded in the signed document."""


# -- rendering ----------------------------------------------------------------------


def _render_pages(tool: Renderer, data: bytes) -> list[bytes]:
    with tempfile.TemporaryDirectory(prefix="esig-present-") as tmp:
        folder = Path(tmp)
        pdf = folder / "document.pdf"
        pdf.write_bytes(data)
        return render_pages(
            tool, pdf, folder, dpi=_DPI, max_pages=_MAX_PAGES, timeout=_TIMEOUT_SECONDS, gray=False
        )


def present_pdf(data: bytes) -> Presentation:
    """Hash the PDF in ``data``, count its pages and render them for a signer.

    The renderings are made with ``pdftoppm`` or ``mutool`` when one is installed;
    without one, :attr:`Presentation.note` says why no pages were rendered.

    Raises:
        NotAPdfError: ``data`` is not a PDF.
        CorruptDocumentError: It cannot be parsed.
        EncryptedDocumentError: It is encrypted.

    .. versionadded:: 0.2.0

    """
    pages_total = page_count(data)
    digest = hashlib.sha256(data).hexdigest()
    moment = dt.datetime.now(dt.UTC)

    def presentation(
        renderer: str | None, pages: tuple[bytes, ...] = (), note: str | None = None
    ) -> Presentation:
        return Presentation(
            document_sha256=digest,
            document_size=len(data),
            page_count=pages_total,
            renderer=renderer,
            pages=pages,
            note=note,
            presented_at=moment,
        )

    tool = find_renderer()
    if tool is None:
        return presentation(
            None, note="no renderer installed (poppler-utils or mupdf-tools); pages not rendered"
        )
    try:
        pages = _render_pages(tool, data)
    except (OSError, subprocess.SubprocessError) as exc:
        return presentation(tool[0], note=f"rendering failed: {exc}")
    note = None
    if len(pages) != pages_total:
        note = f"{len(pages)} of {pages_total} page(s) could be rendered"
    return presentation(tool[0], tuple(pages[:pages_total]), note)


# -- the session --------------------------------------------------------------------


class SigningSessionState(EsigModel):
    """A :class:`SigningSession` between two requests (:meth:`SigningSession.state`).

    .. versionadded:: 0.3.0
    """

    method: SigningMethod
    """The signing method whose risks are disclosed."""
    presentation: Presentation | None = None
    """What was presented (without the page renderings), or None before presenting."""
    pages_rendered: int = Field(default=0, ge=0)
    """How many pages were rendered for the signer when the document was presented."""
    acknowledgement: Acknowledgement | None = None
    """The acknowledgement the next signature will use, or None."""


class SigningSession:
    """Present a PDF, disclose the risks of the method, and sign it (BES art. 2).

    The session refuses to sign before :meth:`present` and :meth:`acknowledge`, and
    when the document changed after it was presented. Each acknowledgement is good for
    one signature.

    Args:
        document: The PDF to sign; it is only read.
        device: The signature creation device that will sign. It may be None while the
            document is shown and the risks disclosed (a web application does that before
            the signer connects a card or logs in to a remote service); then ``method``
            is required and the device comes with :meth:`resume` before signing.
        method: The signing method whose risks the signer is told. By default it follows
            from the device (software key, smart card, remote service); a one-time code
            or a drawn signature must be named.

    Raises:
        UnsuitableMethodError: ``method`` does not fit the device, or was not given for
            a device that implies none (or for no device).

    .. versionchanged:: 0.3.0
       ``device`` may be None until :meth:`resume`.

    """

    def __init__(
        self,
        document: str | os.PathLike[str],
        device: SignatureCreationDevice | None,
        *,
        method: SigningMethod | None = None,
    ) -> None:
        if device is None:
            if method is None:
                raise UnsuitableMethodError(
                    "A session without a device needs method=", method=None, device_kind=None
                )
            chosen = SigningMethod(method)
        else:
            chosen = self._method_for(device, method)
        self._document = Path(document)
        self._device = device
        self._method = chosen
        self._presentation: Presentation | None = None
        self._pages_rendered = 0
        self._acknowledgement: Acknowledgement | None = None

    @staticmethod
    def _method_for(device: SignatureCreationDevice, method: SigningMethod | None) -> SigningMethod:
        kind = device.evidence.kind
        chosen = method_for_device(kind) if method is None else SigningMethod(method)
        if chosen is None:
            raise UnsuitableMethodError(
                f"A {kind.value} device implies no signing method; give method=",
                method=None,
                device_kind=kind,
            )
        if not method_fits_device(chosen, kind):
            raise UnsuitableMethodError(
                f"The method {chosen.value!r} does not describe signing with a "
                f"{kind.value} device; its risk text would mislead the signer",
                method=chosen,
                device_kind=kind,
            )
        return chosen

    @property
    def document(self) -> Path:
        """The document this session signs."""
        return self._document

    @property
    def method(self) -> SigningMethod:
        """The signing method whose risks are disclosed."""
        return self._method

    @property
    def disclosure(self) -> RiskDisclosure:
        """The risk text to show the signer before signing (BES art. 2(2))."""
        return disclosure_for(self._method)

    @property
    def presentation(self) -> Presentation | None:
        """The last presentation, or None before :meth:`present`."""
        return self._presentation

    @property
    def acknowledgement(self) -> Acknowledgement | None:
        """The acknowledgement that the next signature will use, if any."""
        return self._acknowledgement

    def present(self) -> Presentation:
        """Read the document, compute its digest and render its pages for the signer.

        The returned digest is the one the signature is bound to. Presenting again
        replaces the earlier presentation.

        Raises:
            DocumentNotFoundError: The document does not exist.
            NotAPdfError: The document is not a PDF.
            CorruptDocumentError: The document cannot be parsed.
            EncryptedDocumentError: The document is encrypted.

        """
        data = read_input(self._document)
        self._presentation = present_pdf(data)
        self._pages_rendered = len(self._presentation.pages)
        return self._presentation

    async def async_present(self) -> Presentation:
        """Async twin of :meth:`present`; reading and rendering run in a worker thread."""
        return await asyncio.to_thread(self.present)

    def acknowledge(
        self, disclosure_hash: str, *, signer_statement: str | None = None
    ) -> Acknowledgement:
        """Record that the signer read and accepted the risk disclosure.

        Args:
            disclosure_hash: :attr:`RiskDisclosure.content_hash` of the text that was
                shown; it must be that of :attr:`disclosure`.
            signer_statement: What the signer's application records with it (e.g. the
                words next to the checkbox), at most 2000 characters.

        Raises:
            DisclosureMismatchError: ``disclosure_hash`` names another text.

        """
        disclosure = self.disclosure
        if disclosure_hash != disclosure.content_hash:
            raise DisclosureMismatchError(
                "The acknowledged text is not this session's risk disclosure "
                f"({disclosure.title!r}, version {disclosure.version})",
                expected=disclosure.content_hash,
                given=disclosure_hash,
            )
        self._acknowledgement = Acknowledgement(
            method=disclosure.method,
            disclosure_version=disclosure.version,
            disclosure_hash=disclosure.content_hash,
            acknowledged_at=dt.datetime.now(dt.UTC),
            signer_statement=signer_statement,
        )
        return self._acknowledgement

    def _ready(self, output: Path) -> tuple[bytes, SessionEvidence]:
        """Check the session's state and the document; return the bytes to sign."""
        presentation = self._presentation
        if presentation is None:
            raise NotPresentedError(
                "The document was not presented to the signer; call present() first",
                path=self._document,
            )
        acknowledgement = self._acknowledgement
        if acknowledgement is None:
            raise NotAcknowledgedError(
                "The signer has not acknowledged the risk disclosure; call acknowledge() first",
                path=self._document,
            )
        if self._device is None:
            raise NotReadyError(
                "The session has no device yet; resume it with the signer's device",
                path=self._document,
            )
        if output.exists() and self._document.exists() and output.samefile(self._document):
            raise OutputError("The output must not be the input document", path=output)
        # Read once: these exact bytes are checked and then signed.
        data = read_input(self._document)
        current = hashlib.sha256(data).hexdigest()
        if current != presentation.document_sha256:
            raise DocumentChangedError(
                "The document changed after it was presented to the signer; present it "
                "again before signing",
                presented_sha256=presentation.document_sha256,
                current_sha256=current,
                path=self._document,
            )
        evidence = SessionEvidence(
            document_sha256=presentation.document_sha256,
            document_size=presentation.document_size,
            page_count=presentation.page_count,
            rendered=0 < presentation.page_count == self._pages_rendered,
            presented_at=presentation.presented_at,
            disclosure=self.disclosure,
            acknowledgement=acknowledgement,
            device=self._device.evidence,
        )
        return data, evidence

    async def async_sign(
        self,
        output: str | os.PathLike[str],
        *,
        field_name: str | None = None,
        digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
        reason: str | None = None,
        location: str | None = None,
        contact_info: str | None = None,
        appearance: VisibleSignature | None = None,
        level: BaselineLevel = BaselineLevel.B_B,
        timestamp: TimestampService | None = None,
        validation: ValidationServices | None = None,
    ) -> SessionSignedDocument:
        """Sign the presented document, with the session's evidence, into ``output``.

        The output appears atomically; on any error no output file is left behind. The
        acknowledgement is used up: another signature needs another one.

        Args:
            output: Where to write the signed PDF. Must differ from the document.
            field_name: The signature field to fill or create.
            digest_algorithm: The message digest algorithm.
            reason: The reason for signing, recorded in the signature dictionary.
            location: Where the signature was made.
            contact_info: How to reach the signer.
            appearance: Make the signature visible: a page and box (or an existing
                field), its text lines and an image
                (:class:`~esig.signing.appearance.VisibleSignature`).

                .. versionadded:: 0.3.0
            level: The PAdES baseline level (B-B by default; B-T and up need
                ``timestamp``, B-LT and up ``validation`` too), as for
                :func:`~esig.signing.pades.sign_pdf`.

                .. versionadded:: 0.3.0
            timestamp: The time-stamping service for B-T and up.
            validation: Where the validation data for B-LT and up comes from.

        Raises:
            InputError: ``level`` lacks its services (checked before anything else).
            NotPresentedError: :meth:`present` was not called.
            NotAcknowledgedError: :meth:`acknowledge` was not called (since the last
                signature).
            DocumentChangedError: The document differs from what was presented.
            NotReadyError: The session has no device (see :meth:`resume`).
            SigningError: The device or pyHanko could not produce the signature.
            OutputError: ``output`` cannot be written, or is the document itself.

        """
        baseline = BaselineRequest(level=level, timestamp=timestamp, validation=validation)
        dst = Path(output)
        data, evidence = self._ready(dst)
        assert self._device is not None
        record = json.dumps(
            evidence.model_dump(mode="json"),
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
        ).encode("utf-8")
        with atomic_output(dst) as out:
            name = await sign_pades(
                io.BytesIO(data),
                out,
                self._device,
                field_name=field_name,
                digest_algorithm=digest_algorithm,
                reason=reason,
                location=location,
                contact_info=contact_info,
                appearance=appearance,
                baseline=baseline,
                evidence=record,
            )
        self._acknowledgement = None
        return SessionSignedDocument(
            path=dst,
            field_name=name,
            signer=NameIdentity.from_name(self._device.certificate.subject),
            digest_algorithm=digest_algorithm,
            size=dst.stat().st_size,
            visible=appearance is not None,
            level=baseline.level,
            evidence=evidence,
        )

    def sign(
        self,
        output: str | os.PathLike[str],
        *,
        field_name: str | None = None,
        digest_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
        reason: str | None = None,
        location: str | None = None,
        contact_info: str | None = None,
        appearance: VisibleSignature | None = None,
        level: BaselineLevel = BaselineLevel.B_B,
        timestamp: TimestampService | None = None,
        validation: ValidationServices | None = None,
    ) -> SessionSignedDocument:
        """Sign the presented document, with the session's evidence, into ``output``.

        The synchronous twin of :meth:`async_sign`, with the same arguments and errors;
        it works inside a running event loop too.
        """
        return run_sync(
            self.async_sign(
                output,
                field_name=field_name,
                digest_algorithm=digest_algorithm,
                reason=reason,
                location=location,
                contact_info=contact_info,
                appearance=appearance,
                level=level,
                timestamp=timestamp,
                validation=validation,
            )
        )

    def state(self) -> SigningSessionState:
        """What the session has collected so far, to keep between two requests.

        A web application shows the document, takes the acknowledgement and signs in
        separate requests; it stores this model (``model_dump_json()``) and continues
        with :meth:`resume`. The page renderings are left out; their number is kept. The
        device is not part of the state: it comes with :meth:`resume`.

        .. versionadded:: 0.3.0
        """
        presented = self._presentation
        return SigningSessionState(
            method=self._method,
            presentation=None if presented is None else presented.model_copy(update={"pages": ()}),
            pages_rendered=self._pages_rendered,
            acknowledgement=self._acknowledgement,
        )

    @classmethod
    def resume(
        cls,
        document: str | os.PathLike[str],
        state: SigningSessionState,
        device: SignatureCreationDevice | None = None,
    ) -> SigningSession:
        """The session that :meth:`state` saved, for the same ``document``, with ``device``.

        Signing still checks that ``document`` is, byte for byte, the one presented.

        Raises:
            UnsuitableMethodError: The state's method does not fit ``device``.

        .. versionadded:: 0.3.0

        """
        session = cls(document, device, method=state.method)
        session._presentation = state.presentation
        session._pages_rendered = state.pages_rendered
        session._acknowledgement = state.acknowledgement
        return session

    def __repr__(self) -> str:
        state = "acknowledged" if self._acknowledgement else "not acknowledged"
        shown = "presented" if self._presentation else "not presented"
        return f"<SigningSession {self._document} {self._method.value}: {shown}, {state}>"
