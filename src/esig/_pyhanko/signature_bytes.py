"""The bytes that identify a signature and its timestamp, read from the CMS SignerInfo.

For the ETSI TS 119 102-2 report: the signature value (its ``SignatureIdentifier``) and
the SHA-256 of the signature timestamp token (its validation object). Read without
validating anything; a malformed SignerInfo gives None.
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["signature_value", "timestamp_token_sha256"]

_READ_ERRORS = (KeyError, ValueError, TypeError, AttributeError, IndexError)


def signature_value(signer_info: Any) -> bytes | None:
    """The SignerInfo's signature value, or None."""
    try:
        return bytes(signer_info["signature"].native)
    except _READ_ERRORS:
        return None


def timestamp_token_sha256(signer_info: Any) -> str | None:
    """SHA-256 (hex) of the signature timestamp token's DER, or None (no token)."""
    try:
        for attr in signer_info["unsigned_attrs"] or ():
            if attr["type"].native == "signature_time_stamp_token":
                return hashlib.sha256(attr["values"][0].dump()).hexdigest()
    except _READ_ERRORS:
        return None
    return None
