"""Click-to-accept and drawn signatures, and the risk text of each evidence method.

The steps themselves are models of :mod:`esig.evidence.record`; the helpers here make
them from what the signer's application captured::

    click = click_to_accept("I agree to sign the lease of 1 May 2026.")
    drawing = drawn_signature(png_bytes, strokes=[[(10, 20, 0), (12, 22, 16)]])

The risk texts (BES art. 2(2)): the one-time-code and drawn-signature texts are esig's
own (:func:`esig.signing.disclosures.disclosure_for`); click-to-accept has its text here.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Final

from esig._model import EsigModel
from esig.evidence.codes import utc_now
from esig.evidence.record import (
    AcknowledgedDisclosure,
    ClickAcceptance,
    DrawnSignature,
    EvidenceMethod,
    StrokePoint,
    disclosure_hash,
)
from esig.signing.disclosures import SigningMethod, disclosure_for

__all__ = [
    "CLICK_TO_ACCEPT_DISCLOSURE",
    "EvidenceDisclosure",
    "click_to_accept",
    "drawn_signature",
    "evidence_disclosure",
]


class EvidenceDisclosure(EsigModel):
    """A risk text for an evidence method, as shown before signing (BES art. 2(2))."""

    method: EvidenceMethod
    title: str
    version: int
    text: str

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the title, version and text: what the signer acknowledges."""
        return disclosure_hash(self.title, self.version, self.text)

    def acknowledged(
        self, at: dt.datetime, *, signer_statement: str | None = None
    ) -> AcknowledgedDisclosure:
        """The acknowledgement of this text at ``at``, for the evidence record."""
        return AcknowledgedDisclosure(
            title=self.title,
            version=self.version,
            text=self.text,
            acknowledged_at=at,
            signer_statement=signer_statement,
        )


CLICK_TO_ACCEPT_DISCLOSURE: Final = EvidenceDisclosure(
    method=EvidenceMethod.CLICK_TO_ACCEPT,
    title="Signing by clicking to accept",
    version=1,
    text=" ".join(
        (
            "You agree by clicking a button, and the signing service seals the document "
            "with its own key, recording that you clicked.",
            "A click shows that someone using this session agreed at that moment; it does "
            "not show who that was, beyond how you logged in.",
            "Anyone who uses your account or your unlocked screen can click in your name.",
            "It is a simple electronic signature, the lowest level: below a one-time code, "
            "a software key, a smart card or a key held by a trust service provider, and "
            "never a qualified electronic signature.",
            "In a dispute its value depends on the service's records, and a court weighs it "
            "freely.",
            "Choose another method for documents with serious legal or financial consequences.",
        )
    ),
)
"""The risk text of click-to-accept."""


def evidence_disclosure(method: EvidenceMethod) -> EvidenceDisclosure:
    """The risk text to show before signing with ``method`` (BES art. 2(2))."""
    method = EvidenceMethod(method)
    if method is EvidenceMethod.CLICK_TO_ACCEPT:
        return CLICK_TO_ACCEPT_DISCLOSURE
    base = disclosure_for(
        SigningMethod.DRAWN if method is EvidenceMethod.DRAWN else SigningMethod.ONE_TIME_CODE
    )
    return EvidenceDisclosure(method=method, title=base.title, version=base.version, text=base.text)


def click_to_accept(
    statement: str, *, clock: Callable[[], dt.datetime] = utc_now
) -> ClickAcceptance:
    """The signer clicked to accept next to ``statement``, now."""
    return ClickAcceptance(statement=statement, accepted_at=clock())


def drawn_signature(
    image_png: bytes,
    *,
    strokes: Sequence[Sequence[StrokePoint]] = (),
    clock: Callable[[], dt.datetime] = utc_now,
) -> DrawnSignature:
    """The signer drew ``image_png`` (with the pen's path ``strokes``, if captured), now.

    Raises:
        pydantic.ValidationError: The image is not a PNG or is too large, or a stroke's
            points are not in time order.

    """
    return DrawnSignature(
        image_png=image_png,
        strokes=tuple(tuple((float(x), float(y), float(t)) for x, y, t in s) for s in strokes),
        drawn_at=clock(),
    )
