"""The validation data of a XAdES B-LT signature, collected with pyhanko-certvalidator.

XAdES keeps validation data as XML elements (EN 319 132-1 §5.4, §5.5.1), not in a
SignedData: this module gathers it as DER, and the XML adapter writes it. For the signer's
certificate and for each timestamp token (signature timestamp, earlier archive
timestamps) the path to a trust anchor is validated with a fetching context (the
monitored OCSP and CRL clients of :mod:`esig._pyhanko.services`), one context per path,
so that each OCSP response and CRL is kept with the path that needed it. Nothing here
judges the data: a verifier does that later, offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import extract_certificate_info
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from esig._pyhanko.documents import MALFORMED
from esig._pyhanko.services import (
    ServiceFault,
    ServiceMonitor,
    default_anchors,
    service_error,
    validation_context,
)
from esig._pyhanko.signer import from_asn1, to_asn1
from esig.errors import InputError, SigningError
from esig.model.baseline import ValidationServices

__all__ = ["PathData", "collect_path_data", "collect_token_data"]


@dataclass(frozen=True)
class PathData:
    """The certificates of one validated path and the revocation data fetched for it."""

    certificates: tuple[bytes, ...]
    """DER of every certificate of the path, the end entity first, the anchor last."""
    ocsp_responses: tuple[bytes, ...]
    crls: tuple[bytes, ...]


async def collect_path_data(
    cert: x509.Certificate,
    others: Sequence[x509.Certificate],
    services: ValidationServices,
    *,
    time_stamping: bool = False,
    what: str,
) -> PathData:
    """Validate the path of ``cert`` (a TSA's, if ``time_stamping``), fetching its data.

    Raises:
        ServiceError: An OCSP responder or a CRL server failed.
        SigningError: No path to a trust anchor can be validated.

    """
    monitor = ServiceMonitor()
    context = validation_context(
        services,
        monitor,
        fallback_anchors=default_anchors((cert, *others)),
        other_certs=others,
    )
    try:
        path = await CertificateValidator(  # type: ignore[no-untyped-call]
            to_asn1(cert),
            intermediate_certs=[to_asn1(c) for c in others],
            validation_context=context,
        ).async_validate_usage(set(), {"time_stamping"} if time_stamping else None)
    except ServiceFault as fault:
        raise fault.to_error() from None
    except (PyHankoSigningError, PathBuildingError, PathValidationError, ValidationError) as exc:
        raise service_error(exc, monitor) or SigningError(
            f"The validation data of {what} cannot be collected: {exc}"
        ) from None
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    error = service_error(None, monitor)
    if error is not None:
        raise error
    return PathData(
        certificates=tuple(c.dump() for c in reversed(list(path))),
        ocsp_responses=tuple(o.dump() for o in context.ocsps),
        crls=tuple(c.dump() for c in context.crls),
    )


async def collect_token_data(
    token: bytes,
    others: Sequence[x509.Certificate],
    services: ValidationServices,
    *,
    what: str,
) -> PathData:
    """:func:`collect_path_data` for the TSA of an RFC 3161 ``token`` (DER ContentInfo).

    Raises:
        InputError: ``token`` is not a readable time-stamp token.
        ServiceError: An OCSP responder or a CRL server failed.
        SigningError: No path to a trust anchor can be validated.

    """
    try:
        signed = cms.ContentInfo.load(token)["content"]
        info = extract_certificate_info(signed)
        tsa = from_asn1(info.signer_cert)
        carried = [from_asn1(c) for c in info.other_certs]
    except (*MALFORMED, PyHankoSigningError) as exc:
        raise InputError(f"The token of {what} cannot be read: {exc}") from None
    return await collect_path_data(
        tsa, [*carried, *others], services, time_stamping=True, what=what
    )
