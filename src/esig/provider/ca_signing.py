"""The CA's key signs through a signature creation device: a token or a software key.

:mod:`cryptography`'s builders sign only with a private key object in memory, and a
CA's key on a PKCS#11 token is never one. So each builder signs once with a placeholder
key of the same family (same signature algorithm identifier), and the part that is
signed (the TBSCertificate, TBSCertList or ResponseData, exactly as cryptography encoded
it) is signed again by the CA's device; asn1crypto puts the real signature in place of
the placeholder's. The result is checked against the CA's public key before it is used.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from esig.devices.base import DigestAlgorithm, SignatureCreationDevice, SignatureScheme
from esig.provider.errors import ProviderError

__all__ = ["CaSigner", "verify_signature"]

_Placeholder = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@functools.cache
def _placeholder(scheme: SignatureScheme) -> _Placeholder:
    # Only its signature algorithm identifier is kept; its signatures are replaced.
    if scheme is SignatureScheme.RSA_PKCS1V15:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _digest_algorithm(certificate: x509.Certificate) -> DigestAlgorithm:
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size > 256:
        return DigestAlgorithm.SHA384
    return DigestAlgorithm.SHA256


def verify_signature(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (as :meth:`CaSigner.sign_bytes` makes it) is over ``data``."""
    key = certificate.public_key()
    algorithm = _digest_algorithm(certificate).hash()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


class CaSigner:
    """Everything the CA signs, signed by its device (the CA certificate is the device's)."""

    def __init__(self, device: SignatureCreationDevice) -> None:
        self.device = device
        self.certificate = device.certificate
        """The CA's certificate."""
        self.algorithm = _digest_algorithm(self.certificate)
        """The digest algorithm the CA signs with (SHA-384 for P-384 keys, else SHA-256)."""
        self._stand_in: x509.Certificate | None = None

    def sign_bytes(self, data: bytes) -> bytes:
        """The device's signature over ``data`` (RSA PKCS#1 v1.5 or DER ECDSA)."""
        digest = hashlib.new(self.algorithm.value, data).digest()
        return self.device.sign_digest(digest, self.algorithm)

    def sign_text(self, data: str) -> str:
        """:meth:`sign_bytes` over UTF-8 text, as base64 text (for the database)."""
        return base64.b64encode(self.sign_bytes(data.encode())).decode("ascii")

    def verify_text(self, data: str, signature: str) -> bool:
        """Whether ``signature`` (base64, from :meth:`sign_text`) is the CA's over ``data``."""
        try:
            raw = base64.b64decode(signature, validate=True)
        except ValueError:
            return False
        return verify_signature(self.certificate, data.encode(), raw)

    def _placeholder_signed(
        self,
    ) -> tuple[_Placeholder, hashes.SHA256 | hashes.SHA384 | hashes.SHA512]:
        return _placeholder(self.device.scheme), self.algorithm.hash()

    def _resigned(self, draft: Any, fields: tuple[str, str], tbs: bytes) -> bytes:
        """``draft`` (an asn1crypto certificate or CRL) with the device's signature over ``tbs``."""
        tbs_field, signature_field = fields
        signed = type(draft)(
            {
                tbs_field: draft[tbs_field],
                "signature_algorithm": draft["signature_algorithm"],
                signature_field: self.sign_bytes(tbs),
            }
        )
        der: bytes = signed.dump()
        return der

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        """The certificate ``builder`` describes, signed by the CA's device."""
        key, algorithm = self._placeholder_signed()
        draft = builder.sign(key, algorithm)
        signed = self._resigned(
            asn1_x509.Certificate.load(draft.public_bytes(Encoding.DER)),
            ("tbs_certificate", "signature_value"),
            draft.tbs_certificate_bytes,
        )
        certificate = x509.load_der_x509_certificate(signed)
        try:
            certificate.verify_directly_issued_by(self.certificate)
        except (ValueError, TypeError, InvalidSignature):
            raise ProviderError(
                "The CA's device made a signature the CA's certificate does not verify; "
                "is the device's key the CA certificate's key?"
            ) from None
        return certificate

    def sign_crl(
        self, builder: x509.CertificateRevocationListBuilder
    ) -> x509.CertificateRevocationList:
        """The CRL ``builder`` describes, signed by the CA's device."""
        key, algorithm = self._placeholder_signed()
        draft = builder.sign(key, algorithm)
        signed = self._resigned(
            asn1_crl.CertificateList.load(draft.public_bytes(Encoding.DER)),
            ("tbs_cert_list", "signature"),
            draft.tbs_certlist_bytes,
        )
        crl = x509.load_der_x509_crl(signed)
        if not crl.is_signature_valid(self.certificate.public_key()):  # type: ignore[arg-type]
            raise ProviderError("The CA's device made a CRL signature its certificate refuses")
        return crl

    def responder_stand_in(self) -> x509.Certificate:
        """A stand-in with the CA's name and the placeholder key, for OCSP's ResponderID.

        cryptography's OCSP builder wants the responder's certificate to match the key it
        signs with; the response names the responder by the CA's name (byName).
        """
        if self._stand_in is None:
            key, algorithm = self._placeholder_signed()
            start = self.certificate.not_valid_before_utc
            self._stand_in = (
                x509.CertificateBuilder()
                .subject_name(self.certificate.subject)
                .issuer_name(self.certificate.subject)
                .public_key(key.public_key())
                .serial_number(1)
                .not_valid_before(start)
                .not_valid_after(self.certificate.not_valid_after_utc)
                .sign(key, algorithm)
            )
        return self._stand_in

    def sign_ocsp(self, builder: ocsp.OCSPResponseBuilder) -> bytes:
        """The OCSP response ``builder`` describes (DER), signed by the CA's device.

        Give the builder ``responder_id(OCSPResponderEncoding.NAME, signer.responder_stand_in())``.
        """
        key, algorithm = self._placeholder_signed()
        draft = builder.sign(key, algorithm)
        parsed = asn1_ocsp.OCSPResponse.load(draft.public_bytes(Encoding.DER))
        basic = parsed["response_bytes"]["response"].parsed
        fields = {
            "tbs_response_data": basic["tbs_response_data"],
            "signature_algorithm": basic["signature_algorithm"],
            "signature": self.sign_bytes(draft.tbs_response_bytes),
        }
        response = asn1_ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {
                    "response_type": "basic_ocsp_response",
                    "response": asn1_ocsp.BasicOCSPResponse(fields),
                },
            }
        )
        der: bytes = response.dump()
        check = ocsp.load_der_ocsp_response(der)
        if not verify_signature(self.certificate, check.tbs_response_bytes, check.signature):
            raise ProviderError("The CA's device made an OCSP signature its certificate refuses")
        return der
