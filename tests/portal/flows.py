"""A signer's steps through the portal's HTTP API (what the browser does, without the browser)."""

from __future__ import annotations

import base64
import io
import json
import re

import httpx
from PIL import Image, ImageDraw

from tests.portal.conftest import RunningPortal, csrf_of

HASH = re.compile(r'name="content_hash" value="([0-9a-f]{64})"')


def signer_client(portal: RunningPortal, link: str) -> tuple[httpx.Client, httpx.Response]:
    """A fresh browser-like client that opened ``link``."""
    client = httpx.Client(follow_redirects=True, timeout=60, trust_env=False)
    return client, client.get(link)


def acknowledge(client: httpx.Client, page: httpx.Response) -> httpx.Response:
    found = HASH.search(page.text)
    assert found is not None, page.text[:400]
    url = str(page.url).rsplit("/signing", 1)[0]
    return client.post(
        f"{url}/signing/acknowledge",
        data={"csrf": csrf_of(page.text), "content_hash": found.group(1)},
    )


def sign_with_code(portal: RunningPortal, link: str, email: str) -> httpx.Response:
    client, page = signer_client(portal, link)
    page = acknowledge(client, page)
    page = client.post(f"{portal.url}/signing/code/send", data={"csrf": csrf_of(page.text)})
    return client.post(
        f"{portal.url}/signing/code",
        data={"csrf": csrf_of(page.text), "code": portal.code_for(email)},
    )


def drawing() -> tuple[str, str]:
    """A drawn signature as the canvas script posts it: PNG data URL and stroke JSON."""
    image = Image.new("RGBA", (400, 140), (0, 0, 0, 0))
    points = [(20, 100), (80, 30), (140, 90), (220, 40), (380, 70)]
    ImageDraw.Draw(image).line(points, fill=(11, 42, 138, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    strokes = [[[x, y, i * 15] for i, (x, y) in enumerate(points)]]
    return url, json.dumps(strokes)


def sign_with_drawing(portal: RunningPortal, link: str) -> httpx.Response:
    client, page = signer_client(portal, link)
    page = acknowledge(client, page)
    png, strokes = drawing()
    return client.post(
        f"{portal.url}/signing/draw",
        data={"csrf": csrf_of(page.text), "png": png, "strokes": strokes},
    )


def sign_with_key(
    portal: RunningPortal, link: str, pin: str, credential: str = ""
) -> httpx.Response:
    """Sign with an eID card's PIN, or a remote credential and its PIN."""
    client, page = signer_client(portal, link)
    page = acknowledge(client, page)
    return client.post(
        f"{portal.url}/signing/key",
        data={"csrf": csrf_of(page.text), "pin": pin, "credential": credential},
    )
