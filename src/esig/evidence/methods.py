"""Click-to-accept and drawn signatures, and the risk text of each evidence method.

The steps themselves are models of :mod:`esig.evidence.record`; the helpers here make
them from what the signer's application captured::

    click = click_to_accept("I agree to sign the lease of 1 May 2026.")
    drawing = drawn_signature(png_bytes, strokes=[[(10, 20, 0), (12, 22, 16)]])

The risk texts (BES art. 2(2)) are those of :mod:`esig.signing.disclosures`, the one
source of risk texts: :func:`evidence_disclosure` gives the text of
:attr:`~esig.signing.disclosures.SigningMethod.ONE_TIME_CODE`,
:attr:`~esig.signing.disclosures.SigningMethod.DRAWN` or
:attr:`~esig.signing.disclosures.SigningMethod.CLICK_TO_ACCEPT` for an evidence method.

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


def _from_signing_method(method: EvidenceMethod, signing: SigningMethod) -> EvidenceDisclosure:
    base = disclosure_for(signing)
    return EvidenceDisclosure(method=method, title=base.title, version=base.version, text=base.text)


_SIGNING_METHOD: Final = {
    EvidenceMethod.CLICK_TO_ACCEPT: SigningMethod.CLICK_TO_ACCEPT,
    EvidenceMethod.DRAWN: SigningMethod.DRAWN,
}

CLICK_TO_ACCEPT_DISCLOSURE: Final = _from_signing_method(
    EvidenceMethod.CLICK_TO_ACCEPT, SigningMethod.CLICK_TO_ACCEPT
)
"""The risk text of click-to-accept."""


def evidence_disclosure(method: EvidenceMethod) -> EvidenceDisclosure:
    """The risk text to show before signing with ``method`` (BES art. 2(2))."""
    method = EvidenceMethod(method)
    return _from_signing_method(method, _SIGNING_METHOD.get(method, SigningMethod.ONE_TIME_CODE))


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
