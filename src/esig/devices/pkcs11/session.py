"""Sessions with a token: open and close them, read attributes, search for objects."""

from __future__ import annotations

import logging
import struct
from typing import Any

from pkcs11 import Attribute
from pkcs11 import exceptions as p11
from pkcs11.attributes import AttributeMapper

from esig.devices.pkcs11.errors import translate_error

_log = logging.getLogger(__package__)
"""The logger of the whole package, ``esig.devices.pkcs11``."""


def attribute_mapper() -> AttributeMapper:
    """python-pkcs11's mapper, taught to read CKA_ALLOWED_MECHANISMS (an array of ulongs)."""
    mapper = AttributeMapper()

    def pack(values: Any) -> bytes:
        return b"".join(struct.pack("L", int(v)) for v in values)

    def unpack(data: bytes) -> Any:
        return [value for (value,) in struct.iter_unpack("L", data)]

    mapper.register_handler(Attribute.ALLOWED_MECHANISMS, pack, unpack)
    return mapper


def open_session(token: Any, token_label: str) -> Any:
    """Open a read-only session on ``token`` (python-pkcs11 errors become esig errors)."""
    try:
        return token.open(attribute_mapper=attribute_mapper())
    except p11.PKCS11Error as exc:
        raise translate_error(exc, token_label=token_label, token=token) from None


def close_quietly(session: Any) -> None:
    """Close ``session``, ignoring a token that is already gone."""
    try:
        session.close()
    except p11.PKCS11Error:
        _log.debug("Closing a PKCS#11 session failed; the token may be gone")


def read_attribute(obj: Any, attribute: Attribute, default: Any = None) -> Any:
    """An object's attribute, or ``default`` if the token does not give it."""
    try:
        return obj[attribute]
    except (p11.AttributeTypeInvalid, p11.AttributeSensitive, NotImplementedError):
        return default


def find_objects(session: Any, template: dict[Attribute, Any]) -> list[Any]:
    """Every object on the session's token that matches ``template``."""
    # Always exhaust the search: an unfinished one leaves C_FindObjects active.
    return list(session.get_objects(template))
