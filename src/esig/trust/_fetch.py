"""Fetch one trusted list over HTTP(S): a timeout, a size cap, no other URL scheme.

urllib from the standard library, with only the HTTP and HTTPS handlers (and the
environment's proxy settings): a ``file:``, ``ftp:`` or ``data:`` URL is refused, and so
is a redirect to one. The body is read in chunks and abandoned as soon as it passes the
size cap (or the ``Content-Length`` announces more); the whole transfer must finish
within the timeout, which also bounds every connect and read. Every failure is a
:class:`~esig.model.trusted_lists.TrustedListError` that names the URL and what happened.
"""

from __future__ import annotations

import datetime as dt
import http.client
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import IO, Any

from esig.model.trusted_lists import TrustedListError

__all__ = ["Fetched", "check_url", "fetch"]

_CHUNK = 64 * 1024
_SCHEMES = frozenset({"http", "https"})
_USER_AGENT = "esig trusted-list sync (ETSI TS 119 612)"


@dataclass(frozen=True)
class Fetched:
    """The body of one successful fetch."""

    url: str
    data: bytes
    fetched: dt.datetime


def check_url(url: str) -> str:
    """``url`` stripped, when it is an absolute http(s) URL.

    Raises:
        TrustedListError: Any other scheme, or no host.

    """
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in _SCHEMES or not parts.netloc:
        raise TrustedListError(
            f"{url!r} is not an http(s) URL; trusted lists are fetched over HTTP or HTTPS only"
        )
    return url


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only."""

    def redirect_request(  # noqa: PLR0917 - urllib's signature
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(context=ssl.create_default_context()),
        urllib.request.HTTPDefaultErrorHandler(),
        _RedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _read(response: Any, url: str, max_size: int, deadline: float, timeout: float) -> bytes:
    announced = response.headers.get("Content-Length")
    if announced and announced.strip().isdigit() and int(announced) > max_size:
        raise TrustedListError(
            f"{url} announces {int(announced)} bytes, more than the limit of {max_size} bytes"
        )
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_size:
            raise TrustedListError(
                f"{url} sent more than the limit of {max_size} bytes; the transfer was stopped"
            )
        if time.monotonic() > deadline:
            raise TrustedListError(f"{url} did not finish sending within {timeout:g} s")
        chunks.append(chunk)


def fetch(url: str, *, timeout: float, max_size: int) -> Fetched:
    """GET ``url`` (http or https) within ``timeout`` seconds and at most ``max_size`` bytes.

    Raises:
        TrustedListError: Not an http(s) URL, no answer in time, an HTTP error status, a
            body over the cap, or any network or TLS failure (the message says which).

    """
    url = check_url(url)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": _USER_AGENT,
            "Accept": "application/vnd.etsi.tsl+xml, application/xml, text/xml;q=0.9, */*;q=0.1",
        },
    )
    deadline = time.monotonic() + timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            data = _read(response, url, max_size, deadline, timeout)
    except TrustedListError:
        raise
    except urllib.error.HTTPError as exc:
        raise TrustedListError(f"{url} answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            raise TrustedListError(f"{url} did not answer within {timeout:g} s") from None
        if isinstance(reason, TrustedListError):  # pragma: no cover - raised by a redirect
            raise reason from None
        raise TrustedListError(f"{url} cannot be reached: {reason}") from None
    except TimeoutError:
        raise TrustedListError(f"{url} did not answer within {timeout:g} s") from None
    except ssl.SSLError as exc:
        raise TrustedListError(f"{url}: the TLS connection failed ({exc.reason})") from None
    except (http.client.HTTPException, ConnectionError) as exc:
        raise TrustedListError(
            f"{url} sent a broken HTTP response ({type(exc).__name__}: {exc})"
        ) from None
    except (OSError, ValueError) as exc:
        raise TrustedListError(f"{url} cannot be fetched: {exc}") from None
    return Fetched(url=url, data=data, fetched=dt.datetime.now(dt.UTC))
