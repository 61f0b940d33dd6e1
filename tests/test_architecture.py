"""Rules of the house that the code must keep."""

from __future__ import annotations

import ast
from pathlib import Path

import esig

SRC = Path(esig.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_adapter_imports_pyhanko() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if "_pyhanko" in path.relative_to(SRC).parts:
            continue
        if any(m.split(".")[0] in {"pyhanko", "pyhanko_certvalidator"} for m in _imports(path)):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


def test_public_api_names_no_pyhanko_type() -> None:
    leaks = []
    for name in esig.__all__:
        obj = getattr(esig, name)
        module = getattr(obj, "__module__", "") or ""
        if module.startswith(("pyhanko", "asn1crypto")):
            leaks.append(name)
    assert leaks == []


def test_every_public_name_has_a_docstring() -> None:
    missing = [
        name
        for name in esig.__all__
        if not name.startswith("__") and not (getattr(esig, name).__doc__ or "").strip()
    ]
    assert missing == []


def test_every_module_is_in_the_architecture_page() -> None:
    """docs/architecture.md stays true: each module of src/esig appears in its map."""
    page = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if path.stem != "__init__" and f"{path.stem}.py" not in page
    ]
    assert missing == [], f"add these modules to docs/architecture.md: {missing}"
