"""Signature creation devices: where the private key lives (BES art. 2).

Every backend implements one primitive, :meth:`SignatureCreationDevice.sign_digest`,
plus the certificate it signs with and the evidence it can give about itself. CMS,
PAdES, timestamps and validation data are built once, on top, by esig.
"""

from typing import TYPE_CHECKING, Any

from esig.devices.base import (
    DeviceEvidence,
    DeviceKind,
    DigestAlgorithm,
    SignatureCreationDevice,
    SignatureScheme,
)
from esig.devices.csc import CscDevice
from esig.devices.factory import (
    DeviceEntry,
    DeviceUri,
    describe_uri,
    env_secret_provider,
    list_devices,
    open_device,
)
from esig.devices.software import SoftwareKey

if TYPE_CHECKING:
    from esig.devices.pkcs11 import Pkcs11Device

__all__ = [
    "CscDevice",
    "DeviceEntry",
    "DeviceEvidence",
    "DeviceKind",
    "DeviceUri",
    "DigestAlgorithm",
    "Pkcs11Device",
    "SignatureCreationDevice",
    "SignatureScheme",
    "SoftwareKey",
    "describe_uri",
    "env_secret_provider",
    "list_devices",
    "open_device",
]


def __getattr__(name: str) -> Any:
    # PKCS#11 needs the optional python-pkcs11 package (esig[pkcs11]): import on first use.
    if name == "Pkcs11Device":
        from esig.devices.pkcs11 import Pkcs11Device  # noqa: PLC0415

        return Pkcs11Device
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
