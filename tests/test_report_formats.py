"""Report formats: HTML (and Jupyter's ``_repr_html_``), JSON against its published schema."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from esig.issuance import IssuedCertificate, TestPKI
from esig.signing import sign_pdf
from esig.verification import VerificationReport, render_html, verify_pdf
from esig.verification.html import render_signature_html
from esig.verification.report import report_json_schema

HOSTILE = "<script>alert(1)</script>"


def esig_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def report(signed_pdf: Path, esig_root_pem: Path) -> VerificationReport:
    return verify_pdf(signed_pdf, trust=[esig_root_pem])


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


def _sign_and_verify(
    pki: TestPKI, issued: IssuedCertificate, sample: Path, tmp_path: Path
) -> VerificationReport:
    out = tmp_path / "signed-by.pdf"
    sign_pdf(sample, out, issued.device(), reason=f"reason {HOSTILE}")
    return verify_pdf(out, trust=[pki.root.certificate])


# -- HTML -------------------------------------------------------------------------------


def test_html_shows_signer_verdict_and_citations(report: VerificationReport) -> None:
    assert report.passed
    page = render_html(report)
    assert page.startswith('<div class="esig-report"') and page.endswith("</div>")
    signer = report.signatures[0].signer
    assert signer is not None
    assert html.escape(signer.display) in page
    assert "TOTAL-PASSED" in page
    assert ">PASS<" in page and ">INFO<" in page
    assert ">MET<" in page and ">NOT MET<" in page
    for label in ("BES art. 3(a)", "BES art. 3(f)", "eIDAS art. 26(a)", "BES art. 6"):
        assert label in page
    assert report.signatures[0].level.label.value in page
    assert "ETSI TS 119 172-4" in page


def test_html_is_self_contained_and_accessible(report: VerificationReport) -> None:
    page = render_html(report)
    lowered = page.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "src=" not in lowered and "href=" not in lowered and "@import" not in lowered
    assert "<style>" in page
    assert '<th scope="col">Outcome</th>' in page
    assert '<th scope="col">Evidence</th>' in page
    assert page.count("<caption>") == 2


def test_html_words_a_failure(report: VerificationReport) -> None:
    data = json.loads(report.model_dump_json())
    data["signatures"][0]["findings"][1].update(outcome="failed", sub_indication="HASH_FAILURE")
    broken = VerificationReport.model_validate(data)
    assert broken.indication.value == "TOTAL-FAILED"
    page = render_html(broken)
    assert "TOTAL-FAILED" in page and ">FAIL<" in page and "HASH_FAILURE" in page


def test_html_escapes_a_hostile_signer_name(
    pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    issued = pki.issue_person(HOSTILE, "X")
    report = _sign_and_verify(pki, issued, esig_sample_pdf, tmp_path)
    signer = report.signatures[0].signer
    assert signer is not None and HOSTILE in signer.display
    page = render_html(report)
    assert HOSTILE not in page
    assert "<script" not in page.lower()
    assert html.escape(HOSTILE) in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; X" in page


def test_html_marks_a_pseudonym(pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path) -> None:
    issued = pki.issue_pseudonym("Blue Flamingo")
    report = _sign_and_verify(pki, issued, esig_sample_pdf, tmp_path)
    signer = report.signatures[0].signer
    assert signer is not None and signer.is_pseudonym
    page = render_html(report)
    assert "Blue Flamingo (pseudonym)" in page
    assert "esig-b-pseudonym" in page and ">PSEUDONYM<" in page
    # The badge goes with the identity in the signer line and in the certificate chain.
    assert page.count(">PSEUDONYM<") >= 2
    # Also in the text and JSON forms.
    assert "Blue Flamingo (pseudonym)" in report.to_text()
    data = json.loads(report.model_dump_json())
    assert data["signatures"][0]["signer"]["is_pseudonym"] is True
    assert data["signatures"][0]["signer"]["display"] == "Blue Flamingo (pseudonym)"


def test_html_with_no_signature(report: VerificationReport) -> None:
    empty = report.model_copy(
        update={"signatures": (), "problems": (f"The document holds no signature {HOSTILE}",)}
    )
    page = render_html(empty)
    assert "INDETERMINATE" in page and "holds no signature" in page
    assert HOSTILE not in page


def test_repr_html_is_the_html(report: VerificationReport) -> None:
    assert report._repr_html_() == render_html(report)
    assert report.to_html() == render_html(report)
    one = report.signatures[0]
    card = one._repr_html_()
    assert card == render_signature_html(one)
    assert card.startswith('<div class="esig-report"') and "TOTAL-PASSED" in card
    assert report.document not in card  # just the signature, no document banner


# -- JSON and its schema ----------------------------------------------------------------


def _structural_check(schema: dict[str, Any], data: Any, node: dict[str, Any]) -> None:
    """A fallback for when jsonschema is absent: required keys and no unknown keys."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    for option in node.get("anyOf", ()):
        if option.get("type") == "null" and data is None:
            return
    options = [o for o in node.get("anyOf", ()) if o.get("type") != "null"]
    if options:
        node = options[0]
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    if isinstance(data, dict) and "properties" in node:
        assert set(node.get("required", ())) <= set(data)
        assert set(data) <= set(node["properties"])
        for key, value in data.items():
            _structural_check(schema, value, node["properties"][key])
    elif isinstance(data, list) and "items" in node:
        for item in data:
            _structural_check(schema, item, node["items"])


def _validate(instance: Any, schema: dict[str, Any]) -> None:
    try:
        import jsonschema  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - jsonschema comes with the test extra's nbmake
        _structural_check(schema, instance, schema)
        return
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)


def test_schema_lists_computed_fields() -> None:
    schema = report_json_schema()
    assert "indication" in schema["required"]
    defs = schema["$defs"]
    assert {"indication", "sub_indication"} <= set(defs["SignatureReport"]["required"])
    assert {"display", "is_pseudonym"} <= set(defs["NameIdentity"]["required"])
    assert "summary" in defs["LevelAssessment"]["properties"]
    assert "label" in defs["Citation"]["properties"]


def test_report_json_validates_against_the_schema(report: VerificationReport) -> None:
    _validate(json.loads(report.model_dump_json()), report_json_schema())


def test_pseudonym_report_json_validates(
    pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    report = _sign_and_verify(pki, pki.issue_pseudonym("Blue Flamingo"), esig_sample_pdf, tmp_path)
    _validate(json.loads(report.model_dump_json()), report_json_schema())


def test_schema_rejects_a_wrong_report(report: VerificationReport) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(report.model_dump_json())
    data["indication"] = "PROBABLY-FINE"
    with pytest.raises(jsonschema.ValidationError):
        _validate(data, report_json_schema())


# -- the command line -------------------------------------------------------------------


def test_cli_schema_report_prints_the_schema() -> None:
    done = esig_cli("schema", "report")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert "$defs" in schema
    assert schema == json.loads(json.dumps(report_json_schema()))
    assert done.stdout.startswith("{\n  ")  # indented


def test_cli_verify_writes_html(signed_pdf: Path, esig_root_pem: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = esig_cli("verify", str(signed_pdf), "--trust", str(esig_root_pem), "--html", str(out))
    assert done.returncode == 0, done.stderr
    assert "TOTAL-PASSED" in done.stdout  # the normal output still comes
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<div class="esig-report"') and "TOTAL-PASSED" in page
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_cli_verify_html_into_a_missing_folder(
    signed_pdf: Path, esig_root_pem: Path, tmp_path: Path
) -> None:
    out = tmp_path / "nowhere" / "report.html"
    done = esig_cli("verify", str(signed_pdf), "--trust", str(esig_root_pem), "--html", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error:") and "Traceback" not in done.stderr
    assert not out.exists()
