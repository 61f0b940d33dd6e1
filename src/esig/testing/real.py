"""Real parts in tests: skip when one is missing, unless ``ESIG_REQUIRE_REAL=1``.

A test that needs a real external part (a Debian tool such as ``pdfsig``, a SoftHSM2
token, a local service) calls :func:`require_tool` or :func:`real_part_missing`. When
the part is absent the test is skipped — except when the environment variable
``ESIG_REQUIRE_REAL`` is ``1`` (as in CI), where the absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

__all__ = ["REQUIRE_REAL_ENV", "find_command", "real_part_missing", "require_tool"]

REQUIRE_REAL_ENV = "ESIG_REQUIRE_REAL"
"""The environment variable that turns a missing real part into a test failure."""


def real_part_missing(what: str) -> None:
    """Skip the running test because ``what`` is missing, or fail under ESIG_REQUIRE_REAL=1."""
    if os.environ.get(REQUIRE_REAL_ENV) == "1":
        pytest.fail(f"{what} is missing and {REQUIRE_REAL_ENV}=1 requires it")
    pytest.skip(f"{what} is missing")


def find_command(name: str) -> str | None:
    """The full path of command ``name``: on ``PATH``, or beside this Python.

    A command that a Python package installs (``certomancer-csc``) sits beside the
    interpreter of its environment, which need not be on ``PATH`` (a venv that was not
    activated).
    """
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


def require_tool(name: str) -> str:
    """The full path of command ``name``; skips (or fails, in CI) when it is not installed."""
    path = find_command(name)
    if path is None:
        real_part_missing(f"the command {name!r}")
        raise AssertionError("unreachable")  # pragma: no cover
    return path
