"""esig.trust.load_trusted_lists: the one rule set for naming trusted lists.

``esig verify``, ``esig verify-many`` and ``esig.bulk.verify_many`` all load lists
through it, so the same mixture is refused with the same words everywhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from esig.bulk import verify_many
from esig.cli.app import build_app
from esig.demo import sample_pdf
from esig.errors import InputError
from esig.testing.trusted_lists import (
    ProviderSpec,
    ServiceSpec,
    StatusSpec,
    build_trusted_list,
    make_tlso,
    sign_trusted_list,
)
from esig.trust import TrustedListError, TrustServiceStatus, load_trusted_lists


@pytest.fixture(scope="module")
def signed_list(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A trusted list signed by a TLSO, the TLSO's certificate and another one."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    day = dt.timedelta(days=1)
    base = tmp_path_factory.mktemp("tl-loading")
    tlso, stranger = make_tlso(now=now), make_tlso("Someone Else", now=now)
    service = ServiceSpec(
        "esig Test CA",
        tlso.certificate,
        history=(StatusSpec(TrustServiceStatus.GRANTED, now - 30 * day),),
    )
    xml = build_trusted_list(
        [ProviderSpec("esig Test Trust Services", (service,))],
        issued=now - day,
        next_update=now + 100 * day,
    )
    (base / "tl.xml").write_bytes(sign_trusted_list(xml, tlso))
    (base / "tlso.pem").write_bytes(tlso.certificate.public_bytes(Encoding.PEM))
    (base / "stranger.pem").write_bytes(stranger.certificate.public_bytes(Encoding.PEM))
    (base / "doc.pdf").write_bytes(sample_pdf())
    return {name: base / name for name in ("tl.xml", "tlso.pem", "stranger.pem", "doc.pdf")}


def test_list_files_are_loaded_with_the_operator_certificate(
    signed_list: dict[str, Path],
) -> None:
    source = load_trusted_lists([signed_list["tl.xml"]], tlso=[signed_list["tlso.pem"]])
    assert source is not None
    (tl,) = source.lists
    assert tl.territory == "BQ" and source.refused == ()


def test_a_list_signed_by_someone_else_is_refused(signed_list: dict[str, Path]) -> None:
    with pytest.raises(TrustedListError, match="refused"):
        load_trusted_lists([signed_list["tl.xml"]], tlso=[signed_list["stranger.pem"]])
    with pytest.raises(TrustedListError, match="cannot be authenticated"):
        load_trusted_lists([signed_list["tl.xml"]])
    source = load_trusted_lists([signed_list["tl.xml"]], allow_unsigned=True)
    assert source is not None and len(source.lists) == 1


def test_nothing_named_is_no_lists() -> None:
    assert load_trusted_lists() is None


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"files": ["tl.xml"], "cache": "cache"}, "brings its own lists"),
        ({"tlso": ["tlso.pem"], "cache": "cache"}, "brings its own lists"),
        ({"tlso": ["tlso.pem"]}, "need a trusted-list cache"),
        ({"lotl_signers": "lotl.pem"}, "need a trusted-list cache"),
    ],
)
def test_mixtures_are_refused_before_anything_is_read(
    signed_list: dict[str, Path], kwargs: dict[str, object], words: str
) -> None:
    base = signed_list["tl.xml"].parent
    given = {
        key: ([base / v for v in value] if isinstance(value, list) else base / str(value))
        for key, value in kwargs.items()
    }
    with pytest.raises(InputError, match=words):
        load_trusted_lists(**given)  # type: ignore[arg-type]


def test_esig_verify_and_verify_many_refuse_tlso_without_lists(
    signed_list: dict[str, Path], tmp_path: Path
) -> None:
    runner = CliRunner()
    doc, tlso = str(signed_list["doc.pdf"]), str(signed_list["tlso.pem"])
    out = tmp_path / "r.jsonl"
    for args in (
        ["verify", doc, "--tlso", tlso],
        ["verify-many", doc, "--out", str(out), "--tlso", tlso],
    ):
        result = runner.invoke(build_app(rich_help=False), args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert "need a trusted-list cache" in result.stderr
        assert "Traceback" not in result.stderr
    assert not out.exists()  # refused before the results file was opened
    with pytest.raises(InputError, match="need a trusted-list cache"):
        verify_many([doc], out, tlso=[tlso])
