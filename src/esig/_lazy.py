"""Lazy re-exports for the package ``__init__`` files: a name is imported on first use.

``import esig`` (and ``import esig.signing``…) then costs almost nothing, and a program
loads only the machinery of the names it touches.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Collection, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    where: Mapping[str, str],
    public: Collection[str],
    submodules: Collection[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package``.

    ``where`` maps each re-exported name to the module that defines it; ``public`` is the
    package's ``__all__``; ``submodules`` are reachable as attributes (``esig.signing``)
    before anyone imported them. A name is imported once, then kept in the package's
    namespace.
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module), name)
        elif name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public})

    return __getattr__, __dir__
