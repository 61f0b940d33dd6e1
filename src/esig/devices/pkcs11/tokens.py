"""The PKCS#11 module and its tokens: load the shared library, find a token by label.

Tokens are selected by label, never by slot number (slot numbers change).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pkcs11
from pkcs11 import exceptions as p11

from esig.devices.pkcs11.errors import Pkcs11ModuleError, TokenNotFoundError, translate_error

__all__ = ["ModulePath"]

ModulePath = str | os.PathLike[str]


def resolve_module_path(module_path: ModulePath) -> str:
    """The PKCS#11 module as a string; a path (not a bare file name) must name a file."""
    module = os.fspath(module_path)
    if not module:
        raise Pkcs11ModuleError("No PKCS#11 module path was given", module=module)
    # A bare file name is looked up by the system loader; a path must exist.
    if os.sep in module or (os.altsep and os.altsep in module):
        path = Path(module)
        if not path.exists():
            raise Pkcs11ModuleError(
                f"The PKCS#11 module {module!r} does not exist; install the token's middleware "
                "or give the path of its .so/.dylib/.dll",
                module=module,
            )
        if path.is_dir():
            raise Pkcs11ModuleError(
                f"Expected a PKCS#11 module (a shared library), got the folder {module!r}",
                module=module,
            )
    return module


def load_module(module: str) -> Any:
    """Load the PKCS#11 module (python-pkcs11's ``lib``); a failure is Pkcs11ModuleError."""
    try:
        return pkcs11.lib(module)
    except p11.PKCS11Error as exc:
        raise Pkcs11ModuleError(
            f"{module!r} cannot be loaded as a PKCS#11 module ({exc}); give the token "
            "middleware's PKCS#11 library",
            module=module,
        ) from None


def find_token(lib: Any, token_label: str) -> Any:
    """The one present token labelled ``token_label`` (never chosen by slot number)."""
    try:
        present = [slot.get_token() for slot in lib.get_slots(token_present=True)]
    except p11.PKCS11Error as exc:
        raise translate_error(exc, token_label=token_label) from None
    matches = [t for t in present if t.label == token_label]
    labels = sorted({t.label for t in present if t.label})
    if not matches:
        shown = ", ".join(repr(label) for label in labels) or "none"
        raise TokenNotFoundError(
            f"No token labelled {token_label!r} is present (tokens present: {shown}); insert "
            "the card or check the label",
            token_label=token_label,
            available=labels,
        )
    if len(matches) > 1:
        raise TokenNotFoundError(
            f"{len(matches)} tokens are labelled {token_label!r}; remove all but one",
            token_label=token_label,
            available=labels,
        )
    return matches[0]
