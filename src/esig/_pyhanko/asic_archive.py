"""Archive timestamps of ASiC-E containers with CAdES (EN 319 162-1 §4.4.3), through pyHanko.

Three things the container code needs and pyHanko knows how to do:

- :func:`timestamp_bytes`: an RFC 3161 token over the bytes of an archive manifest, from
  the time-stamping service (esig's monitored client, named failures);
- :func:`with_long_term_data`: a CAdES signature or an earlier archive timestamp token
  with the certificates, OCSP responses and CRLs of its paths added to its SignedData
  (the B-LT material, as :func:`esig._pyhanko.cades.sign_cades` adds it at signing);
- :func:`check_timestamp`: an archive timestamp token validated against the manifest's
  bytes with pyHanko's time-stamp validation (imprint, token signature, TSA path).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from esig._pyhanko.cades import add_validation_data
from esig._pyhanko.cades_validate import load_signed_data
from esig._pyhanko.documents import MALFORMED
from esig._pyhanko.fetching import fetcher_backend
from esig._pyhanko.long_term import TimestampFacts, timestamp_facts
from esig._pyhanko.services import (
    MonitoredTimeStamper,
    ServiceFault,
    ServiceMonitor,
    service_error,
)
from esig._pyhanko.signer import anchors_asn1, from_asn1
from esig.devices.base import DigestAlgorithm
from esig.errors import InputError, SigningError
from esig.model.baseline import TimestampService, ValidationServices

__all__ = [
    "ArchiveTimestampCheck",
    "check_timestamp",
    "timestamp_bytes",
    "timestamp_digest",
    "with_long_term_data",
]


async def timestamp_bytes(
    data: bytes, service: TimestampService, algorithm: DigestAlgorithm
) -> bytes:
    """The DER of an RFC 3161 token whose message imprint is the digest of ``data``.

    Raises:
        ServiceError: The time-stamping service failed or answered for other data.

    """
    return await timestamp_digest(hashlib.new(algorithm.value, data).digest(), service, algorithm)


async def timestamp_digest(
    digest: bytes, service: TimestampService, algorithm: DigestAlgorithm
) -> bytes:
    """The DER of an RFC 3161 token whose message imprint is ``digest``.

    Raises:
        ServiceError: The time-stamping service failed or answered for other data.

    """
    monitor = ServiceMonitor()
    stamper = MonitoredTimeStamper(service, monitor)
    try:
        token = await stamper.async_timestamp(digest, algorithm.value)
    except ServiceFault as fault:
        raise fault.to_error() from None
    except PyHankoSigningError as exc:
        raise service_error(exc, monitor) or SigningError(
            f"The archive timestamp could not be obtained: {exc}"
        ) from None
    der: bytes = token.dump()
    return der


async def with_long_term_data(
    der: bytes,
    services: ValidationServices,
    *,
    name: str,
    timestamp_token: bool = False,
    pool: Sequence[bytes] = (),
) -> bytes:
    """A CAdES signature (or, ``timestamp_token``, an RFC 3161 token) with its B-LT data.

    ``pool``: other CMS objects of the container (signatures, tokens) whose certificates
    may be the issuers (an archive timestamp token carries only the TSA's certificate).

    Raises:
        InputError: ``der`` is not a CMS SignedData.
        ServiceError: An OCSP responder or a CRL server failed.
        SigningError: A path to a trust anchor cannot be validated.

    """
    signed_data = load_signed_data(der)
    try:
        certs = extract_certificate_info(signed_data)
    except MALFORMED as exc:
        raise InputError(f"The certificates of {name} cannot be read: {exc}") from None
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    monitor = ServiceMonitor()
    try:
        extended = await add_validation_data(
            info,
            services,
            monitor,
            signer=from_asn1(certs.signer_cert),
            chain=[from_asn1(c) for c in [*certs.other_certs, *_certificates(pool)]],
            usage=frozenset({"time_stamping"}) if timestamp_token else frozenset(),
        )
    except ServiceFault as fault:
        raise fault.to_error() from None
    except (PyHankoSigningError, PathBuildingError, PathValidationError, ValidationError) as exc:
        raise service_error(exc, monitor) or SigningError(
            f"The validation data of {name} cannot be collected: {exc}"
        ) from None
    error = service_error(None, monitor)
    if error is not None:
        raise error
    result: bytes = extended.dump()
    return result


def _revocation(pool: Sequence[bytes]) -> tuple[list[Any], list[Any]]:
    crls: list[Any] = []
    ocsps: list[Any] = []
    for der in pool:
        try:
            signed = cms.ContentInfo.load(der)["content"]
            for choice in signed["crls"] or ():
                if choice.name == "crl":
                    crls.append(choice.chosen)
                elif choice.chosen["other_rev_info_format"].native == "ocsp_response":
                    ocsps.append(choice.chosen["other_rev_info"])
        except MALFORMED:
            continue
    return crls, ocsps


def _certificates(pool: Sequence[bytes]) -> list[asn1_x509.Certificate]:
    found: list[asn1_x509.Certificate] = []
    for der in pool:
        try:
            signed = cms.ContentInfo.load(der)["content"]
            found.extend(c.chosen for c in signed["certificates"] or () if c.name == "certificate")
        except MALFORMED:
            continue
    return found


@dataclass(frozen=True)
class ArchiveTimestampCheck:
    """What pyHanko established about one archive timestamp token."""

    facts: TimestampFacts | None
    """The token's facts (None: it could not be validated, see :attr:`problem`)."""
    problem: str | None = None

    @property
    def sound(self) -> bool:
        """The imprint matches, the token's signature verifies and its TSA is trusted."""
        f = self.facts
        return f is not None and f.imprint_matches and f.signature_valid and f.trusted


async def check_timestamp(
    token: bytes,
    data: bytes | Callable[[str], bytes],
    trust_anchors: Sequence[x509.Certificate],
    *,
    allow_fetching: bool,
    moment: dt.datetime | None,
    pool: Sequence[bytes] = (),
) -> ArchiveTimestampCheck:
    """Validate an archive timestamp ``token`` over ``data`` (the archive manifest's bytes).

    ``data`` may instead be a function from a digest algorithm's name to the expected
    message imprint (an archive-time-stamp-v3, whose imprint is computed from a CMS).

    ``pool``: the container's other CMS objects, whose certificates and revocation data
    may serve the token's path (the signatures carry the TSA's at B-LT).
    """

    def imprint(algorithm: str) -> bytes:
        if callable(data):
            return data(algorithm)
        return hashlib.new(algorithm, data).digest()

    try:
        signed = cms.ContentInfo.load(token, strict=True)["content"]
        crls, ocsps = _revocation([token, *pool])
        others = [
            *(c.chosen for c in signed["certificates"] or () if c.name == "certificate"),
            *_certificates(pool),
        ]
    except MALFORMED as exc:
        return ArchiveTimestampCheck(None, f"the token cannot be read ({type(exc).__name__})")
    context = ValidationContext(
        trust_roots=anchors_asn1(trust_anchors),
        other_certs=others,
        crls=crls,
        ocsps=ocsps,
        allow_fetching=allow_fetching,
        fetcher_backend=fetcher_backend(allow_fetching),
        revocation_mode="soft-fail",
        moment=moment,
    )
    try:
        kwargs = await validate_tst_signed_data(signed, context, imprint)
        status = TimestampSignatureStatus(**kwargs)
    except MALFORMED as exc:
        return ArchiveTimestampCheck(None, f"the token cannot be read ({type(exc).__name__})")
    except Exception as exc:
        return ArchiveTimestampCheck(
            None, f"the token does not validate ({type(exc).__name__}: {exc})"
        )
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    return ArchiveTimestampCheck(timestamp_facts(status))
