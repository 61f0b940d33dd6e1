"""The portal under test: a real uvicorn server on 127.0.0.1, a real SMTP server, esig."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from esig.testing import real_part_missing
from esig.testing.csc import LocalCscService
from esig.testing.sms import LocalSmsGateway
from esig.testing.smtp import LocalSmtpServer
from esig.testing.softhsm import SoftHsm, SoftHsmTokens

for _module in ("fastapi", "uvicorn", "sqlalchemy", "httpx", "multipart", "jinja2"):
    if importlib.util.find_spec(_module) is None:  # pragma: no cover - install esig[portal]
        real_part_missing(f"{_module} (install esig[portal])")

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from examples.portal import create_app  # noqa: E402
from examples.portal.demo import demo_config  # noqa: E402
from examples.portal.service import Portal, PortalConfig  # noqa: E402

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]+)")
CODE = re.compile(r"\b(\d{6})\b")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Clock:
    """The portal's clock, moved by a test to expire links."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None) + self.offset


@dataclass
class RunningPortal:
    """A portal serving on 127.0.0.1 and its mailbox."""

    url: str
    smtp: LocalSmtpServer
    config: PortalConfig
    portal: Portal
    clock: Clock
    sms: LocalSmsGateway | None = None
    hsm: SoftHsm | None = None
    csc: LocalCscService | None = None

    def mail_to(self, address: str, subject_part: str) -> list[str]:
        """Bodies of the messages to ``address`` whose subject contains ``subject_part``."""
        return [
            m.body
            for m in self.smtp.messages
            if address in m.recipients and subject_part in str(m.message["Subject"])
        ]

    def link_for(self, address: str) -> str:
        """The newest invitation link sent to ``address``."""
        for _ in range(100):
            bodies = self.mail_to(address, "Please sign")
            if bodies:
                found = LINK.search(bodies[-1])
                assert found is not None
                return found.group(1)
            time.sleep(0.05)
        raise AssertionError(f"no invitation reached {address}")

    def code_for(self, address: str) -> str:
        """The newest one-time code sent to ``address`` (an email address or a phone)."""
        if address.startswith("+"):
            assert self.sms is not None
            texts = [m.text for m in self.sms.messages_to(address)]
        else:
            texts = self.mail_to(address, "signing code")
        assert texts, f"no code reached {address}"
        found = CODE.search(texts[-1])
        assert found is not None
        return found.group(1)


@contextlib.contextmanager
def serve_portal(
    folder: Path,
    *,
    hsm: SoftHsm | None = None,
    eid_token: str = "",
    csc: LocalCscService | None = None,
    sms: LocalSmsGateway | None = None,
) -> Iterator[RunningPortal]:
    """The portal on a free port of 127.0.0.1 with a mail server and the parts given."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    clock = Clock()
    with LocalSmtpServer() as smtp:
        config = demo_config(
            folder,
            smtp.host,
            smtp.port,
            url,
            hsm=hsm,
            eid_token=eid_token,
            csc=csc,
            sms_url=None if sms is None else sms.url,
        )
        config.clock = clock
        config.max_upload_bytes = 5 * 1024 * 1024
        app = create_app(config, mailbox=lambda: smtp.messages)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        assert server.started
        try:
            yield RunningPortal(url, smtp, config, app.state.portal, clock, sms, hsm, csc)
        finally:
            server.should_exit = True
            thread.join(10)


@pytest.fixture
def running_portal(tmp_path: Path) -> Iterator[RunningPortal]:
    """The portal with email codes and drawings only."""
    with serve_portal(tmp_path / "portal") as portal:
        yield portal


@pytest.fixture
def full_portal(
    tmp_path: Path,
    esig_softhsm: SoftHsmTokens,
    esig_csc_server: LocalCscService,
    esig_sms_gateway: LocalSmsGateway,
) -> Iterator[RunningPortal]:
    """The portal with every method: SMS codes, eID cards (SoftHSM2), remote (CSC).

    The signers' eID keys go on the session's workbench SoftHSM2 token, the one for
    tests that generate keys (a new token would re-initialise the module under the other
    tests' sessions; the standard token keeps its keys for the PKCS#11 tests).
    """
    with serve_portal(
        tmp_path / "portal",
        hsm=esig_softhsm.hsm,
        eid_token=esig_softhsm.workbench.label,
        csc=esig_csc_server,
        sms=esig_sms_gateway,
    ) as portal:
        yield portal


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, html[:500]
    return found.group(1)


def owner_client(portal: RunningPortal, email: str = "owner@acme.example") -> httpx.Client:
    """An httpx client logged in as an owner."""
    client = httpx.Client(base_url=portal.url, follow_redirects=True, timeout=60, trust_env=False)
    assert client.post("/login", data={"email": email}).status_code == 200
    return client


def upload(
    client: httpx.Client, pdf: bytes, signers: list[tuple[str, ...]], title: str = "Lease"
) -> httpx.Response:
    """Upload ``pdf`` with ``signers`` as (name, email, method[, phone]) in order."""
    csrf = csrf_of(client.get("/").text)
    data = {"csrf": csrf, "title": title}
    for i, (name, email, method, *phone) in enumerate(signers, start=1):
        data |= {
            f"name{i}": name,
            f"email{i}": email,
            f"method{i}": method,
            f"phone{i}": phone[0] if phone else "",
            f"page{i}": "1",
            f"x{i}": str(40 + (i - 1) * 135),
            f"y{i}": "60",
            f"w{i}": "130",
            f"h{i}": "60",
        }
    return client.post(
        "/envelopes", data=data, files={"document": ("lease.pdf", pdf, "application/pdf")}
    )


ENV_CHROMIUM = os.environ.get("ESIG_CHROMIUM", "/usr/bin/chromium")
