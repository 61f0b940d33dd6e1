"""Make XAdES signatures with signxml, the signature value computed by an esig device.

signxml builds the whole signature: the references and their digests, ``SignedInfo``,
its canonical form, the ``KeyInfo`` and the XAdES ``SignedProperties`` (SigningTime,
SigningCertificateV2, DataObjectFormat). It signs the canonical ``SignedInfo`` with a key
object; esig hands it :class:`_CapturingKey`, which records those bytes and returns a
placeholder. The device then signs their digest (``async_sign_digest``: a PKCS#11 token
or a remote service is awaited, never called from inside signxml) and the value replaces
the placeholder; nothing that is signed changes.

B-T adds a ``SignatureTimeStamp`` (EN 319 132-1 clause 5.3): an RFC 3161 token, from
pyHanko's client, over the exclusive canonical form of ``ds:SignatureValue``.

Detached signatures reference an external file by a relative URI: signxml builds a
reference for a placeholder, which :class:`_DeviceXAdESSigner` points at the file, with
no transform and the digest of its bytes (streamed once). :func:`sign_detached_files`
signs several files at once (the XAdES of ASiC containers, EN 319 162-1 §4.4.3.2): one
reference and one ``DataObjectFormat`` per file, in one ``ds:Signature`` canonicalised
exclusively, so it stays valid inside the container's ``asic:XAdESSignatures``.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, utils
from lxml import etree  # type: ignore[import-untyped]
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.xades.xades import XAdESDataObjectFormat, XAdESSigner

from esig._io import CHUNK_SIZE
from esig._library_warnings import caught_library_warnings
from esig._pyhanko.services import MonitoredTimeStamper, ServiceFault, ServiceMonitor
from esig._xml.parsing import DS_NS, XADES_NS, parse_xml
from esig._xml.xades_archive import unsigned_properties
from esig.asic.manifest import ASIC_NS
from esig.devices.base import DigestAlgorithm as EsigDigest
from esig.devices.base import SignatureCreationDevice, SignatureScheme
from esig.errors import InputError, SigningError
from esig.model.baseline import TimestampService
from esig.model.xades import XadesPackaging as Packaging

__all__ = [
    "TIMESTAMP_C14N",
    "DetachedFile",
    "add_signature_timestamp",
    "sign_detached_files",
    "sign_xades",
    "sign_xades_signatures",
]

TIMESTAMP_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
"""How ``ds:SignatureValue`` is canonicalised for the signature timestamp."""


_DIGESTS = {
    EsigDigest.SHA256: DigestAlgorithm.SHA256,
    EsigDigest.SHA384: DigestAlgorithm.SHA384,
    EsigDigest.SHA512: DigestAlgorithm.SHA512,
}
_METHODS = {
    (SignatureScheme.RSA_PKCS1V15, EsigDigest.SHA256): SignatureMethod.RSA_SHA256,
    (SignatureScheme.RSA_PKCS1V15, EsigDigest.SHA384): SignatureMethod.RSA_SHA384,
    (SignatureScheme.RSA_PKCS1V15, EsigDigest.SHA512): SignatureMethod.RSA_SHA512,
    (SignatureScheme.ECDSA, EsigDigest.SHA256): SignatureMethod.ECDSA_SHA256,
    (SignatureScheme.ECDSA, EsigDigest.SHA384): SignatureMethod.ECDSA_SHA384,
    (SignatureScheme.ECDSA, EsigDigest.SHA512): SignatureMethod.ECDSA_SHA512,
}


class _CapturingKey:
    """Stands in for a private key inside signxml: keeps what is to be signed."""

    def __init__(self, certificate: x509.Certificate) -> None:
        self.key_size: int = getattr(certificate.public_key(), "key_size", 2048)
        self.signed: bytes | None = None

    def sign(self, data: bytes, *args: object, **kwargs: object) -> bytes:
        """Record ``data``; a placeholder value of the right shape for signxml."""
        self.signed = data
        if "signature_algorithm" in kwargs or (args and isinstance(args[0], ec.ECDSA)):
            return utils.encode_dss_signature(1, 1)
        return bytes((self.key_size + 7) // 8)


@dataclass(frozen=True)
class DetachedFile:
    """One external file a detached signature covers: its URI, digest and format."""

    uri: str
    """The reference's URI (already URL-encoded), e.g. the file's name in a container."""
    digest: bytes
    """The digest of the file's bytes, with the signature's digest algorithm."""
    mime_type: str
    description: str


class _DeviceXAdESSigner(XAdESSigner):
    """signxml's XAdES signer; detached files get one data reference each, pointing at them."""

    def __init__(
        self, external: Sequence[DetachedFile], *, exclusive: bool = False, **kwargs: Any
    ) -> None:
        if exclusive:
            kwargs["c14n_algorithm"] = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
        super().__init__(**kwargs)
        self._external = tuple(external)
        self._exclusive = exclusive

    def _add_reference_to_signed_info(
        self, sig_root: Any, node_to_reference: Any, **attrs: Any
    ) -> None:
        """A reference to the signature's own element; if exclusively canonicalised, it says so.

        Without a transform a verifier canonicalises the SignedProperties and KeyInfo
        inclusively, taking in the namespaces of the element the signature sits in
        (``asic:XAdESSignatures``); the transform names the C14N signxml digested with.
        """
        super()._add_reference_to_signed_info(  # type: ignore[no-untyped-call]
            sig_root, node_to_reference, **attrs
        )
        if self._exclusive:
            reference = sig_root.find(f"{{{DS_NS}}}SignedInfo").findall(f"{{{DS_NS}}}Reference")[-1]
            transforms = etree.Element(f"{{{DS_NS}}}Transforms")
            etree.SubElement(transforms, f"{{{DS_NS}}}Transform", Algorithm=self.c14n_alg.value)
            reference.insert(0, transforms)

    def _build_sig(
        self, sig_root: Any, references: Any, c14n_inputs: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if len(self._external) > 1:  # one placeholder input per reference
            c14n_inputs = [c14n_inputs[0]] * len(references)
        signed_info, signature_value = super()._build_sig(  # type: ignore[no-untyped-call]
            sig_root, references, c14n_inputs, *args, **kwargs
        )
        found = signed_info.findall(f"{{{DS_NS}}}Reference")
        for reference, file in zip(found, self._external, strict=False):
            reference.set("URI", file.uri)
            transforms = reference.find(f"{{{DS_NS}}}Transforms")
            if transforms is not None:
                reference.remove(transforms)
            value = reference.find(f"{{{DS_NS}}}DigestValue")
            value.text = base64.b64encode(file.digest).decode("ascii")
        return signed_info, signature_value

    def add_data_object_format(
        self, signed_data_object_properties: Any, sig_root: Any, signing_settings: Any
    ) -> None:
        """A ``DataObjectFormat`` for each data reference (signxml writes the first's only)."""
        if len(self._external) <= 1:
            super().add_data_object_format(
                signed_data_object_properties, sig_root, signing_settings
            )
            return
        references = sig_root.find(f"{{{DS_NS}}}SignedInfo").findall(f"{{{DS_NS}}}Reference")
        signature_id = sig_root.get("Id")
        for number, (reference, file) in enumerate(zip(references, self._external, strict=False)):
            reference.set("Id", f"{signature_id}-Reference{number + 1}")
            element = etree.SubElement(
                signed_data_object_properties,
                f"{{{XADES_NS}}}DataObjectFormat",
                ObjectReference=f"#{reference.get('Id')}",
            )
            etree.SubElement(element, f"{{{XADES_NS}}}Description").text = file.description
            etree.SubElement(element, f"{{{XADES_NS}}}MimeType").text = file.mime_type


def _raw_ecdsa(der: bytes, key_size: int) -> bytes:
    """XML-DSig's ECDSA value: r and s, each as long as the curve's order (RFC 4050)."""
    r, s = utils.decode_dss_signature(der)
    size = (key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


async def sign_xades(
    document: BinaryIO,
    *,
    packaging: Packaging,
    device: SignatureCreationDevice,
    digest_algorithm: EsigDigest,
    timestamp: TimestampService | None,
    content_name: str,
    mime_type: str,
) -> bytes:
    """The signed document (enveloped) or the signature document (detached), as bytes.

    Raises:
        InputError: An enveloped document is not well-formed XML, or declares a DTD.
        ServiceError: The time-stamping service failed.
        SigningError: The device or signxml could not produce the signature.

    """
    external: list[DetachedFile] = []
    if packaging is Packaging.ENVELOPED:
        data = parse_xml(document.read(), what="document to sign")
        if data.find(f".//{{{DS_NS}}}Signature") is not None:
            raise InputError(
                "The document already carries an XML signature; esig signs XML documents "
                "that carry none (one enveloped signature per document)"
            )
    else:
        hasher = hashlib.new(digest_algorithm.value)
        while chunk := document.read(CHUNK_SIZE):
            hasher.update(chunk)
        external.append(
            DetachedFile(
                uri=urllib.parse.quote(content_name),
                digest=hasher.digest(),
                mime_type=mime_type,
                description=f"The signed document: {content_name}",
            )
        )
        data = etree.Element("detached")
    signed = await _sign(
        data,
        external,
        packaging=packaging,
        device=device,
        digest_algorithm=digest_algorithm,
        timestamp=timestamp,
        mime_type=mime_type,
        description=f"The signed document: {content_name}",
        exclusive=False,
    )
    out: bytes = etree.tostring(signed.getroottree(), xml_declaration=True, encoding="UTF-8")
    return out


async def sign_detached_files(
    files: Sequence[DetachedFile],
    *,
    device: SignatureCreationDevice,
    digest_algorithm: EsigDigest,
    timestamp: TimestampService | None,
) -> Any:
    """One detached ``ds:Signature`` (an lxml element) over every file of ``files``.

    Its ``SignedInfo`` and signed properties are canonicalised with exclusive C14N, so the
    signature can be placed inside another element (``asic:XAdESSignatures``) unchanged.

    Raises:
        InputError: No file.
        ServiceError: The time-stamping service failed.
        SigningError: The device or signxml could not produce the signature.

    """
    if not files:
        raise InputError("A detached signature covers at least one file")
    return await _sign(
        etree.Element("detached"),
        files,
        packaging=Packaging.DETACHED,
        device=device,
        digest_algorithm=digest_algorithm,
        timestamp=timestamp,
        mime_type=files[0].mime_type,
        description=files[0].description,
        exclusive=True,
    )


async def sign_xades_signatures(
    files: Sequence[DetachedFile],
    *,
    device: SignatureCreationDevice,
    digest_algorithm: EsigDigest,
    timestamp: TimestampService | None,
) -> bytes:
    """An ASiC ``META-INF/signatures.xml``: ``asic:XAdESSignatures`` with one signature.

    EN 319 162-1 §A.5: the root element holds detached XAdES ``ds:Signature`` elements
    whose references name the container's files.

    Raises:
        InputError: No file.
        ServiceError: The time-stamping service failed.
        SigningError: The device or signxml could not produce the signature.

    """
    signature = await sign_detached_files(
        files, device=device, digest_algorithm=digest_algorithm, timestamp=timestamp
    )
    root = etree.Element(f"{{{ASIC_NS}}}XAdESSignatures", nsmap={"asic": ASIC_NS})
    root.append(signature)
    out: bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return out


async def _sign(
    data: Any,
    external: Sequence[DetachedFile],
    *,
    packaging: Packaging,
    device: SignatureCreationDevice,
    digest_algorithm: EsigDigest,
    timestamp: TimestampService | None,
    mime_type: str,
    description: str,
    exclusive: bool,
) -> Any:
    """Signxml builds the signature, the device signs it: the signed tree (or ds:Signature)."""
    key = _CapturingKey(device.certificate)
    certs: Sequence[x509.Certificate] = (device.certificate, *device.chain)
    with caught_library_warnings("building an XAdES signature"):
        try:
            signer = _DeviceXAdESSigner(
                external,
                method=SignatureConstructionMethod.enveloped
                if packaging is Packaging.ENVELOPED
                else SignatureConstructionMethod.detached,
                signature_algorithm=_METHODS[(device.scheme, digest_algorithm)],
                digest_algorithm=_DIGESTS[digest_algorithm],
                data_object_format=XAdESDataObjectFormat(
                    Description=description, MimeType=mime_type
                ),
                exclusive=exclusive,
            )
            signed = signer.sign(
                data,
                key=key,  # type: ignore[arg-type]  # duck-typed: records what is signed
                cert=list(certs),
                always_add_key_value=False,
                reference_uri=[f"#file{n}" for n in range(len(external))]
                if len(external) > 1
                else None,
            )
        except Exception as exc:  # signxml raises many kinds for inputs it refuses
            raise SigningError(
                f"The XAdES signature could not be built: [{type(exc).__name__}] {exc}"
            ) from None
    if key.signed is None:  # pragma: no cover - signxml always signs SignedInfo
        raise SigningError("signxml did not sign the SignedInfo")
    digest = hashlib.new(digest_algorithm.value, key.signed).digest()
    value = await device.async_sign_digest(digest, digest_algorithm)
    if device.scheme is SignatureScheme.ECDSA:
        value = _raw_ecdsa(value, key.key_size)
    signature = (
        signed if signed.tag == f"{{{DS_NS}}}Signature" else signed.find(f".//{{{DS_NS}}}Signature")
    )
    signature.find(f"{{{DS_NS}}}SignatureValue").text = base64.b64encode(value).decode("ascii")
    if timestamp is not None:
        await add_signature_timestamp(signature, timestamp, digest_algorithm)
    return signed


async def add_signature_timestamp(
    signature: Any, service: TimestampService, digest_algorithm: EsigDigest
) -> None:
    """A ``SignatureTimeStamp`` in the unsigned properties (EN 319 132-1 5.3)."""
    value = signature.find(f"{{{DS_NS}}}SignatureValue")
    if value.get("Id") is None:
        value.set("Id", f"{signature.get('Id')}-SignatureValue")
    canonical: bytes = etree.tostring(value, method="c14n", exclusive=True, with_comments=False)
    digest = hashlib.new(digest_algorithm.value, canonical).digest()
    monitor = ServiceMonitor()
    try:
        token = await MonitoredTimeStamper(service, monitor).async_timestamp(
            digest, digest_algorithm.value
        )
    except ServiceFault as fault:
        raise fault.to_error() from None
    props = unsigned_properties(signature, create=True)
    if props is None:
        raise InputError("The signature has no xades:QualifyingProperties to hold a timestamp")
    stamp = etree.Element(
        f"{{{XADES_NS}}}SignatureTimeStamp", Id=f"{signature.get('Id')}-TimeStamp"
    )
    props.insert(0, stamp)  # before any validation data that may already be there
    etree.SubElement(stamp, f"{{{DS_NS}}}CanonicalizationMethod", Algorithm=TIMESTAMP_C14N.value)
    encapsulated = etree.SubElement(stamp, f"{{{XADES_NS}}}EncapsulatedTimeStamp")
    encapsulated.text = base64.b64encode(token.dump()).decode("ascii")
