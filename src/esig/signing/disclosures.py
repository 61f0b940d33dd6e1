"""What the signer is told about the risks of a signing method (BES art. 2(2)).

Before a signature is created, the signatory must be adequately informed of the risks
of the chosen technique, also compared with the other techniques. esig keeps one short,
plain-language text per method, as data. Each text has a version and a content hash; an
acknowledgement names the hash, so the evidence of a signature says exactly which text
was shown.

    >>> from esig.signing.disclosures import SigningMethod, disclosure_for
    >>> disclosure_for(SigningMethod.SMART_CARD).title
    'Signing with a smart card or USB token'

The texts are honest about what each method can and cannot prove: a software key is
never a secure signature creation device, and a one-time code or a drawn signature never
makes a qualified electronic signature.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Final

from pydantic import computed_field

from esig._model import EsigModel
from esig.devices.base import DeviceKind

__all__ = [
    "RiskDisclosure",
    "SigningMethod",
    "all_disclosures",
    "disclosure_for",
    "method_for_device",
]


class SigningMethod(StrEnum):
    """A signing technique the signer can choose, each with its own risks."""

    SOFTWARE_KEY = "software key"
    """A private key in a file or in memory (e.g. PKCS#12), protected by a passphrase."""
    SMART_CARD = "smart card"
    """A key inside a smart card or USB token (PKCS#11), e.g. a national eID card."""
    REMOTE_QSCD = "remote QSCD"
    """A key in a provider's secure device, used remotely (Cloud Signature Consortium API)."""
    ONE_TIME_CODE = "one-time code"
    """A code sent by SMS or email, after which the platform seals the document."""
    DRAWN = "drawn"
    """A signature drawn on the screen, after which the platform seals the document."""
    CLICK_TO_ACCEPT = "click to accept"
    """A click on an "I agree" button, after which the platform seals the document.

    .. versionadded:: 0.2.0
    """


class RiskDisclosure(EsigModel):
    """One risk text, as shown to the signer before signing (BES art. 2(2))."""

    method: SigningMethod
    """The method the text is about."""
    version: int
    """Raised whenever the text changes."""
    title: str
    """A short heading."""
    text: str
    """The risks of the method, compared with the others, in plain language."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the method, version, title and text: names exactly this text."""
        canonical = json.dumps(
            {
                "method": self.method.value,
                "version": self.version,
                "title": self.title,
                "text": self.text,
            },
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _text(*sentences: str) -> str:
    return " ".join(sentences)


_DISCLOSURES: Final[dict[SigningMethod, RiskDisclosure]] = {
    d.method: d
    for d in (
        RiskDisclosure(
            method=SigningMethod.SOFTWARE_KEY,
            version=1,
            title="Signing with a software key",
            text=_text(
                "Your private key is stored as a file or in the memory of a computer, "
                "protected only by a passphrase.",
                "Anyone who gets a copy of that file and the passphrase can sign in your "
                "name, and you may never notice, because a file can be copied without "
                "leaving a trace.",
                "A smart card or a remote qualified device keeps the key inside hardware "
                "that does not let it out and asks for your PIN or another confirmation; "
                "a software key gives neither protection.",
                "For that reason a signature made with a software key is never reported as "
                "made with a secure signature creation device, and it is never a qualified "
                "electronic signature.",
                "It can still be an advanced electronic signature, which is more than a "
                "one-time code or a drawn signature gives, because the key belongs to a "
                "certificate that names you.",
                "Keep the file and the passphrase to yourself, and have the certificate "
                "revoked at once if you think either has leaked.",
            ),
        ),
        RiskDisclosure(
            method=SigningMethod.SMART_CARD,
            version=1,
            title="Signing with a smart card or USB token",
            text=_text(
                "Your private key is created and kept inside a smart card or USB token, "
                "which is built so that the key cannot be copied out of it.",
                "Signing needs the card and your PIN; some cards ask for the PIN once per "
                "session, others for every signature.",
                "The main risks are losing the card together with a PIN that was written "
                "down or watched while you typed it, and malicious software on the computer "
                "that shows you one document while the card signs another, so check what "
                "you are about to sign on this screen.",
                "Compared with a software key, nobody can steal a copy of the key; compared "
                "with remote signing, the device stays in your own hands, but you must look "
                "after it yourself.",
                "When the card is certified as a qualified signature creation device and "
                "the certificate is qualified, the signature can be a qualified electronic "
                "signature, which a one-time code or a drawn signature can never be.",
                "Report a lost or stolen card at once, so that its certificate is revoked.",
            ),
        ),
        RiskDisclosure(
            method=SigningMethod.REMOTE_QSCD,
            version=1,
            title="Signing with a key held by a trust service provider",
            text=_text(
                "Your private key is kept by a trust service provider in a secure device in "
                "its data centre, not on your own computer.",
                "The provider lets the key sign only after you confirm, for example with an "
                "app on your phone, a code or a password.",
                "You therefore depend on the provider's security and availability, and on "
                "the safety of the phone or account you confirm with: whoever controls "
                "those can sign in your name.",
                "Compared with a software key, the key itself cannot be copied; compared "
                "with a smart card, there is no card to lose, but also no device under your "
                "physical control.",
                "When the provider's device is certified as a qualified signature creation "
                "device and the certificate is qualified, the signature can be a qualified "
                "electronic signature; a one-time code or a drawn signature cannot reach "
                "that level.",
                "Protect your phone and your login, and tell the provider at once if you "
                "think someone else can use them.",
            ),
        ),
        RiskDisclosure(
            method=SigningMethod.ONE_TIME_CODE,
            version=2,  # 2: a code gives a simple signature, not an advanced one
            title="Signing with a one-time code",
            text=_text(
                "You confirm that it is you with a code sent to your phone or email "
                "address, and the signing service then seals the document with its own "
                "key, recording that the code was entered.",
                "This shows that someone with access to that phone or mailbox agreed at "
                "that moment; it does not rest on a key that only you hold.",
                "Anyone who reads your messages or takes over your phone number can sign "
                "in your name.",
                "Compared with a smart card or a key held by a trust service provider, "
                "which stay under your sole control, this is weaker evidence of who signed, "
                "and it is never a qualified electronic signature.",
                "It is a simple electronic signature, with strong evidence of who agreed: "
                "the service's seal is made with the service's key, not a key under your "
                "sole control, so it is not an advanced electronic signature either; a key "
                "held for you alone (a smart card, or a remote signing service with a "
                "certificate in your name) is what reaches that level.",
                "Compared with a drawn signature, the code adds a check that you control "
                "the phone or the mailbox.",
            ),
        ),
        RiskDisclosure(
            method=SigningMethod.DRAWN,
            version=1,
            title="Signing by drawing your signature",
            text=_text(
                "You draw your signature on the screen, and the signing service adds the "
                "image to the document and seals it with its own key.",
                "The image shows that you meant to sign, but it is easy to copy: anyone who "
                "has seen it can put the same picture on another document.",
                "Nothing in a drawn signature proves who drew it, beyond what the service "
                "records about the session.",
                "It is a simple electronic signature, the lowest level: below a one-time "
                "code, a software key, a smart card or a key held by a trust service "
                "provider.",
                "In a dispute its value depends mostly on the service's records, and a "
                "court weighs it freely.",
                "Choose another method for documents with serious legal or financial consequences.",
            ),
        ),
        RiskDisclosure(
            method=SigningMethod.CLICK_TO_ACCEPT,
            version=1,
            title="Signing by clicking to accept",
            text=_text(
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
            ),
        ),
    )
}

_METHOD_FOR_KIND: Final[dict[DeviceKind, SigningMethod]] = {
    DeviceKind.SOFTWARE: SigningMethod.SOFTWARE_KEY,
    DeviceKind.PKCS11: SigningMethod.SMART_CARD,
    DeviceKind.REMOTE: SigningMethod.REMOTE_QSCD,
}


def disclosure_for(method: SigningMethod) -> RiskDisclosure:
    """The current risk text for ``method``."""
    return _DISCLOSURES[SigningMethod(method)]


def all_disclosures() -> tuple[RiskDisclosure, ...]:
    """The current risk text of every method, in the order of :class:`SigningMethod`."""
    return tuple(_DISCLOSURES[m] for m in SigningMethod)


def method_for_device(kind: DeviceKind) -> SigningMethod | None:
    """The method a device of this kind implies, or None when it implies none (a fake).

    A software key implies :attr:`SigningMethod.SOFTWARE_KEY`, a PKCS#11 token
    :attr:`SigningMethod.SMART_CARD`, a remote signing service
    :attr:`SigningMethod.REMOTE_QSCD`.
    """
    return _METHOD_FOR_KIND.get(kind)
