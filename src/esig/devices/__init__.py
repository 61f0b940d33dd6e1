"""Signature creation devices: where the private key lives (BES art. 2).

Every backend implements one primitive, :meth:`SignatureCreationDevice.sign_digest`,
plus the certificate it signs with and the evidence it can give about itself. CMS,
PAdES, timestamps and validation data are built once, on top, by esig.
"""

from esig.devices.base import (
    DeviceEvidence,
    DeviceKind,
    DigestAlgorithm,
    SignatureCreationDevice,
    SignatureScheme,
)
from esig.devices.software import SoftwareKey

__all__ = [
    "DeviceEvidence",
    "DeviceKind",
    "DigestAlgorithm",
    "SignatureCreationDevice",
    "SignatureScheme",
    "SoftwareKey",
]
