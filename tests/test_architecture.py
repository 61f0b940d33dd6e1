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


def _dotted(path: Path) -> str:
    """The module name of a file of src/esig (esig/a/__init__.py → esig.a)."""
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")


def _imported_module(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an import-from names, a relative one resolved against ``path``."""
    if node.level == 0:
        return node.module or ""
    # The package the file is in: its parts minus the last (the module, or __init__).
    package = path.relative_to(SRC.parent).parts[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` (esig.…) names a module or a package of src/esig."""
    relative = SRC.joinpath(*dotted.split(".")[1:])
    return relative.with_suffix(".py").is_file() or (relative / "__init__.py").is_file()


def test_no_private_name_crosses_a_module() -> None:
    """A name with one leading underscore is private to its module: no other module imports it.

    Importing a private *module* (``from esig.devices.csc import _protocol``) is allowed: such
    modules are internal to their package, and what they share has public names.
    """
    crossings = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            module = _imported_module(path, node)
            if module.split(".")[0] != "esig":
                continue
            crossings.extend(
                f"{_dotted(path)} imports {alias.name} from {module}"
                for alias in node.names
                if alias.name.startswith("_")
                and not alias.name.startswith("__")
                and not _is_module(f"{module}.{alias.name}")
            )
    assert crossings == [], "private names cross modules:\n" + "\n".join(crossings)
