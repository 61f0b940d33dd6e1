"""The portal in headless Chromium (Selenium): the owner, two signers, the download.

Screenshots of every step go to ``$ESIG_ARTEFACTS/portal`` (or the test's tmp folder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import esig
from esig.evidence import EvidenceMethod, evidence_disclosure, read_evidence_records
from esig.levels import Level
from esig.signing.disclosures import SigningMethod, disclosure_for
from esig.testing import real_part_missing, require_tool
from tests.portal.conftest import RunningPortal

selenium = pytest.importorskip("selenium", reason="install esig[portal]")
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ANNA, BEN = "anna@example.org", "ben@example.org"


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    root = os.environ.get("ESIG_ARTEFACTS")
    folder = (Path(root) if root else tmp_path / "artefacts") / "portal"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        real_part_missing("chromium and chromium-driver (Debian packages)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1400",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(tmp_path / "downloads")}
    )
    service = webdriver.ChromeService(executable_path=str(driver))
    browser = webdriver.Chrome(options=options, service=service)
    browser.implicitly_wait(5)
    try:
        yield browser
    finally:
        browser.quit()


WAIT_SECONDS = 60
"""Generous: a shared 2-core machine runs the whole suite beside the browser."""


def _wait_for(browser: WebDriver, element_id: str, text: str) -> None:
    """Wait until the page (after a click) shows ``text`` in the element ``element_id``."""

    def shows(driver: WebDriver) -> bool:
        try:
            return text in driver.find_element(By.ID, element_id).text
        except (StaleElementReferenceException, NoSuchElementException):
            return False

    WebDriverWait(browser, WAIT_SECONDS).until(shows)


def _click_then(browser: WebDriver, button_id: str, next_id: str) -> None:
    """Click ``button_id`` and wait until the next page, which has ``next_id``, is there.

    A click that submits a form returns before the answer has loaded; without the wait,
    the next ``get`` or ``current_url`` races the navigation (and loses on a busy machine).
    """
    old = browser.find_element(By.ID, button_id)
    old.click()

    def arrived(driver: WebDriver) -> bool:
        try:
            old.is_enabled()  # raises once the old page is gone
            return False
        except StaleElementReferenceException:
            pass
        try:
            driver.find_element(By.ID, next_id)
        except NoSuchElementException:
            return False
        return True

    WebDriverWait(browser, WAIT_SECONDS).until(arrived)


def _shot(browser: WebDriver, folder: Path, name: str) -> None:
    browser.save_screenshot(str(folder / f"{name}.png"))


def _new_signer_window(browser: WebDriver) -> None:
    """Forget the cookies: each signer comes with their own browser."""
    browser.delete_all_cookies()


def _acknowledge(browser: WebDriver, next_id: str) -> None:
    browser.find_element(By.ID, "ack-box").click()
    _click_then(browser, "acknowledge", next_id)


def test_owner_and_two_signers_in_chromium(
    running_portal: RunningPortal,
    browser: WebDriver,
    artefacts: Path,
    esig_sample_pdf: Path,
    tmp_path: Path,
) -> None:
    portal = running_portal
    browser.get(portal.url + "/")
    browser.find_element(By.ID, "owner-email").send_keys("owner@acme.example")
    _click_then(browser, "login", "title")

    browser.find_element(By.ID, "title").send_keys("Lease of 1 May 2026")
    browser.find_element(By.ID, "document").send_keys(str(esig_sample_pdf))
    for i, (name, email, method) in enumerate(
        [("Anna de Vries", ANNA, "email_code"), ("Ben Martis", BEN, "drawn")], start=1
    ):
        browser.find_element(By.ID, f"name{i}").send_keys(name)
        browser.find_element(By.ID, f"email{i}").send_keys(email)
        browser.find_element(By.CSS_SELECTOR, f"#method{i} option[value={method}]").click()
    _shot(browser, artefacts, "1-owner-upload")
    _click_then(browser, "upload", "send")
    envelope_url = browser.current_url
    browser.find_element(By.ID, "send").click()
    _wait_for(browser, "status", "sent")
    _shot(browser, artefacts, "2-owner-sent")

    # Anna: the link from her mailbox, the pages, the disclosure, a code by email
    _new_signer_window(browser)
    browser.get(portal.link_for(ANNA))
    assert browser.find_elements(By.CSS_SELECTOR, "img.page")
    shown = evidence_disclosure(EvidenceMethod.EMAIL_CODE)  # BES art. 2(2)
    assert browser.find_element(By.ID, "disclosure").text.startswith(shown.title)
    _shot(browser, artefacts, "3-signer-disclosure")
    _acknowledge(browser, "send-code")
    _click_then(browser, "send-code", "code")
    browser.find_element(By.ID, "code").send_keys(portal.code_for(ANNA))
    _shot(browser, artefacts, "4-signer-code")
    browser.find_element(By.ID, "sign").click()
    _wait_for(browser, "done", "Thank you, Anna de Vries")

    # Ben: draws on the canvas with synthetic mouse strokes
    _new_signer_window(browser)
    browser.get(portal.link_for(BEN))
    _acknowledge(browser, "pad")
    pad = browser.find_element(By.ID, "pad")
    chain = ActionChains(browser).move_to_element_with_offset(pad, -150, 20).click_and_hold()
    for dx, dy in [(30, -40), (30, 40), (40, -30), (50, 30), (60, -20)]:
        chain = chain.move_by_offset(dx, dy)
    chain.release().perform()
    ActionChains(browser).move_to_element_with_offset(pad, 50, 40).click_and_hold().move_by_offset(
        80, 5
    ).release().perform()
    _shot(browser, artefacts, "5-signer-drawing")
    browser.find_element(By.ID, "sign").click()
    _wait_for(browser, "done", "Thank you, Ben Martis")

    # the owner again (their cookie was cleared with the signers' windows)
    browser.delete_all_cookies()
    browser.get(portal.url + "/")
    browser.find_element(By.ID, "owner-email").send_keys("owner@acme.example")
    _click_then(browser, "login", "title")
    browser.get(envelope_url)
    _wait_for(browser, "status", "completed")
    levels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "td.level")]
    assert levels == ["SES", "SES"]
    _shot(browser, artefacts, "6-owner-completed")
    browser.find_element(By.ID, "download").click()
    downloaded = tmp_path / "downloads"
    for _ in range(100):
        found = [p for p in downloaded.glob("*.pdf")] if downloaded.is_dir() else []
        if found:
            break
        time.sleep(0.1)
    assert found, "the download did not arrive"
    signed = found[0]

    report = esig.verify_pdf(signed, trust=portal.config.trust)  # type: ignore[arg-type]
    assert [s.indication for s in report.signatures] == [esig.Indication.TOTAL_PASSED] * 2
    assert [s.level.level for s in report.signatures] == [Level.SES, Level.SES]
    records = read_evidence_records(signed)
    assert [r.record.method for r in records] == [EvidenceMethod.EMAIL_CODE, EvidenceMethod.DRAWN]
    drawing = records[1].record.how[-1]
    assert drawing.kind == "drawn" and sum(len(s) for s in drawing.strokes) >= 6  # type: ignore[union-attr]
    pdfsig = subprocess.run(
        [require_tool("pdfsig"), str(signed)], capture_output=True, text=True, check=False
    ).stdout
    assert pdfsig.count("Signature is Valid.") == 2, pdfsig
    assert {p.name for p in artefacts.glob("*.png")} >= {
        "1-owner-upload.png",
        "2-owner-sent.png",
        "3-signer-disclosure.png",
        "4-signer-code.png",
        "5-signer-drawing.png",
        "6-owner-completed.png",
    }


def _widget_rect(path: Path, field: str) -> tuple[float, ...]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    with path.open("rb") as handle:
        for ref in PdfFileReader(handle).root["/AcroForm"]["/Fields"]:
            found = ref.get_object()
            if found["/T"] == field:
                return tuple(round(float(v)) for v in found["/Rect"])
    raise AssertionError(f"no field {field}")


def _download(browser: WebDriver, folder: Path) -> Path:
    browser.find_element(By.ID, "download").click()
    deadline = time.monotonic() + WAIT_SECONDS  # the owner's page verifies: slow when busy
    while time.monotonic() < deadline:
        found = list(folder.glob("*.pdf")) if folder.is_dir() else []
        if found and not list(folder.glob("*.crdownload")):
            return found[0]
        time.sleep(0.1)
    raise AssertionError("the download did not arrive")


def test_email_code_eid_remote_and_sms_signers_and_a_dragged_box_in_chromium(
    full_portal: RunningPortal,
    browser: WebDriver,
    artefacts: Path,
    esig_sample_pdf: Path,
    tmp_path: Path,
) -> None:
    portal = full_portal
    assert portal.hsm is not None and portal.csc is not None
    anna, eva, carla = "anna@example.org", "eva@example.org", "carla@example.org"
    sara, sara_phone = "sara@example.org", "+59977012345"
    browser.get(portal.url + "/")
    browser.find_element(By.ID, "owner-email").send_keys("owner@acme.example")
    _click_then(browser, "login", "title")
    browser.find_element(By.ID, "title").send_keys("Sale of a boat")
    browser.find_element(By.ID, "document").send_keys(str(esig_sample_pdf))
    signers = [
        ("Anna de Vries", anna, "email_code"),
        ("Eva Card", eva, "eid"),
        ("Carla Elliptic", carla, "remote"),
        ("Sara Sms", sara, "sms_code"),
    ]
    for i, (name, email, method) in enumerate(signers, start=1):
        browser.find_element(By.ID, f"name{i}").send_keys(name)
        browser.find_element(By.ID, f"email{i}").send_keys(email)
        if method == "sms_code":
            browser.find_element(By.ID, f"phone{i}").send_keys(sara_phone)
        browser.find_element(By.CSS_SELECTOR, f"#method{i} option[value={method}]").click()
    _click_then(browser, "upload", "box1")
    envelope_url = browser.current_url

    # the owner drags Anna's box 100 px right and 200 px up: one pixel is one point
    assert "(40, 60)–(170, 120)" in browser.find_element(By.ID, "box-cell1").text
    box = browser.find_element(By.ID, "box1")
    ActionChains(browser).click_and_hold(box).move_by_offset(50, -100).move_by_offset(
        50, -100
    ).release().perform()
    _wait_for(browser, "box-cell1", "(140, 260)–(270, 320)")
    _shot(browser, artefacts, "7-owner-places-boxes")
    browser.find_element(By.ID, "send").click()
    _wait_for(browser, "status", "sent")

    _new_signer_window(browser)
    browser.get(portal.link_for(anna))
    _acknowledge(browser, "send-code")
    _click_then(browser, "send-code", "code")
    browser.find_element(By.ID, "code").send_keys(portal.code_for(anna))
    browser.find_element(By.ID, "sign").click()
    _wait_for(browser, "done", "Thank you, Anna de Vries")

    # Eva: her eID card's PIN (the card reader middleware is the portal's SoftHSM2 token)
    _new_signer_window(browser)
    browser.get(portal.link_for(eva))
    shown = disclosure_for(SigningMethod.SMART_CARD)  # BES art. 2(2)
    assert browser.find_element(By.ID, "disclosure").text.startswith(shown.title)
    _acknowledge(browser, "pin")
    browser.find_element(By.ID, "pin").send_keys(portal.hsm.pin)
    _shot(browser, artefacts, "8-signer-eid-pin")
    browser.find_element(By.ID, "sign").click()
    _wait_for(browser, "done", "Thank you, Eva Card")

    # Carla: her credential at the remote signing service and its PIN
    _new_signer_window(browser)
    browser.get(portal.link_for(carla))
    _acknowledge(browser, "credential")
    browser.find_element(By.ID, "credential").send_keys(portal.csc.ec_credential_id)
    browser.find_element(By.ID, "pin").send_keys("4711")
    _shot(browser, artefacts, "9-signer-remote")
    browser.find_element(By.ID, "sign").click()
    _wait_for(browser, "done", "Thank you, Carla Elliptic")

    # Sara: a code by SMS, read from the gateway's messages (never by email)
    _new_signer_window(browser)
    browser.get(portal.link_for(sara))
    _acknowledge(browser, "send-code")
    _click_then(browser, "send-code", "code")
    browser.find_element(By.ID, "code").send_keys(portal.code_for(sara_phone))
    browser.find_element(By.ID, "sign").click()
    _wait_for(browser, "done", "Thank you, Sara Sms")
    assert portal.mail_to(sara, "signing code") == []

    browser.delete_all_cookies()
    browser.get(portal.url + "/")
    browser.find_element(By.ID, "owner-email").send_keys("owner@acme.example")
    _click_then(browser, "login", "title")
    browser.get(envelope_url)
    _wait_for(browser, "status", "completed")
    _shot(browser, artefacts, "10-owner-every-method")
    signed = _download(browser, tmp_path / "downloads")

    report = esig.verify_pdf(signed, trust=portal.config.trust, allow_fetching=True)
    assert [s.indication for s in report.signatures] == [esig.Indication.TOTAL_PASSED] * 4
    assert [s.level.eidas_level for s in report.signatures] == [
        Level.SES,  # email code: the platform's seal
        Level.AES,  # eID card (non-qualified test PKI)
        Level.AES,  # remote credential (non-qualified test PKI)
        Level.SES,  # SMS code: the platform's seal
    ]
    shown_levels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "td.level")]
    # the owner sees the level, and eIDAS's where it differs (the card signs at B-B; the
    # remote service has a TSA, so B-LT)
    assert shown_levels == ["SES", "SES (eIDAS: AES)", "AES", "SES"]
    assert _widget_rect(signed, "Signer1") == (140, 260, 270, 320)  # where it was dropped
    assert _widget_rect(signed, "Signer2") == (175, 60, 305, 120)  # where the form put it
    pdfsig = subprocess.run(
        [require_tool("pdfsig"), str(signed)], capture_output=True, text=True, check=False
    ).stdout
    assert pdfsig.count("Signature is Valid.") == 4, pdfsig
