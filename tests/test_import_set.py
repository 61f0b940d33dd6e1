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
    assert {m for m in modules if m.startswith("esig.")} == {"esig._lazy", "esig._version"}


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


# ---------------------------------------------------------------------------
# The command line: ``esig --help`` and a command's ``--help`` load typer and esig's
# command modules only; the machinery behind a command comes when the command runs.

CLI_LIGHT_HEAVY = {"typer", "click"}
"""The only heavy libraries the help screens may load (typer, and click where typer needs it)."""

_CLI_SCRIPT = """
import json, sys
sys.argv = ["esig", *json.loads(sys.argv[1])]
from esig.cli.app import main
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
sys.stderr.write(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _cli_modules(*args: str) -> tuple[int, set[str], str]:
    proc = subprocess.run(
        [sys.executable, "-c", _CLI_SCRIPT, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result = json.loads(proc.stderr)
    return result["code"], set(result["modules"]), proc.stdout


def test_help_screens_load_no_signing_or_verifying_machinery() -> None:
    for args in (["--help"], ["verify", "--help"], ["sign", "--help"], ["extend", "--help"]):
        code, modules, out = _cli_modules(*args)
        assert code == 0, args
        assert "Usage: esig" in out, args
        assert {m.split(".")[0] for m in _heavy(modules)} - CLI_LIGHT_HEAVY == set(), args
        assert not any(m.startswith("rich") for m in modules), args
        esig_modules = {m for m in modules if m.startswith("esig")}
        assert not any(
            m.startswith(("esig.verification", "esig.signing", "esig._pyhanko", "esig.devices."))
            for m in esig_modules
        ), (args, sorted(esig_modules))


def test_piped_help_is_plain_text_no_wider_than_help_width() -> None:
    from esig.cli.app import HELP_WIDTH

    for args in (["--help"], ["verify", "--help"], ["sign", "--help"]):
        proc = subprocess.run(
            [sys.executable, "-m", "esig", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0 and proc.stderr == ""
        lines = proc.stdout.splitlines()
        assert max(len(line) for line in lines) <= HELP_WIDTH, args
        assert not any(ch in proc.stdout for ch in "╭│╰\x1b"), args  # no rich boxes, no colour
        assert "--help" in proc.stdout


def test_help_on_a_terminal_is_rich() -> None:
    import os
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: esig on a pseudo-terminal 120 columns wide
        os.environ["COLUMNS"] = "120"
        os.execv(sys.executable, [sys.executable, "-m", "esig", "verify", "--help"])
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "╭" in text and "Usage: esig verify" in text.replace("\x1b[1m", "").replace(
        "\x1b[0m", ""
    )
