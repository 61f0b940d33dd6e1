"""Keys on a PKCS#11 token or smart card: an HSM, SoftHSM2, a Belgian eID card.

The private key never leaves the token: esig sends the digest and gets the signature
value back. RSA keys sign with the raw ``CKM_RSA_PKCS`` mechanism over a DER
``DigestInfo``; EC keys sign with the raw ``CKM_ECDSA`` mechanism over the digest (many
tokens, SoftHSM2 among them, offer no hashing ECDSA mechanism, and esig only ever has the
digest anyway).

A device logs in once when it is opened and keeps its session until :meth:`Pkcs11Device.close`
(or the end of a ``with`` block), so a batch of signatures costs one login. A key that
demands the PIN for every signature (``CKA_ALWAYS_AUTHENTICATE``, as the Belgian eID
"Signature" key does) gets it for every signature; only then does the device keep the PIN
in memory, until it is closed. The PIN never appears in a message, ``repr`` or log.

Tokens are selected by label, never by slot number (slot numbers change). Select the
key by label or by id (hex, as ``pkcs11-tool`` shows it); its certificate is the
certificate object with the same id (or, failing that, the same label).
"""

from esig.devices.pkcs11.device import Pkcs11Device
from esig.devices.pkcs11.errors import (
    CertificateNotOnTokenError,
    DeviceClosedError,
    KeyNotFoundError,
    KeyUsageError,
    MechanismNotSupportedError,
    PinIncorrectError,
    PinLockedError,
    PinRequiredError,
    Pkcs11ModuleError,
    TokenNotFoundError,
)
from esig.devices.pkcs11.keys import KeyAlgorithm
from esig.devices.pkcs11.listing import TokenKey, list_token_objects
from esig.devices.pkcs11.profiles import BELGIAN_EID, Pkcs11Profile
from esig.devices.pkcs11.tokens import ModulePath as ModulePath

__all__ = [
    "BELGIAN_EID",
    "CertificateNotOnTokenError",
    "DeviceClosedError",
    "KeyAlgorithm",
    "KeyNotFoundError",
    "KeyUsageError",
    "MechanismNotSupportedError",
    "PinIncorrectError",
    "PinLockedError",
    "PinRequiredError",
    "Pkcs11Device",
    "Pkcs11ModuleError",
    "Pkcs11Profile",
    "TokenKey",
    "TokenNotFoundError",
    "list_token_objects",
]
