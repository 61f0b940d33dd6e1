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


# --- one dependency direction -------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _import_graph() -> dict[str, set[str]]:
    """Every esig module → the esig modules it imports, as written in the source.

    All ``import`` and ``from … import`` statements count, inside functions and
    ``if TYPE_CHECKING:`` blocks too; relative imports are resolved. ``from pkg import
    name`` imports the submodule ``pkg.name`` when there is one, else ``pkg`` itself
    (its ``__init__``). Importing ``a.b.c`` counts as importing ``a.b.c`` only: the
    parent packages' ``__init__`` files run too, but they only re-export (and are
    themselves in the graph with what they import).
    """
    modules = {_module_name(path): path for path in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                for alias in node.names:
                    if f"{target}.{alias.name}" in modules:
                        found.add(f"{target}.{alias.name}")
                    elif target in modules:
                        found.add(target)
        found.discard(name)
        graph[name] = found
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _a_cycle_through(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One import cycle inside ``component``, for the message: a → b → … → a."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return component  # pragma: no cover - a component always holds a cycle


def test_no_import_cycles() -> None:
    """No esig module imports itself through others (function-level imports included)."""
    graph = _import_graph()
    cycles = [" → ".join(_a_cycle_through(c, graph)) for c in _cycles(graph)]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _a_cycle_through(["a", "b", "c"], graph) == ["a", "b", "c", "a"]


BOTTOM, ADAPTER, PUBLIC, TOP = 0, 1, 2, 3
LAYER_NAMES = {BOTTOM: "bottom", ADAPTER: "adapter", PUBLIC: "public", TOP: "top"}
LAYERS = {
    # bottom: neutral models and helpers; they import only each other
    "esig._io": BOTTOM,
    "esig._lazy": BOTTOM,
    "esig._library_warnings": BOTTOM,
    "esig._model": BOTTOM,
    "esig._parsing": BOTTOM,
    "esig._qc_asn1": BOTTOM,
    "esig._render": BOTTOM,
    "esig._sync": BOTTOM,
    "esig._version": BOTTOM,
    "esig.asic": BOTTOM,
    "esig.certificates": BOTTOM,
    "esig.devices.base": BOTTOM,
    "esig.errors": BOTTOM,
    "esig.identity": BOTTOM,
    "esig.law": BOTTOM,
    "esig.levels": BOTTOM,
    "esig.level_ladder": BOTTOM,
    "esig.model": BOTTOM,
    "esig.oids": BOTTOM,
    "esig.profiles": BOTTOM,
    "esig.ts119615": BOTTOM,
    # the adapter: pyHanko behind one door, over the bottom layer only
    "esig._pyhanko": ADAPTER,
    "esig._xml": ADAPTER,
    # the public packages, over the adapter
    "esig.bulk": PUBLIC,
    "esig.devices": PUBLIC,
    "esig.evidence": PUBLIC,
    "esig.issuance": PUBLIC,
    "esig.provider": PUBLIC,
    "esig.signing": PUBLIC,
    "esig.trust": PUBLIC,
    "esig.verification": PUBLIC,
    # on top of everything
    "esig": TOP,
    "esig.cli": TOP,
    "esig.demo": TOP,
    "esig.testing": TOP,
}


def _layer(module: str) -> int:
    """The layer of the longest entry of LAYERS that is ``module`` or a package above it."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        layer = LAYERS.get(".".join(parts[:end]))
        if layer is not None:
            return layer
    raise AssertionError(f"{module} has no layer in LAYERS")  # pragma: no cover


def test_every_module_has_a_layer() -> None:
    assert {m: _layer(m) for m in _import_graph()}  # raises for a module without one


def test_imports_only_go_down_the_layers() -> None:
    """bottom ← adapter (_pyhanko) ← public packages ← cli, testing, demo, esig."""
    upward = sorted(
        f"{importer} ({LAYER_NAMES[_layer(importer)]}) imports {imported} "
        f"({LAYER_NAMES[_layer(imported)]})"
        for importer, imports in _import_graph().items()
        for imported in imports
        if _layer(imported) > _layer(importer)
    )
    assert upward == [], "imports against the layers:\n" + "\n".join(upward)


def test_the_adapter_imports_no_public_package() -> None:
    """Not even a public package's __init__ (they re-export the public packages)."""
    public = {m for m in _import_graph() if _layer(m) >= PUBLIC}
    found = sorted(
        f"{importer} imports {imported}"
        for importer, imports in _import_graph().items()
        if _layer(importer) == ADAPTER
        for imported in imports & public
    )
    assert found == []
