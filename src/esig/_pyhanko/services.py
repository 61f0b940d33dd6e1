"""Online services for pyHanko (TSA, OCSP, CRL), watched so that a failure names its URL.

pyHanko reports a failing service in many shapes: a ``TimestampRequestError``, a
``SigningError`` whose cause is a path validation error, or nothing at all when a
fetch failure is tolerated. Here every request goes through esig's own clients, which
record each failure (the service, its URL, and what went wrong) in a
:class:`ServiceMonitor`; :func:`service_error` turns the first one into an
:class:`~esig.errors.ServiceError`. A failure that pyHanko tolerated still counts: a
signature that was asked for with validation data must not silently lack some.
"""

from __future__ import annotations

import asyncio
import hmac
import http.client
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

from asn1crypto import cms, tsp
from cryptography import x509
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import Fetchers
from pyhanko_certvalidator.fetchers.common_utils import FetchBudget
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.fetchers.requests_fetchers.cert_fetch_client import (
    RequestsCertificateFetcher,
)
from pyhanko_certvalidator.fetchers.requests_fetchers.crl_client import RequestsCRLFetcher
from pyhanko_certvalidator.fetchers.requests_fetchers.ocsp_client import RequestsOCSPFetcher

from esig._pyhanko.signer import anchors_asn1, to_asn1
from esig.errors import ServiceError, ServiceKind
from esig.model.baseline import TimestampService, ValidationServices

__all__ = [
    "MonitoredTimeStamper",
    "ServiceFault",
    "ServiceMonitor",
    "default_anchors",
    "service_error",
    "validation_context",
]

_MAX_TSA_RESPONSE = 1 << 20
"""A time-stamp response is a few kilobytes; anything above this is not one."""


class ServiceFault(Exception):
    """One failure of one service, raised by esig's clients inside pyHanko's machinery."""

    def __init__(self, kind: ServiceKind, url: str, reason: str) -> None:
        self.kind = kind
        self.url = url
        self.reason = reason
        super().__init__(f"The {kind.value} at {url} {reason}")

    def to_error(self) -> ServiceError:
        """The public error for this fault."""
        return ServiceError(
            f"{self}; nothing was signed or written",
            service=self.url,
            kind=self.kind,
            reason=self.reason,
        )


class ServiceMonitor:
    """Collects the service failures of one operation, in the order they happened."""

    def __init__(self) -> None:
        self.faults: list[ServiceFault] = []

    def record(self, fault: ServiceFault) -> ServiceFault:
        """Remember ``fault`` and return it (to be raised)."""
        self.faults.append(fault)
        return fault


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def service_error(exc: BaseException | None, monitor: ServiceMonitor) -> ServiceError | None:
    """The :class:`ServiceError` behind ``exc`` (or any failure recorded), if there is one."""
    for link in _chain(exc):
        if isinstance(link, ServiceFault):
            return link.to_error()
    if monitor.faults:
        return monitor.faults[0].to_error()
    return None


def _reason(exc: BaseException, timeout: float, what: str) -> str:
    """Describe a failed request in words, from the exception and its causes."""
    links = list(_chain(exc))
    if any(isinstance(e, TimeoutError) or "timed out" in str(e).lower() for e in links):
        return f"did not answer within {timeout:g} s"
    for link in links:
        text = str(link)
        if text.startswith("status code "):
            return f"answered HTTP {text.removeprefix('status code ')}"
    if any(isinstance(e, ConnectionRefusedError) for e in links):
        return "cannot be reached (connection refused)"
    if any(isinstance(e, http.client.HTTPException | ConnectionError) for e in links):
        return "broke off the connection or did not answer in HTTP"
    if any(isinstance(e, OSError) and not isinstance(e, TimestampRequestError) for e in links):
        return f"cannot be reached ({exc})"
    return f"answered with something that is not {what}"


# --- time-stamping --------------------------------------------------------------------


class MonitoredTimeStamper(TimeStamper):
    """pyHanko's RFC 3161 client, with a timeout, strict checks and named failures."""

    def __init__(self, service: TimestampService, monitor: ServiceMonitor) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._service = service
        self._monitor = monitor

    def _fault(self, reason: str) -> ServiceFault:
        return self._monitor.record(ServiceFault(ServiceKind.TSA, self._service.url, reason))

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Post ``req`` to the service and read an RFC 3161 response, or fail by name."""
        return await asyncio.to_thread(self._post, req.dump())

    def _post(self, body: bytes) -> tsp.TimeStampResp:
        service = self._service
        request = urllib.request.Request(
            service.url,
            data=body,
            headers={
                "Content-Type": "application/timestamp-query",
                "Accept": "application/timestamp-reply",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=service.timeout) as response:
                content_type = response.headers.get_content_type()
                data: bytes = response.read(_MAX_TSA_RESPONSE + 1)
        except urllib.error.HTTPError as exc:
            raise self._fault(f"answered HTTP {exc.code}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise self._fault(_reason(exc, service.timeout, "a time-stamp response")) from None
        if content_type != "application/timestamp-reply":
            raise self._fault(f"answered with {content_type}, not with a time-stamp reply")
        if len(data) > _MAX_TSA_RESPONSE:
            raise self._fault("answered with far more data than a time-stamp response holds")
        try:
            response_asn1 = tsp.TimeStampResp.load(data, strict=True)
            response_asn1.native  # noqa: B018 - parse all of it now, not somewhere in pyHanko
        except (ValueError, TypeError, KeyError, IndexError, OverflowError):
            raise self._fault(
                "answered with data that is not an RFC 3161 time-stamp response"
            ) from None
        return response_asn1

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        """A time-stamp token for ``message_digest``, checked to be for that digest."""
        try:
            token: cms.ContentInfo = await super().async_timestamp(message_digest, md_algorithm)
            info = token["content"]["encap_content_info"]["content"].parsed
            imprint: bytes = info["message_imprint"]["hashed_message"].native
        except ServiceFault:
            raise
        except TimestampRequestError as exc:
            raise self._fault(f"refused the request ({exc})") from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            raise self._fault("answered with a time-stamp token that cannot be read") from None
        if not hmac.compare_digest(imprint, message_digest):
            raise self._fault("answered with a time-stamp token for other data")
        return token


# --- revocation information --------------------------------------------------------------


class _OCSPFetcher(RequestsOCSPFetcher):
    def __init__(self, monitor: ServiceMonitor, timeout: float, budget: FetchBudget) -> None:
        super().__init__(per_request_timeout=timeout, budget=budget)
        self._monitor = monitor
        self._timeout = timeout

    async def _fetch_single(self, ocsp_url: str, ocsp_request: Any) -> Any:
        try:
            return await super()._fetch_single(ocsp_url, ocsp_request)  # type: ignore[no-untyped-call]
        except Exception as exc:
            reason = _reason(exc, self._timeout, "an OCSP response")
            if "returned an error" in str(exc):
                reason = f"refused to answer ({exc})"
            raise self._monitor.record(ServiceFault(ServiceKind.OCSP, ocsp_url, reason)) from exc


class _CRLFetcher(RequestsCRLFetcher):
    def __init__(self, monitor: ServiceMonitor, timeout: float, budget: FetchBudget) -> None:
        super().__init__(per_request_timeout=timeout, budget=budget)  # type: ignore[no-untyped-call]
        self._monitor = monitor
        self._timeout = timeout

    async def _fetch_single(self, url: str) -> Any:
        try:
            return await super()._fetch_single(url)  # type: ignore[no-untyped-call]
        except Exception as exc:
            reason = _reason(exc, self._timeout, "a CRL")
            raise self._monitor.record(ServiceFault(ServiceKind.CRL, url, reason)) from exc


class _CertificateFetcher(RequestsCertificateFetcher):
    def __init__(self, monitor: ServiceMonitor, timeout: float, budget: FetchBudget) -> None:
        super().__init__(per_request_timeout=timeout, budget=budget)
        self._monitor = monitor
        self._timeout = timeout

    async def fetch_certs(self, url: str, url_origin_type: str) -> Any:
        try:
            return await super().fetch_certs(url, url_origin_type)  # type: ignore[no-untyped-call]
        except Exception as exc:
            reason = _reason(exc, self._timeout, "a certificate")
            raise self._monitor.record(ServiceFault(ServiceKind.CA_ISSUERS, url, reason)) from exc


class _MonitoredBackend(RequestsFetcherBackend):
    def __init__(self, monitor: ServiceMonitor, timeout: float) -> None:
        super().__init__(per_request_timeout=timeout)
        self._monitor = monitor

    def get_fetchers(self) -> Fetchers:
        budget = FetchBudget(self.limits)
        timeout = self.per_request_timeout
        return Fetchers(
            ocsp_fetcher=_OCSPFetcher(self._monitor, timeout, budget),
            crl_fetcher=_CRLFetcher(self._monitor, timeout, budget),
            cert_fetcher=_CertificateFetcher(self._monitor, timeout, budget),
        )


def default_anchors(certificates: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The self-signed certificates among ``certificates``, without duplicates."""
    found: list[x509.Certificate] = []
    for cert in certificates:
        if cert.issuer == cert.subject and cert not in found:
            found.append(cert)
    return tuple(found)


def validation_context(
    services: ValidationServices,
    monitor: ServiceMonitor,
    *,
    fallback_anchors: Sequence[x509.Certificate] = (),
    other_certs: Sequence[x509.Certificate] = (),
) -> ValidationContext:
    """A context that fetches revocation data through monitored clients (hard-fail).

    ``fallback_anchors`` are used when ``services`` names no trust anchor.
    """
    anchors = services.trust or tuple(fallback_anchors)
    return ValidationContext(
        trust_roots=anchors_asn1(anchors),
        other_certs=[to_asn1(c) for c in other_certs],
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=_MonitoredBackend(monitor, services.timeout),
    )
