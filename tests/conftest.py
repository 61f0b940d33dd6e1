"""Shared fixtures. The PKI and device fixtures come from esig's own pytest plugin."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from esig.devices.software import SoftwareKey
from esig.signing import sign_pdf
from esig.testing import real_part_missing
from tests._provider_db import Database, sqlite_database

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of documents made by others (skips, or fails in CI, when absent)."""
    if not CORPUS.is_dir():
        real_part_missing(f"the shared corpus at {CORPUS}")
    return CORPUS


@pytest.fixture
def signed_pdf(tmp_path: Path, esig_sample_pdf: Path, esig_device: SoftwareKey) -> Path:
    """The sample PDF signed (PAdES B-B) by the plugin's test signer."""
    out = tmp_path / "signed.pdf"
    sign_pdf(esig_sample_pdf, out, esig_device, reason="test")
    return out


def flip_byte(data: bytes, offset: int) -> bytes:
    """``data`` with the byte at ``offset`` changed."""
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Local services are on 127.0.0.1; a proxy from the environment must not intercept them.
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        if var in os.environ:
            monkeypatch.delenv(var)


@pytest.fixture(params=["sqlite", "postgresql"])
def provider_database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """A fresh provider database: a SQLite file, then a database on a real PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_database(tmp_path)
    server = request.getfixturevalue("esig_postgres")
    name = server.create_database()
    return Database("postgresql", server.url(name), server.conninfo(name))
