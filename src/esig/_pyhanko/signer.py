"""A pyHanko ``Signer`` that delegates the private-key operation to an esig device."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.attributes import CMSAttributeProvider
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from esig._pyhanko.evidence_attr import EvidenceRecordProvider
from esig.certificates import UNREADABLE_CERTIFICATE
from esig.devices.base import DigestAlgorithm, SignatureCreationDevice

__all__ = [
    "DeviceSigner",
    "anchors_asn1",
    "certificate_once",
    "from_asn1",
    "readable_certificates",
    "to_asn1",
]


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """Convert a :mod:`cryptography` certificate to asn1crypto's model."""
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def anchors_asn1(anchors: Sequence[x509.Certificate]) -> list[asn1_x509.Certificate]:
    """Trust anchors in asn1crypto's model, each parsed once per process.

    asn1crypto prepares a name for comparison (RFC 4518 string preparation, slow in pure
    Python) the first time it is compared and keeps the result on the object; a fresh
    copy of the same anchor for every validation pays that again each time (about a
    third of a millisecond per name). The copies are kept by their DER encoding, so the
    same bytes always give the same, immutable-in-practice certificate object: nothing
    about a document, a validation or its verdict is kept.
    """
    return [certificate_once(c.public_bytes(Encoding.DER)) for c in anchors]


@functools.lru_cache(maxsize=512)
def certificate_once(der: bytes) -> asn1_x509.Certificate:
    """The asn1crypto certificate for ``der``, parsed once per process (the last 512 kept).

    For trust anchors and the CA certificates documents carry, which recur from one
    document to the next: their names are prepared for comparison once, not per
    validation. Only public certificate bytes are kept, never a verdict.
    """
    return asn1_x509.Certificate.load(der)


def from_asn1(cert: asn1_x509.Certificate) -> x509.Certificate:
    """Convert an asn1crypto certificate to :mod:`cryptography`'s model.

    Raises:
        ValueError: cryptography cannot read it: malformed DER, a version beyond v3,
            names or extensions it refuses (it reads those lazily; here they are read
            at once, so that the certificate cannot fail later inside a check).

    """
    return _converted(cert.dump())


@functools.lru_cache(maxsize=512)
def _converted(der: bytes) -> x509.Certificate:
    """The :mod:`cryptography` certificate for ``der``, read once per process.

    The last 512 are kept: the CA certificates documents carry recur, and certificates
    are immutable values.
    """
    try:
        converted = x509.load_der_x509_certificate(der)
        converted.subject  # noqa: B018
        converted.issuer  # noqa: B018
        converted.extensions  # noqa: B018
    except UNREADABLE_CERTIFICATE as exc:
        raise ValueError(str(exc)) from None
    return converted


def readable_certificates(certs: Sequence[asn1_x509.Certificate]) -> list[x509.Certificate]:
    """The certificates :mod:`cryptography` can read; malformed ones are left out.

    asn1crypto parses lazily and accepts what cryptography's strict DER parser refuses:
    a certificate a document carries may be unreadable to one and not the other.
    """
    readable = []
    for cert in certs:
        try:
            readable.append(from_asn1(cert))
        except (ValueError, TypeError, KeyError, IndexError, OverflowError):
            continue
    return readable


class DeviceSigner(Signer):
    """pyHanko signer backed by a :class:`SignatureCreationDevice`.

    Dry runs (pyHanko's size estimate) never reach the device: a device that asks
    for a PIN on every use is asked once per signature.

    ``evidence``, when given, is added to the signed attributes as the esig evidence
    record (:mod:`esig._pyhanko.evidence_attr`), so the signature value covers it.
    """

    def __init__(
        self,
        device: SignatureCreationDevice,
        *,
        embed_roots: bool = True,
        evidence: bytes | None = None,
    ) -> None:
        registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        registry.register_multiple([to_asn1(c) for c in device.chain])
        super().__init__(
            signing_cert=to_asn1(device.certificate),
            cert_registry=registry,
            embed_roots=embed_roots,
        )
        self._device = device
        self._evidence = evidence

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterator[CMSAttributeProvider]:
        """The signed attributes pyHanko adds, plus the evidence record if there is one."""
        yield from super()._signed_attr_providers(*args, **kwargs)
        if self._evidence is not None:
            yield EvidenceRecordProvider(self._evidence)

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        """Hash ``data`` and have the device sign the digest."""
        if dry_run:
            return bytes(self._device.max_signature_size)
        algorithm = DigestAlgorithm(digest_algorithm.lower())
        digest = hashlib.new(algorithm.value, data).digest()
        return await self._device.async_sign_digest(digest, algorithm)
