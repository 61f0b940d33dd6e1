"""The command line for several signers: `esig prepare`, `esig sign --field/--visible/--certify
/--lock/--image/--font`, `esig evidence show`, and what `esig verify` prints about them.

The real CLI runs as a subprocess (``python -m esig.cli``). Real parts: software keys from
esig's test PKI, an aiosmtpd server (``esig_smtp_server``) for the email-code seal; the
judges are esig's verifier, poppler's ``pdfsig`` and ``pdftotext``, and ``mutool sign -v``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from esig.evidence import (
    CodeChannel,
    EmailCodeSender,
    EvidenceMethod,
    EvidenceSession,
    OneTimeCodes,
    Signatory,
    SmtpSettings,
    evidence_disclosure,
)
from esig.issuance import TestPKI
from esig.signing import signature_fields
from esig.signing.disclosures import SigningMethod, disclosure_for
from esig.testing import TestSigners, require_tool
from esig.testing.smtp import LocalSmtpServer

pytestmark = pytest.mark.real

PASSPHRASE = "correct horse battery staple"
BOXES = {
    "Author": "1:40,40,290,120",
    "Approval1": "1:310,40,560,120",
    "Approval2": "1:40,140,290,220",
}


def esig_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ESIG_PASSPHRASE": PASSPHRASE},
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _tool(tool: str, *args: str | Path) -> str:
    done = subprocess.run(
        [require_tool(tool), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout + done.stderr


def _page_text(path: Path) -> str:
    return _tool("pdftotext", "-layout", path, "-")


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> TestSigners:
    return TestSigners(TestPKI())


@pytest.fixture(scope="module")
def keys(signers: TestSigners, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PKCS#12 files for a company officer and a person, and the root certificate."""
    folder = tmp_path_factory.mktemp("cli-workflow-keys")
    officer = signers.pki.write(folder / "officer", signers.company_officer, PASSPHRASE.encode())
    person = signers.pki.write(folder / "person", signers.person, PASSPHRASE.encode())
    return {
        "officer": officer["signer_p12"],
        "person": person["signer_p12"],
        "root": person["root"],
    }


@pytest.fixture(scope="module")
def drawn_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    image = Image.new("RGBA", (240, 80), (255, 255, 255, 0))
    ImageDraw.Draw(image).line(
        [(8, 60), (50, 15), (95, 62), (150, 20), (230, 50)], fill=(20, 30, 140, 255), width=5
    )
    path = tmp_path_factory.mktemp("drawn") / "drawn.png"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def prepared(esig_sample_pdf: Path, tmp_path: Path) -> Path:
    out = tmp_path / "prepared.pdf"
    done = esig_cli(
        "prepare",
        esig_sample_pdf,
        "-o",
        out,
        *(a for name, spec in BOXES.items() for a in ("--field", f"{name}:{spec}")),
        "--lock",
        "Approval2=all",
    )
    assert done.returncode == 0, done.stderr
    return out


def _verify(path: Path, root: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    done = esig_cli("verify", path, "--trust", root, "--json", *extra)
    report = json.loads(done.stdout)
    report["exit"] = done.returncode
    return report


# --- esig prepare ----------------------------------------------------------------------


def test_prepare_adds_the_fields_with_their_boxes_and_lock(
    prepared: Path, esig_sample_pdf: Path
) -> None:
    fields = {f.name: f for f in signature_fields(prepared)}
    assert set(fields) == set(BOXES)
    assert fields["Approval1"].page == 1
    assert fields["Approval1"].box == (310, 40, 560, 120)
    assert not any(f.signed for f in fields.values())
    lock = fields["Approval2"].lock
    assert lock is not None and lock.scope.value == "all"
    assert fields["Author"].lock is None
    assert signature_fields(esig_sample_pdf) == ()  # the input is only read


def test_prepare_prints_what_it_added(esig_sample_pdf: Path, tmp_path: Path) -> None:
    done = esig_cli(
        "prepare",
        esig_sample_pdf,
        "-o",
        tmp_path / "p.pdf",
        "--field",
        "Boss:1:40,40,200,100",
        "--field",
        "Clerk",
        "--lock",
        "Boss=include:Clerk",
    )
    assert done.returncode == 0, done.stderr
    assert "Boss: page 1, box 40,40,200,100, empty; locks fields Clerk once signed" in done.stdout
    assert "Clerk: invisible, empty" in done.stdout


@pytest.mark.parametrize(
    ("args", "form"),
    [
        (["--field", "Author:1:40,40,290"], "X1,Y1,X2,Y2"),
        (["--field", "Author:one:40,40,290,120"], "NAME:PAGE:X1,Y1,X2,Y2"),
        (["--field", "Author:1"], "NAME:PAGE:X1,Y1,X2,Y2"),
        (["--field", "Author:1:290,120,40,40"], "x2 > x1"),
        (["--field", "Author:0:40,40,290,120"], "pages are counted from 1"),
        (["--field", "A.B:1:40,40,290,120"], "must not contain a period"),
        (["--field", "A:1:40,40,90,90", "--lock", "A=some"], "include:F1,F2"),
        (["--field", "A:1:40,40,90,90", "--lock", "all"], "NAME=LOCK"),
        (["--field", "A:1:40,40,90,90", "--lock", "B=all"], "no --field named 'B'"),
        (["--field", "A:1:40,40,90,90", "--field", "A:1:100,40,190,90"], "its own name"),
        (["--field", "A:9:40,40,90,90"], "page"),
    ],
)
def test_prepare_refuses_malformed_values_with_the_accepted_form(
    esig_sample_pdf: Path, tmp_path: Path, args: list[str], form: str
) -> None:
    out = tmp_path / "p.pdf"
    done = esig_cli("prepare", esig_sample_pdf, "-o", out, *args)
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error:")
    assert form in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


# --- esig sign: several signers in prepared fields ---------------------------------------


def test_certify_then_two_approvals_pass_in_every_judge(
    prepared: Path, keys: dict[str, Path], drawn_png: Path, tmp_path: Path
) -> None:
    first, second, third = (tmp_path / f"s{i}.pdf" for i in (1, 2, 3))
    done = esig_cli(
        "sign", prepared, "-o", first, "--p12", keys["officer"], "--field", "Author",
        "--certify", "form-filling", "--image", drawn_png, "--reason", "I wrote it",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Jan Pieters" in done.stdout and "(field Author)" in done.stdout
    for source, target, field in ((first, second, "Approval1"), (second, third, "Approval2")):
        done = esig_cli("sign", source, "-o", target, "--p12", keys["person"], "--field", field)
        assert done.returncode == 0, done.stderr

    report = _verify(third, keys["root"])
    assert report["exit"] == 0
    assert report["indication"] == "TOTAL-PASSED"
    by_field = {s["field_name"]: s for s in report["signatures"]}
    assert set(by_field) == set(BOXES)
    assert by_field["Author"]["signer"]["display"].startswith("Jan Pieters")
    assert _tool("pdfsig", third).count("Signature is Valid.") == 3
    assert "The document is unchanged since signing." in _tool("mutool", "sign", "-v", third)
    text = _page_text(third)
    assert "On behalf of Acme Bonaire N.V." in text
    assert "Function: Director" in text
    assert "Reason: I wrote it" in text
    assert text.count("Signed by Anna de Vries") == 2


def test_certification_with_no_changes_refuses_a_later_signature(
    prepared: Path, keys: dict[str, Path], tmp_path: Path
) -> None:
    certified = tmp_path / "certified.pdf"
    done = esig_cli(
        "sign", prepared, "-o", certified, "--p12", keys["officer"], "--field", "Author",
        "--certify", "no-changes",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = tmp_path / "again.pdf"
    done = esig_cli("sign", certified, "-o", again, "--p12", keys["person"], "--field", "Approval1")
    assert done.returncode == 2
    assert "no changes" in done.stderr
    assert not again.exists()


def test_lock_on_signing_makes_a_later_change_to_a_locked_field_fail(
    prepared: Path, keys: dict[str, Path], tmp_path: Path
) -> None:
    signed = tmp_path / "locked.pdf"
    done = esig_cli(
        "sign", prepared, "-o", signed, "--p12", keys["officer"], "--field", "Author",
        "--lock", "include:Approval1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lock = {f.name: f for f in signature_fields(signed)}["Author"].lock
    assert lock is not None and lock.fields == ("Approval1",)
    # Approval2 is not locked: signing it keeps the first signature valid.
    free = tmp_path / "free.pdf"
    done = esig_cli("sign", signed, "-o", free, "--p12", keys["person"], "--field", "Approval2")
    assert done.returncode == 0, done.stderr
    assert _verify(free, keys["root"])["exit"] == 0
    # Approval1 is locked: signing it makes the signature that locked it fail.
    locked = tmp_path / "broken.pdf"
    done = esig_cli("sign", signed, "-o", locked, "--p12", keys["person"], "--field", "Approval1")
    assert done.returncode == 0, done.stderr
    report = _verify(locked, keys["root"])
    assert report["exit"] == 1
    verdicts = {s["field_name"]: s["indication"] for s in report["signatures"]}
    assert verdicts == {"Author": "TOTAL-FAILED", "Approval1": "TOTAL-PASSED"}


# --- esig sign --visible -----------------------------------------------------------------


def test_visible_signature_in_a_new_field_shows_the_signer(
    esig_sample_pdf: Path, keys: dict[str, Path], drawn_png: Path, tmp_path: Path
) -> None:
    out = tmp_path / "visible.pdf"
    done = esig_cli(
        "sign", esig_sample_pdf, "-o", out, "--p12", keys["officer"],
        "--visible", "1:300,40,560,130", "--image", drawn_png, "--field", "Stamp",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    fields = {f.name: f for f in signature_fields(out)}
    assert fields["Stamp"].signed and fields["Stamp"].box == (300, 40, 560, 130)
    assert "Signed by Jan Pieters" in _page_text(out)
    assert "Signature is Valid." in _tool("pdfsig", out)
    assert _verify(out, keys["root"])["exit"] == 0


def test_without_visible_nothing_shows_on_the_page(
    esig_sample_pdf: Path, keys: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "invisible.pdf"
    done = esig_cli("sign", esig_sample_pdf, "-o", out, "--p12", keys["officer"])
    assert done.returncode == 0, done.stderr
    assert "Jan Pieters" not in _page_text(out)
    assert all(f.box is None for f in signature_fields(out))


def test_font_option_is_used_and_a_missing_font_is_an_error(
    esig_sample_pdf: Path, keys: dict[str, Path], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-font.ttf"
    out = tmp_path / "f.pdf"
    done = esig_cli(
        "sign", esig_sample_pdf, "-o", out, "--p12", keys["person"],
        "--visible", "1:40,40,290,120", "--font", missing,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no-such-font.ttf" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "form"),
    [
        (["--visible", "1:40,40,290"], "X1,Y1,X2,Y2"),
        (["--visible", "40,40,290,120"], "PAGE:X1,Y1,X2,Y2"),
        (["--visible", "x:40,40,290,120"], "PAGE:X1,Y1,X2,Y2"),
        (["--visible", "1:290,120,40,40"], "x2 > x1"),
        (["--certify", "nothing"], "no-changes, form-filling or annotations"),
        (["--lock", "some"], "all, include:F1,F2 or exclude:F1,F2"),
        (["--lock", "include:"], "all, include:F1,F2 or exclude:F1,F2"),
        (["--image", "x.png"], "--visible PAGE:X1,Y1,X2,Y2"),
        (["--format", "cades", "--certify", "no-changes"], "not --format cades"),
    ],
)
def test_sign_refuses_malformed_values_with_the_accepted_form(
    esig_sample_pdf: Path, keys: dict[str, Path], tmp_path: Path, args: list[str], form: str
) -> None:
    out = tmp_path / "out.pdf"
    done = esig_cli("sign", esig_sample_pdf, "-o", out, "--p12", keys["person"], *args)
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error:")
    assert form in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


# --- esig evidence show, and the evidence record in esig verify -------------------------

ANNA = Signatory(name="Anna de Vries", email="anna@example.org")


@pytest.fixture
def email_sealed(
    esig_sample_pdf: Path,
    esig_smtp_server: LocalSmtpServer,
    signers: TestSigners,
    tmp_path: Path,
) -> Path:
    session = EvidenceSession(
        esig_sample_pdf, signatory=ANNA, method=EvidenceMethod.EMAIL_CODE, platform="Acme Sign"
    )
    session.present()
    session.acknowledge(session.disclosure.content_hash)
    codes = OneTimeCodes()
    challenge, code = codes.issue(CodeChannel.EMAIL, "anna@example.org")
    settings = SmtpSettings(
        host=esig_smtp_server.host, port=esig_smtp_server.port, sender="sign@acme.example"
    )
    EmailCodeSender(settings).send_code(challenge, code, document_name="sample.pdf")
    typed = re.search(r"\b(\d{6})\b", esig_smtp_server.messages[-1].body)
    assert typed is not None
    session.add_code(codes.verify(challenge.code_id, typed.group(1)))
    return session.seal(tmp_path / "sealed.pdf", signers.seal.device()).path


def test_evidence_show_prints_who_what_when_how(email_sealed: Path) -> None:
    done = esig_cli("evidence", "show", email_sealed)
    assert done.returncode == 0, done.stderr
    assert "Who:    Anna de Vries (anna@example.org)" in done.stdout
    assert "email one-time code" in done.stdout
    assert "sent by email to anna@example.org" in done.stdout
    assert "the seal extends exactly the document shown" in done.stdout
    as_json = esig_cli("evidence", "show", email_sealed, "--json")
    [item] = json.loads(as_json.stdout)
    assert item["record"]["who"]["name"] == "Anna de Vries"
    assert item["describes_signed_revision"] is True


def test_evidence_show_on_a_document_without_a_record_exits_1(
    esig_sample_pdf: Path, keys: dict[str, Path], tmp_path: Path
) -> None:
    plain = tmp_path / "plain.pdf"
    assert esig_cli("sign", esig_sample_pdf, "-o", plain, "--p12", keys["person"]).returncode == 0
    done = esig_cli("evidence", "show", plain)
    assert done.returncode == 1
    assert "holds no evidence record" in done.stdout
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"not a pdf")
    assert esig_cli("evidence", "show", garbage).returncode == 2


def test_verify_prints_the_evidence_record_finding(
    email_sealed: Path, keys: dict[str, Path], esig_sample_pdf: Path, tmp_path: Path
) -> None:
    done = esig_cli("verify", email_sealed, "--trust", keys["root"])
    assert done.returncode == 0, done.stdout
    [line] = [x for x in done.stdout.splitlines() if "[BES art. 3(e); BES art. 2(2)" in x]
    assert line.startswith("    PASS ")
    assert "Anna de Vries entered a one-time code sent by email to anna@example.org" in line
    assert "PAdES conformance: B-B reached" in done.stdout
    plain = tmp_path / "plain.pdf"
    esig_cli("sign", esig_sample_pdf, "-o", plain, "--p12", keys["person"])
    assert "one-time code" not in esig_cli("verify", plain, "--trust", keys["root"]).stdout


def test_verify_prints_the_long_term_line_only_when_validating_in_the_past(
    esig_sample_pdf: Path, keys: dict[str, Path], signers: TestSigners, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.pdf"
    esig_cli("sign", esig_sample_pdf, "-o", signed, "--p12", keys["person"])
    today = esig_cli("verify", signed, "--trust", keys["root"])
    assert today.returncode == 0
    assert "Long-term:" not in today.stdout
    expired = signers.person.certificate.not_valid_after_utc + dt.timedelta(days=30)
    at = expired.date().isoformat()
    later = esig_cli("verify", signed, "--trust", keys["root"], "--at", at)
    assert later.returncode == 1
    [line] = [x for x in later.stdout.splitlines() if "Long-term:" in x]
    assert f"not validated in the past as of {at} 00:00:00 UTC (offline" in line


# --- one source of risk texts --------------------------------------------------------------


def test_click_to_accept_risk_text_comes_from_the_disclosures() -> None:
    shown = evidence_disclosure(EvidenceMethod.CLICK_TO_ACCEPT)
    source = disclosure_for(SigningMethod.CLICK_TO_ACCEPT)
    assert (shown.title, shown.version, shown.text) == (source.title, source.version, source.text)
    assert shown.text != disclosure_for(SigningMethod.DRAWN).text
    assert "simple electronic signature" in shown.text
