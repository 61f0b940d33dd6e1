"""The record of a signing session (BES art. 2) and what it shows.

:class:`Presentation` is what was shown to the signer, :class:`Acknowledgement` the
signer's acknowledgement of the risk disclosure, and :class:`SessionEvidence` the record
carried in the signature's CMS signed attributes, with its art. 2 assessment
(:class:`Art2Finding`). :func:`read_session_evidence` reads the record back from a signed
document. The session that makes them is :class:`esig.signing.session.SigningSession`;
every name here is importable from :mod:`esig.signing.session` too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import Field, ValidationError, computed_field, model_validator

from esig._io import read_input
from esig._model import Base64Bytes, EsigModel
from esig._pyhanko.evidence import last_signature_revision_end, read_evidence
from esig._pyhanko.evidence_attr import (
    evidence_attributes,
    extends_by_one_update,
    is_session_record,
)
from esig.devices.base import DeviceEvidence, DeviceKind
from esig.errors import VerificationError
from esig.law import BES, Citation
from esig.signing.disclosures import RiskDisclosure, SigningMethod, method_for_device

__all__ = [
    "Acknowledgement",
    "Art2Finding",
    "Art2Status",
    "Presentation",
    "SessionEvidence",
    "method_fits_device",
    "read_session_evidence",
]

_SHA256_HEX: Final = r"^[0-9a-f]{64}$"
_DEVICE_METHODS: Final = frozenset(
    {SigningMethod.SOFTWARE_KEY, SigningMethod.SMART_CARD, SigningMethod.REMOTE_QSCD}
)


_PngBytes = Base64Bytes
_Sha256Hex = Annotated[str, Field(pattern=_SHA256_HEX)]


def _require_aware(moment: dt.datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone")


class Presentation(EsigModel):
    """What was shown to the signer: the document's digest, page count and pages.

    The digest is the point: :meth:`SigningSession.sign` signs only a document with this
    digest. The renderings let an application show every page as the signer will sign it.
    """

    document_sha256: _Sha256Hex
    """SHA-256 (hex) of the document's bytes, as presented."""
    document_size: int = Field(ge=0)
    """Size of the document in bytes."""
    page_count: int = Field(ge=0)
    """Number of pages, from the PDF's page tree."""
    renderer: str | None
    """The tool that rendered the pages (``pdftoppm`` or ``mutool``), or None."""
    pages: tuple[_PngBytes, ...] = ()
    """One PNG image per page, in page order (base64 in JSON)."""
    note: str | None = None
    """Why pages are missing, when they are."""
    presented_at: dt.datetime
    """When the document was presented (UTC)."""

    @model_validator(mode="after")
    def _check(self) -> Presentation:
        _require_aware(self.presented_at, "presented_at")
        if len(self.pages) > self.page_count:
            raise ValueError("more renderings than pages")
        if self.renderer is None and self.pages:
            raise ValueError("pages without a renderer")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rendered(self) -> bool:
        """Whether every page was rendered (a document without pages counts as not)."""
        return self.page_count > 0 and len(self.pages) == self.page_count


class Acknowledgement(EsigModel):
    """The signer's acknowledgement of one risk disclosure (BES art. 2(2))."""

    method: SigningMethod
    """The method whose risks were disclosed."""
    disclosure_version: int
    """The version of the text that was shown."""
    disclosure_hash: _Sha256Hex
    """The content hash of the text that was shown."""
    acknowledged_at: dt.datetime
    """When the signer acknowledged it (UTC)."""
    signer_statement: str | None = Field(default=None, max_length=2000)
    """Anything the signer's application recorded with it, e.g. the words of a checkbox."""

    @model_validator(mode="after")
    def _check(self) -> Acknowledgement:
        _require_aware(self.acknowledged_at, "acknowledged_at")
        return self


class Art2Status(StrEnum):
    """Whether the session's evidence shows a requirement of BES art. 2 to be met."""

    MET = "met"
    NOT_SHOWN = "not shown"
    """The evidence does not show it; it may or may not hold."""


class Art2Finding(EsigModel):
    """One requirement of BES art. 2 and what the session's evidence shows about it."""

    kind: Literal["art2"] = "art2"
    citation: Citation
    status: Art2Status
    message: str
    """Why, in one or two sentences."""


def method_fits_device(method: SigningMethod, kind: DeviceKind) -> bool:
    """Whether ``method`` can honestly describe signing with a device of ``kind``.

    A software key, smart card or remote device is its own method; a one-time code or a
    drawn signature ends in a platform seal, made with any device. A fake fits anything.
    """
    if kind is DeviceKind.FAKE or method not in _DEVICE_METHODS:
        return True
    return method_for_device(kind) is method


class SessionEvidence(EsigModel):
    """The record of a signing session, in a CMS signed attribute of the signer's signature.

    The art. 2 assessment and the QSCD claim are computed from the recorded facts, never
    stored apart from them; a software key is never reported as a QSCD.
    """

    record_type: Literal["esig-session-evidence"] = "esig-session-evidence"
    """Tells this record from an :class:`esig.evidence.EvidenceRecord` in the same
    attribute."""
    schema_version: Literal[1] = 1
    document_sha256: _Sha256Hex
    """SHA-256 (hex) of the document as presented; the signed revision starts with it."""
    document_size: int = Field(ge=0)
    """Size in bytes of the document as presented."""
    page_count: int = Field(ge=0)
    rendered: bool
    """Whether every page was rendered for the signer."""
    presented_at: dt.datetime
    disclosure: RiskDisclosure
    """The risk text that was shown, in full."""
    acknowledgement: Acknowledgement
    device: DeviceEvidence
    """What the signing device showed about itself when it signed."""

    @model_validator(mode="after")
    def _check(self) -> SessionEvidence:
        _require_aware(self.presented_at, "presented_at")
        ack = self.acknowledgement
        if ack.disclosure_hash != self.disclosure.content_hash:
            raise ValueError("the acknowledgement names another disclosure than the one shown")
        if (ack.method, ack.disclosure_version) != (
            self.disclosure.method,
            self.disclosure.version,
        ):
            raise ValueError("the acknowledgement's method or version differs from the text's")
        if not method_fits_device(ack.method, self.device.kind):
            raise ValueError(
                f"the method {ack.method.value!r} does not fit a {self.device.kind.value} device"
            )
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def qscd(self) -> bool:
        """Whether the device claimed to be a QSCD; never for a software key."""
        return self.device.qscd_claimed and self.device.kind is not DeviceKind.SOFTWARE

    @computed_field  # type: ignore[prop-decorator]
    @property
    def assessment(self) -> tuple[Art2Finding, ...]:
        """BES art. 2(1)(a) 1° and 3°, 2(1)(b) and 2(2), as this evidence shows them."""
        return (
            self._unique_key(),
            self._sole_control(),
            self._what_you_see(),
            self._informed(),
        )

    def find(self, citation: Citation) -> Art2Finding:
        """The finding for ``citation`` (one of the four in :attr:`assessment`).

        Raises:
            KeyError: The assessment has no finding for ``citation``.

        """
        for finding in self.assessment:
            if finding.citation == citation:
                return finding
        raise KeyError(str(citation))

    def _unique_key(self) -> Art2Finding:
        cite = BES.ART_2_1_A_1
        device = self.device
        if device.key_extractable is False:
            return Art2Finding(
                citation=cite,
                status=Art2Status.MET,
                message=f"The device ({device.description}) reports that the key cannot "
                "be exported, so it occurs once and stays confidential.",
            )
        why = (
            "can be exported"
            if device.key_extractable
            else "does not say whether the key can be exported"
        )
        subject = "the key" if device.key_extractable else "the device"
        return Art2Finding(
            citation=cite,
            status=Art2Status.NOT_SHOWN,
            message=f"For {device.description}, {subject} {why}: nothing shows that the "
            "key occurs only once or stays confidential.",
        )

    def _sole_control(self) -> Art2Finding:
        cite = BES.ART_2_1_A_3
        device = self.device
        if device.authentication_per_use:
            return Art2Finding(
                citation=cite,
                status=Art2Status.MET,
                message="Every signature needs the signer to authenticate (PIN or "
                "signature activation data).",
            )
        if device.key_extractable is False and device.kind is DeviceKind.PKCS11:
            return Art2Finding(
                citation=cite,
                status=Art2Status.MET,
                message="The key cannot leave the token, and the token needs the "
                "signer's PIN before it signs (once per login, not per signature).",
            )
        return Art2Finding(
            citation=cite,
            status=Art2Status.NOT_SHOWN,
            message=f"{device.description[:1].upper()}{device.description[1:]} asks for no "
            "authentication per signature and does not keep the key inside a token: "
            "nothing shows that others cannot use it.",
        )

    def _what_you_see(self) -> Art2Finding:
        cite = BES.ART_2_1_B
        bound = (
            f"The signed revision extends exactly the presented document (SHA-256 "
            f"{self.document_sha256[:16]}…, {self.document_size} bytes)"
        )
        if self.rendered:
            return Art2Finding(
                citation=cite,
                status=Art2Status.MET,
                message=f"All {self.page_count} page(s) and the digest were presented. {bound}.",
            )
        return Art2Finding(
            citation=cite,
            status=Art2Status.NOT_SHOWN,
            message=f"{bound}, but esig rendered no pages for the signer, so the evidence "
            "does not show that the content was displayed.",
        )

    def _informed(self) -> Art2Finding:
        ack = self.acknowledgement
        return Art2Finding(
            citation=BES.ART_2_2,
            status=Art2Status.MET,
            message=f"Before signing, the signer acknowledged the risk disclosure "
            f"{self.disclosure.title!r} (version {ack.disclosure_version}, SHA-256 "
            f"{ack.disclosure_hash[:16]}…) at {ack.acknowledged_at.isoformat()}.",
        )


def read_session_evidence(document: str | os.PathLike[str] | bytes) -> SessionEvidence | None:
    """The session evidence of the document's last signature, or None.

    The record is read from the last signature's signed attributes (or, for documents
    signed by esig 0.1, from the ``esig-evidence.json`` attachment that the signature's
    own revision wrote). It must describe that signature: the signed revision must
    extend exactly the presented document (its size and SHA-256). This does not verify
    the signature itself; use :func:`esig.verify_pdf`.

    Returns:
        The record, or None when the last signature carries none (or the document has no
        signature, or the record does not describe the document the signature extends).

    Raises:
        DocumentNotFoundError: The document does not exist.
        NotAPdfError: The document is not a PDF.
        CorruptDocumentError: The document cannot be parsed.
        EncryptedDocumentError: The document is encrypted.
        VerificationError: The record is there but cannot be read (e.g. it was written
            by a newer esig with another schema version).

    """
    data = document if isinstance(document, bytes) else read_input(document)
    end = last_signature_revision_end(data)
    if end is None:
        return None
    attribute = next((a for a in evidence_attributes(data) if a.signed_revision_end == end), None)
    if attribute is not None:
        raw = attribute.record
        if not is_session_record(raw):
            return None  # another kind of evidence (a platform seal's record)
    else:
        legacy = read_evidence(data, end)
        if legacy is None:
            return None
        raw = legacy
    try:
        evidence = SessionEvidence.model_validate_json(raw)
    except ValidationError as exc:
        raise VerificationError(
            f"The signing-session evidence in the document cannot be read: "
            f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}"
        ) from None
    size = evidence.document_size
    if size >= end or hashlib.sha256(data[:size]).hexdigest() != evidence.document_sha256:
        return None
    if attribute is not None and not extends_by_one_update(data[size:end]):
        return None
    return evidence
