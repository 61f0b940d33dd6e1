"""Detached CAdES (CMS) signatures for any file, through pyHanko's async signer.

Signing streams the content once, in chunks, for its digest; the content is never
held in memory. B-T adds a signature timestamp as an unsigned attribute. B-LT adds the
validation data to the SignedData itself: every certificate of the signer's and the
TSA's paths in ``certificates``, CRLs and OCSP responses (RFC 5940
``id-ri-ocsp-response``) in ``crls``. Those fields are outside what the signer signed,
so adding them leaves the signature intact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

from esig._io import CHUNK_SIZE
from esig._pyhanko.services import (
    MonitoredTimeStamper,
    ServiceFault,
    ServiceMonitor,
    default_anchors,
    service_error,
    validation_context,
)
from esig._pyhanko.signer import DeviceSigner, to_asn1
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice
from esig.errors import SigningError
from esig.model.baseline import BaselineRequest, ValidationServices

__all__ = ["add_validation_data", "sign_cades"]

"""How much of the content is read at a time for its digest."""


async def sign_cades(
    content: BinaryIO,
    device: SignatureCreationDevice,
    *,
    digest_algorithm: DigestAlgorithm,
    baseline: BaselineRequest,
) -> bytes:
    """A detached CAdES signature (DER ``ContentInfo``) over the whole of ``content``.

    Raises:
        ServiceError: The time-stamping service, an OCSP responder or a CRL server failed.
        SigningError: The device or pyHanko could not produce the signature.

    """
    monitor = ServiceMonitor()
    timestamper = (
        MonitoredTimeStamper(baseline.timestamp, monitor)
        if baseline.timestamp is not None
        else None
    )
    signer = DeviceSigner(device)
    try:
        info = await signer.async_sign_general_data(
            content,
            digest_algorithm.value,
            detached=True,
            use_cades=True,
            timestamper=timestamper,
            chunk_size=CHUNK_SIZE,
        )
        if baseline.level.long_term:
            info = await _with_validation_data(info, device, baseline.validation_services, monitor)
    except ServiceFault as fault:
        raise fault.to_error() from None
    except (PyHankoSigningError, PathBuildingError, PathValidationError, ValidationError) as exc:
        raise service_error(exc, monitor) or SigningError(
            f"The signature could not be created: {exc}"
        ) from None
    error = service_error(None, monitor)
    if error is not None:
        raise error
    der: bytes = info.dump()
    return der


async def _with_validation_data(
    info: cms.ContentInfo,
    device: SignatureCreationDevice,
    services: ValidationServices,
    monitor: ServiceMonitor,
) -> cms.ContentInfo:
    return await add_validation_data(
        info,
        services,
        monitor,
        signer=device.certificate,
        chain=device.chain,
    )


async def add_validation_data(
    info: cms.ContentInfo,
    services: ValidationServices,
    monitor: ServiceMonitor,
    *,
    signer: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    usage: frozenset[str] = frozenset(),
) -> cms.ContentInfo:
    """``info`` (a CMS signature or an RFC 3161 token) with its validation data added.

    The paths of ``signer`` (extended key usage ``usage``: ``time_stamping`` for a token)
    and of the TSAs of its signature timestamps are validated, fetching OCSP responses
    and CRLs; every certificate goes into ``certificates``, the revocation data into
    ``crls``. Neither is signed, so the signature stays intact.
    """
    signed_data: cms.SignedData = info["content"]
    context = validation_context(
        services,
        monitor,
        fallback_anchors=default_anchors((signer, *chain)),
        other_certs=chain,
    )
    try:
        paths = [
            await CertificateValidator(  # type: ignore[no-untyped-call]
                to_asn1(signer),
                intermediate_certs=[to_asn1(c) for c in chain],
                validation_context=context,
            ).async_validate_usage(set(), set(usage) or None)
        ]
        signer_info = signed_data["signer_infos"][0]
        for token in extract_tst_data_iter(signer_info, signed=False):
            certs = extract_certificate_info(token)
            paths.append(
                await CertificateValidator(  # type: ignore[no-untyped-call]
                    certs.signer_cert,
                    intermediate_certs=certs.other_certs,
                    validation_context=context,
                ).async_validate_usage(set(), {"time_stamping"})
            )
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]
    certificates: list[asn1_x509.Certificate] = [c.chosen for c in signed_data["certificates"]]
    known = {c.dump() for c in certificates}
    for path in paths:
        for cert in path:
            if cert.dump() not in known:
                known.add(cert.dump())
                certificates.append(cert)
    revocation: list[cms.RevocationInfoChoice] = [
        cms.RevocationInfoChoice(name="crl", value=c) for c in context.crls
    ]
    revocation += [
        cms.RevocationInfoChoice(
            name="other",
            value=cms.OtherRevocationInfoFormat(
                {"other_rev_info_format": "ocsp_response", "other_rev_info": response}
            ),
        )
        for response in context.ocsps
    ]
    version = signed_data["version"].native
    encap = signed_data["encap_content_info"]
    if context.ocsps:
        # RFC 5652 §5.1: "other" revocation information makes it version 5, whose
        # encapsulated content info asn1crypto models as EncapsulatedContentInfo.
        version = "v5"
        # Same DER (a content type and, for a time-stamp token, its TSTInfo), other model.
        encap = cms.EncapsulatedContentInfo.load(encap.dump())
    extended = cms.SignedData(
        {
            "version": version,
            "digest_algorithms": signed_data["digest_algorithms"],
            "encap_content_info": encap,
            "certificates": [
                cms.CertificateChoices(name="certificate", value=c) for c in certificates
            ],
            "crls": revocation,
            "signer_infos": signed_data["signer_infos"],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": extended})
