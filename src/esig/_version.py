"""esig's version, in one place below every layer (the ETSI report names it)."""

from __future__ import annotations

__all__ = ["VERSION"]

VERSION = "0.1.0"
"""The version of esig (as in pyproject.toml)."""
