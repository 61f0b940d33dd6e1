"""docs/legal.md: every provision of the BES decree, with its check and tests, or a reason."""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path

import pytest

from esig.law import BES, all_citations
from esig.law_provisions import (
    BES_PROVISIONS,
    PROVISIONS,
    Provision,
    ProvisionKind,
    pending,
    provision,
    render_markdown,
)

ROOT = Path(__file__).resolve().parent.parent


@cache
def _functions(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def _test_exists(node_id: str) -> bool:
    path, _, name = node_id.partition("::")
    name = name.split("[", 1)[0]  # a parametrised id may carry its parameters
    if not path.startswith("tests/") or not (ROOT / path).is_file() or not name:
        return False
    return name.startswith("test") and name in _functions(path)


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_the_registry_covers_exactly_the_45_provisions() -> None:
    cited = [p.citation for p in PROVISIONS]
    assert len(BES_PROVISIONS) == 45
    assert len(set(BES_PROVISIONS)) == 45
    assert cited == list(BES_PROVISIONS)
    # the finest BES citations esig names, minus the article headings, are these 45
    headings = {BES.ART_1, BES.ART_2, BES.ART_3, BES.ART_4, BES.ART_5, BES.ART_6}
    named = {c for c in all_citations() if c.instrument == "BES"} - headings
    assert named == set(BES_PROVISIONS)
    assert all(c.summary for c in BES_PROVISIONS)


def test_docs_legal_md_is_the_generated_text() -> None:
    page = (ROOT / "docs" / "legal.md").read_text(encoding="utf-8")
    assert page == render_markdown(), "run: python scripts/gen_legal.py"


def test_every_named_test_exists() -> None:
    named = [t for p in PROVISIONS for t in (p.passing_test, p.failing_test) if t]
    missing = [t for t in named if not _test_exists(t)]
    assert missing == []
    assert len(named) >= 2 * sum(p.kind is ProvisionKind.CHECK for p in PROVISIONS)


def test_a_missing_test_is_noticed() -> None:
    assert _test_exists("tests/test_levels.py::test_each_requirement_can_fail")
    assert _test_exists("tests/test_levels.py::test_each_requirement_can_fail[x]")
    assert not _test_exists("tests/test_levels.py::test_no_such_thing")
    assert not _test_exists("tests/test_nowhere.py::test_each_requirement_can_fail")
    assert not _test_exists("tests/test_levels.py::_with")  # a helper, not a test


def test_every_named_check_is_in_esig() -> None:
    for entry in PROVISIONS:
        if entry.check:
            assert entry.check.startswith("esig.")
            assert _resolve(entry.check) is not None, entry.check


def test_no_blank_cell() -> None:
    for entry in PROVISIONS:
        if entry.kind is ProvisionKind.CHECK:
            assert entry.check and entry.passing_test and entry.failing_test, entry.citation
        else:
            assert entry.reason, entry.citation
    for row in render_markdown().splitlines():
        if row.startswith("| `BES"):
            cells = [c.strip() for c in row.strip("|").split(" | ")]
            assert len(cells) == 5 and all(cells), row


def test_no_provision_is_pending() -> None:
    # "no blank cell": every provision has a check with tests or an organisational reason
    assert pending() == ()
    assert "pending:" not in render_markdown()


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "check", "check": "esig.levels.RequirementId.SOLE_CONTROL"},
        {"kind": "organisational", "reason": "it binds someone"},
        {"kind": "pending", "reason": "later"},
        {"kind": "pending", "reason": "pending: elsewhere", "check": "esig.levels"},
        {"kind": "organisational", "binds": "x", "reason": "y", "passing_test": "t"},
    ],
)
def test_an_incomplete_entry_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Provision.model_validate({"citation": BES.ART_1_A.model_dump(), **bad})


def test_lookup_by_citation() -> None:
    assert provision(BES.ART_3_B).check == "esig.verification.CheckId.INTEGRITY"
    assert provision(BES.ART_5_J).kind is ProvisionKind.ORGANISATIONAL
    with pytest.raises(KeyError):
        provision(BES.ART_3)
