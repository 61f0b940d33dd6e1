"""Test helpers for applications that use esig, and the pytest plugin behind them.

The plugin (registered as the ``pytest11`` entry point ``esig``) provides fixtures for
throwaway PKIs and signing devices; see :mod:`esig.testing.plugin`.
"""

from esig.testing.real import REQUIRE_REAL_ENV, real_part_missing, require_tool
from esig.testing.signers import TestSigners

__all__ = ["REQUIRE_REAL_ENV", "TestSigners", "real_part_missing", "require_tool"]
