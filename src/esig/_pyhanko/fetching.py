"""How esig fetches revocation data and certificates when a validation may go online.

pyhanko-certvalidator picks aiohttp when it is installed and nobody closes that client
session, so asyncio printed ``Unclosed client session`` on stderr after every fetching
validation. esig always gives its contexts the requests backend, which holds no
session between calls.
"""

from __future__ import annotations

from pyhanko_certvalidator.fetchers.api import FetcherBackend
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

__all__ = ["FETCH_TIMEOUT", "fetcher_backend"]

FETCH_TIMEOUT = 10.0
"""Seconds per OCSP, CRL or certificate request during validation."""


def fetcher_backend(allow_fetching: bool) -> FetcherBackend | None:
    """The backend for a validation context (None when it never fetches)."""
    return RequestsFetcherBackend(per_request_timeout=FETCH_TIMEOUT) if allow_fetching else None
