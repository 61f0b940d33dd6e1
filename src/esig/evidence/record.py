"""The evidence record of a signature without a personal certificate.

With a one-time code, a click or a drawn signature, the signer holds no key: the
platform authenticates the signer and **seals** the document with its own certificate.
What makes that a signature of the *person* is the evidence the platform keeps and seals
with it. :class:`EvidenceRecord` is that evidence, typed:

* **who** (:class:`Signatory`) — the claimed name, the email address, the phone number;
* **what** (:class:`PresentedDocument`) — the document's SHA-256 and size as presented,
  its pages and how many were shown (BES art. 2(1)(b));
* **when** — the platform's clock when the record was made; the trusted time is the
  seal's signature timestamp (PAdES B-T), which covers the record;
* **how** (:class:`CodeAuthentication`, :class:`ClickAcceptance`,
  :class:`DrawnSignature`) — the steps, each with its time and attempts;
* **disclosure** (:class:`AcknowledgedDisclosure`) — the risk text shown and
  acknowledged before signing (BES art. 2(2)).

:meth:`EvidenceRecord.canonical_json` gives the bytes that go into the seal's CMS signed
attributes (:func:`esig.evidence.seal_with_evidence`); the seal's signature value covers
them, so any change to the record or the document is detected.

What the record can support is decided here and documented in ``docs/evidence.md``: a
code entered from the signer's own mailbox or phone ties the signature to that person
(:attr:`EvidenceRecord.ties_signer_uniquely`): strong evidence of who agreed (eIDAS art.
26(a), (b)); a click or a drawing alone is not. Either way it is a simple signature: the
code authorised the platform's key, not signature creation data under the signer's sole
control (art. 26(c), BES art. 1(c)), so it is never advanced, and never qualified (no
qualified certificate of the signer, no QSCD under the signer's control).

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import Field, ValidationError, computed_field, field_validator, model_validator

from esig._model import Base64Bytes, EsigModel
from esig.evidence.codes import CodeChannel, CodeVerification
from esig.evidence.email import check_email_address
from esig.evidence.errors import EvidenceRecordError
from esig.evidence.sms import check_phone_number

__all__ = [
    "MAX_DRAWING_BYTES",
    "AcknowledgedDisclosure",
    "AuthenticationStep",
    "ClickAcceptance",
    "CodeAuthentication",
    "DrawnSignature",
    "EvidenceMethod",
    "EvidenceRecord",
    "PresentedDocument",
    "Signatory",
    "StrokePoint",
    "disclosure_hash",
]

MAX_DRAWING_BYTES: Final = 512 * 1024
"""The largest drawn-signature PNG a record takes (it travels inside the CMS)."""
_MAX_POINTS: Final = 20_000
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_SHA256_HEX: Final = r"^[0-9a-f]{64}$"


def _aware(moment: dt.datetime, what: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone")
    return moment


class EvidenceMethod(StrEnum):
    """How the signer showed that they agree, without a key of their own."""

    EMAIL_CODE = "email one-time code"
    SMS_CODE = "SMS one-time code"
    CLICK_TO_ACCEPT = "click-to-accept"
    DRAWN = "drawn signature"


class Signatory(EsigModel):
    """Who signs: what the signer claimed, and where codes reached them."""

    name: str = Field(min_length=1, max_length=200)
    """The name the signer gave (or the platform's account holds); not proven by itself."""
    email: str | None = None
    phone: str | None = None
    """In E.164 form."""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else check_email_address(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else check_phone_number(value)


class PresentedDocument(EsigModel):
    """What the signer was shown: the document the seal must extend exactly."""

    document_sha256: Annotated[str, Field(pattern=_SHA256_HEX)]
    """SHA-256 (hex) of the document's bytes as presented."""
    document_size: int = Field(gt=0)
    page_count: int = Field(ge=0)
    pages_presented: int = Field(ge=0)
    """How many pages were rendered for the signer."""
    presented_at: dt.datetime

    @model_validator(mode="after")
    def _check(self) -> PresentedDocument:
        _aware(self.presented_at, "presented_at")
        if self.pages_presented > self.page_count:
            raise ValueError("more pages presented than the document has")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def all_pages_presented(self) -> bool:
        """Whether every page was shown (a document without pages counts as not)."""
        return self.page_count > 0 and self.pages_presented == self.page_count


class CodeAuthentication(EsigModel):
    """A one-time code sent to the signer and entered correctly."""

    kind: Literal["code"] = "code"
    channel: CodeChannel
    recipient: str
    """The address or number that received the code."""
    code_id: str
    issued_at: dt.datetime
    verified_at: dt.datetime
    attempts: int = Field(ge=1)

    @classmethod
    def from_verification(cls, verification: CodeVerification) -> CodeAuthentication:
        """The step from a successful :meth:`~esig.evidence.OneTimeCodes.verify`."""
        return cls(
            channel=verification.channel,
            recipient=verification.recipient,
            code_id=verification.code_id,
            issued_at=verification.issued_at,
            verified_at=verification.verified_at,
            attempts=verification.attempts,
        )

    @model_validator(mode="after")
    def _check(self) -> CodeAuthentication:
        _aware(self.issued_at, "issued_at")
        _aware(self.verified_at, "verified_at")
        if self.verified_at < self.issued_at:
            raise ValueError("a code cannot be verified before it was issued")
        return self

    @property
    def at(self) -> dt.datetime:
        """When the step was completed."""
        return self.verified_at


class ClickAcceptance(EsigModel):
    """The signer clicked to accept, next to the given words."""

    kind: Literal["click"] = "click"
    statement: str = Field(min_length=1, max_length=2000)
    """The words next to the button or checkbox, as shown."""
    accepted_at: dt.datetime

    @model_validator(mode="after")
    def _check(self) -> ClickAcceptance:
        _aware(self.accepted_at, "accepted_at")
        return self

    @property
    def at(self) -> dt.datetime:
        """When the step was completed."""
        return self.accepted_at


StrokePoint = tuple[float, float, float]
"""One sample of a drawn stroke: x, y (pixels of the image) and t (ms from the start)."""


class DrawnSignature(EsigModel):
    """A signature drawn on a screen: the image, and the pen's path when it was captured."""

    kind: Literal["drawn"] = "drawn"
    image_png: Base64Bytes
    """The drawing as a PNG (base64 in JSON), at most :data:`MAX_DRAWING_BYTES`."""
    strokes: tuple[tuple[StrokePoint, ...], ...] = ()
    """The pen's path, one tuple of (x, y, t) per stroke, when it was captured."""
    drawn_at: dt.datetime

    @model_validator(mode="after")
    def _check(self) -> DrawnSignature:
        _aware(self.drawn_at, "drawn_at")
        if not self.image_png.startswith(_PNG_MAGIC):
            raise ValueError("the drawn signature is not a PNG image")
        if len(self.image_png) > MAX_DRAWING_BYTES:
            raise ValueError(f"the drawn signature is larger than {MAX_DRAWING_BYTES} bytes")
        points = sum(len(s) for s in self.strokes)
        if points > _MAX_POINTS:
            raise ValueError(f"more than {_MAX_POINTS} stroke points")
        for stroke in self.strokes:
            times = [t for _, _, t in stroke]
            if times != sorted(times):
                raise ValueError("the points of a stroke must be in time order")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_sha256(self) -> str:
        """SHA-256 (hex) of the PNG."""
        return hashlib.sha256(self.image_png).hexdigest()

    @property
    def at(self) -> dt.datetime:
        """When the step was completed."""
        return self.drawn_at


AuthenticationStep = Annotated[
    CodeAuthentication | ClickAcceptance | DrawnSignature, Field(discriminator="kind")
]
"""One step of how the signer agreed, tagged by ``kind``."""


class AcknowledgedDisclosure(EsigModel):
    """The risk text shown before signing and its acknowledgement (BES art. 2(2))."""

    title: str
    version: int = Field(ge=1)
    text: str = Field(min_length=1)
    acknowledged_at: dt.datetime
    signer_statement: str | None = Field(default=None, max_length=2000)
    """What the application recorded with it, e.g. the words of the checkbox."""

    @model_validator(mode="after")
    def _check(self) -> AcknowledgedDisclosure:
        _aware(self.acknowledged_at, "acknowledged_at")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the title, version and text: names exactly the text shown."""
        return disclosure_hash(self.title, self.version, self.text)


def disclosure_hash(title: str, version: int, text: str) -> str:
    """The content hash of a risk text (title, version, text), as acknowledged."""
    canonical = json.dumps(
        {"title": title, "version": version, "text": text},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_RECORD_TYPE: Final = "esig-evidence-record"


class EvidenceRecord(EsigModel):
    """Who signed what, when and how, and the risks they acknowledged.

    The record is checked when built: the method must match the steps (an email code
    sent to the signatory's own email address, an SMS code to their phone, a drawing, a
    click), and the disclosure must be acknowledged before the last step.
    """

    record_type: Literal["esig-evidence-record"] = _RECORD_TYPE
    schema_version: Literal[1] = 1
    record_id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=8, max_length=64)
    platform: str = Field(min_length=1, max_length=200)
    """The service that authenticated the signer and seals the document."""
    method: EvidenceMethod
    who: Signatory
    what: PresentedDocument
    when: dt.datetime
    """The platform's clock when the record was made (the seal's timestamp is the
    trusted time)."""
    how: tuple[AuthenticationStep, ...] = Field(min_length=1, max_length=10)
    disclosure: AcknowledgedDisclosure

    @model_validator(mode="after")
    def _check(self) -> EvidenceRecord:
        _aware(self.when, "when")
        method = self.method
        codes = [s for s in self.how if isinstance(s, CodeAuthentication)]
        if method is EvidenceMethod.EMAIL_CODE and not self._code_to(CodeChannel.EMAIL):
            raise ValueError("an email-code record needs a code sent to the signatory's email")
        if method is EvidenceMethod.SMS_CODE and not self._code_to(CodeChannel.SMS):
            raise ValueError("an SMS-code record needs a code sent to the signatory's phone")
        if method is EvidenceMethod.DRAWN and not any(
            isinstance(s, DrawnSignature) for s in self.how
        ):
            raise ValueError("a drawn-signature record needs the drawing")
        if method is EvidenceMethod.CLICK_TO_ACCEPT and not any(
            isinstance(s, ClickAcceptance) for s in self.how
        ):
            raise ValueError("a click-to-accept record needs the click")
        for code in codes:
            if code.recipient not in (self.who.email, self.who.phone):
                raise ValueError(
                    f"a code went to {code.recipient}, which is not the signatory's "
                    "email address or phone number"
                )
        last = max(step.at for step in self.how)
        if self.disclosure.acknowledged_at > last:
            raise ValueError("the risk disclosure was acknowledged after the signer agreed")
        if self.what.presented_at > last:
            raise ValueError("the document was presented after the signer agreed")
        return self

    def _code_to(self, channel: CodeChannel) -> bool:
        target = self.who.email if channel is CodeChannel.EMAIL else self.who.phone
        return any(
            isinstance(s, CodeAuthentication) and s.channel is channel and s.recipient == target
            for s in self.how
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ties_signer_uniquely(self) -> bool:
        """Whether the evidence ties the signature to one person (eIDAS art. 26(a)).

        True when a one-time code sent to the signatory's own email address or phone
        number was entered: only whoever controls that mailbox or phone could. A click
        or a drawing alone is False: anyone at the screen can click, and a drawing can
        be copied.
        """
        return any(isinstance(s, CodeAuthentication) for s in self.how)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        """One sentence: who agreed, how, to which document."""
        steps = []
        for step in self.how:
            if isinstance(step, CodeAuthentication):
                via = "email" if step.channel is CodeChannel.EMAIL else "SMS"
                steps.append(
                    f"entered a one-time code sent by {via} to {step.recipient} "
                    f"({step.attempts} attempt(s))"
                )
            elif isinstance(step, ClickAcceptance):
                steps.append("clicked to accept")
            else:
                steps.append("drew a signature")
        pages = (
            f"all {self.what.page_count} page(s) shown"
            if self.what.all_pages_presented
            else f"{self.what.pages_presented} of {self.what.page_count} page(s) shown"
        )
        return (
            f"{self.who.name} {' and '.join(steps)} for the document SHA-256 "
            f"{self.what.document_sha256[:16]}… ({pages}), after acknowledging "
            f"{self.disclosure.title!r}; recorded by {self.platform} at "
            f"{self.when.isoformat(timespec='seconds')}."
        )

    def canonical_json(self) -> bytes:
        """The record as canonical JSON (sorted keys, no spaces, UTF-8): what is sealed."""
        data: Any = self.model_dump(mode="json")
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
            "utf-8"
        )

    @classmethod
    def from_json(cls, raw: bytes) -> EvidenceRecord:
        """Read a record written by :meth:`canonical_json`.

        Raises:
            EvidenceRecordError: It is not a readable record of this schema.

        """
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "record"
            raise EvidenceRecordError(
                f"The evidence record cannot be read: {exc.error_count()} problem(s), "
                f"first at {where}: {first['msg']}"
            ) from None
