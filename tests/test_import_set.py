"""``import esig`` loads esig's front door only: the heavy libraries come with first use."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "pyhanko",
    "pyhanko_certvalidator",
    "certomancer",
    "asn1crypto",
    "cryptography",
    "pydantic",
    "typer",
    "rich",
    "lxml",
    "requests",
    "yaml",
)


def _modules_after(code: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert proc.stderr == ""
    return set(json.loads(proc.stdout.splitlines()[-1]))


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_import_esig_loads_no_heavy_library() -> None:
    modules = _modules_after("import esig")
    assert _heavy(modules) == set()
    assert {m for m in modules if m.startswith("esig.")} == {"esig._lazy"}


def test_a_public_name_loads_what_it_needs_on_first_use() -> None:
    modules = _modules_after("import esig\nesig.Citation")
    assert "esig.law" in modules
    assert not any(m.startswith(("esig.signing", "pyhanko")) for m in modules)
    modules = _modules_after("import esig\nesig.verify_pdf")
    assert "esig.verification.verifier" in modules


def test_every_public_name_resolves() -> None:
    import esig

    assert sorted(name for name in esig.__all__ if getattr(esig, name, None) is None) == []
    assert set(esig.__all__) <= set(dir(esig))
