"""A provider's CA key on a real SoftHSM2 token: generated there, certified as a CA."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from esig.devices.pkcs11 import Pkcs11Device
from esig.issuance import KeyType, TestPKI
from esig.provider import ProviderName
from esig.testing.softhsm import SoftHsmTokens


def token_ca_device(tokens: SoftHsmTokens, pki: TestPKI, label: str) -> Pkcs11Device:
    """Generate a P-256 key on the workbench token, have ``pki``'s root certify it as the
    provider's issuing CA, import the certificate, and open the key as a device."""
    token = tokens.workbench
    hsm = tokens.hsm
    key_id = label.encode()
    public = hsm.generate_key(token.label, label=label, key_id=key_id, key_type=KeyType.EC_P256)
    root = pki.root.certificate
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            ProviderName(
                organization="Bonaire Trust",
                country="BQ",
                organization_identifier="NTRBQ-12345678",
                common_name="Bonaire Trust Qualified CA",
            ).to_x509()
        )
        .issuer_name(root.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(pki.root.private_key, hashes.SHA256())
    )
    hsm.store_certificate(token.label, certificate, label=label, key_id=key_id)
    return token.open_device(label, chain=(root,))
