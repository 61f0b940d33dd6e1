"""Declared token layouts: :class:`Pkcs11Profile`, and :data:`BELGIAN_EID` (Belgian eID card)."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import StringConstraints

from esig._model import EsigModel

__all__ = ["BELGIAN_EID", "Pkcs11Profile"]

_HexId = Annotated[str, StringConstraints(pattern=r"^(?:[0-9A-Fa-f]{2})+$")]


class Pkcs11Profile(EsigModel):
    """Where a signing key sits on a token, and what is declared about the token.

    Pass it to :meth:`Pkcs11Device.from_profile`. :data:`BELGIAN_EID` is the layout of
    a Belgian eID card.
    """

    token_label: Annotated[str, StringConstraints(min_length=1)]
    """The token's label (``CKA_LABEL`` of the token, e.g. ``BELPIC``)."""
    key_label: str | None = None
    """The private key's label; with neither label nor id the token must hold one key."""
    key_id: _HexId | None = None
    """The private key's id in hex."""
    pin_per_use: bool | None = None
    """Expect the key to demand the PIN for every signature (True) or not (False);
    None follows the key's ``CKA_ALWAYS_AUTHENTICATE``. A key that disagrees is refused."""
    qscd_claimed: bool = False
    """Declare the token a qualified signature creation device (certified QSCD)."""
    require_content_commitment: bool = False
    """Refuse a key whose certificate lacks the content-commitment (non-repudiation) key
    usage, i.e. an authentication key."""


BELGIAN_EID: Final = Pkcs11Profile(
    token_label="BELPIC",
    key_label="Signature",
    pin_per_use=True,
    require_content_commitment=True,
)
"""The Belgian eID card as the beid middleware shows it: token ``BELPIC``, keys and
certificates ``Signature`` (non-repudiation, PIN on every use) and ``Authentication``.
Module: ``libbeidpkcs11.so.0`` (Linux), ``libbeidpkcs11.dylib`` (macOS), ``beidpkcs11.dll``
(Windows). The card is not declared a QSCD here; set ``qscd_claimed`` when you rely on it."""
