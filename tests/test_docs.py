"""The documentation keeps up with the code: every public error is in docs/errors.md."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import esig
from esig.errors import EsigError

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(esig.__path__, "esig."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
    return names


def _public_error_classes() -> set[type[EsigError]]:
    _public_modules()
    found: set[type[EsigError]] = set()
    stack: list[type[EsigError]] = [EsigError]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub in found:
                continue
            stack.append(sub)
            module_parts = sub.__module__.split(".")
            if not sub.__name__.startswith("_") and not any(
                p.startswith("_") for p in module_parts[1:]
            ):
                found.add(sub)
    return found


def _undocumented(text: str) -> list[str]:
    return sorted(
        f"{cls.__module__}.{cls.__name__}"
        for cls in _public_error_classes()
        if not re.search(rf"\b{cls.__name__}\b", text)
    )


def test_every_public_esig_error_is_in_docs_errors() -> None:
    assert _undocumented((DOCS / "errors.md").read_text()) == []


def test_a_missing_error_is_noticed() -> None:
    text = (DOCS / "errors.md").read_text()
    without = re.sub(r"\bFontError\b", "", text)
    assert _undocumented(without) == ["esig.model.appearance.FontError"]
    assert len(_public_error_classes()) > 40
