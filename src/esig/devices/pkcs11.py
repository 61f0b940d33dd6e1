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

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import struct
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, ClassVar, Final, Self

import pkcs11
from asn1crypto import algos as asn1_algos
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pkcs11 import Attribute, Mechanism, ObjectClass, TokenFlag
from pkcs11 import KeyType as P11KeyType
from pkcs11 import exceptions as p11
from pkcs11.attributes import AttributeMapper
from pydantic import StringConstraints, computed_field

from esig._model import EsigModel
from esig.devices.base import (
    DeviceEvidence,
    DeviceKind,
    DigestAlgorithm,
    SignatureCreationDevice,
    SignatureScheme,
)
from esig.errors import (
    EsigError,
    KeyCertificateMismatchError,
    KeyLoadError,
    SigningError,
    WrongPassphraseError,
)

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

_log = logging.getLogger(__name__)

ModulePath = str | os.PathLike[str]
_HEX_ID: Final = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_HexId = Annotated[str, StringConstraints(pattern=r"^(?:[0-9A-Fa-f]{2})+$")]


# --------------------------------------------------------------------------- errors


class Pkcs11ModuleError(KeyLoadError):
    """The PKCS#11 module (the shared library) cannot be found or loaded.

    Attributes:
        module: The module path as given.

    """

    def __init__(self, message: str, *, module: str) -> None:
        super().__init__(message)
        self.module = module


class TokenNotFoundError(KeyLoadError):
    """No token with the requested label is present.

    Attributes:
        token_label: The label asked for.
        available: The labels of the tokens that are present.

    """

    def __init__(self, message: str, *, token_label: str, available: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.available = tuple(available)


class KeyNotFoundError(KeyLoadError):
    """The token holds no private key that matches (or several do).

    Attributes:
        token_label: The token searched.
        key_label: The key label asked for, if any.
        key_id: The key id asked for (hex), if any.
        available: Labels of the private keys on the token.

    """

    def __init__(
        self,
        message: str,
        *,
        token_label: str,
        key_label: str | None,
        key_id: str | None,
        available: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.key_label = key_label
        self.key_id = key_id
        self.available = tuple(available)


class CertificateNotOnTokenError(KeyLoadError):
    """The key was found but the token holds no certificate for it.

    Attributes:
        token_label: The token.
        key_label: The key's label.
        key_id: The key's id (hex).

    """

    def __init__(self, message: str, *, token_label: str, key_label: str, key_id: str) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.key_label = key_label
        self.key_id = key_id


class PinRequiredError(WrongPassphraseError):
    """The token needs a PIN and none was given.

    Attributes:
        token_label: The token.

    """

    def __init__(self, message: str, *, token_label: str) -> None:
        super().__init__(message)
        self.token_label = token_label


class PinIncorrectError(WrongPassphraseError):
    """The token refused the PIN. The PIN is never shown.

    Attributes:
        token_label: The token.
        final_try: The token says one more wrong PIN will lock it.

    """

    def __init__(self, message: str, *, token_label: str, final_try: bool = False) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.final_try = final_try


class PinLockedError(KeyLoadError):
    """The user PIN is locked after too many wrong tries; no PIN is sent to the token.

    Attributes:
        token_label: The token.

    """

    def __init__(self, message: str, *, token_label: str) -> None:
        super().__init__(message)
        self.token_label = token_label


class KeyUsageError(KeyLoadError):
    """The key exists but is not one to sign documents with, as configured.

    Raised when the key may not sign (``CKA_SIGN`` false), when its certificate lacks
    the content-commitment key usage and that was required, or when the key's
    PIN-per-use policy differs from the configured ``pin_per_use``.

    Attributes:
        token_label: The token.
        key_label: The key's label.

    """

    def __init__(self, message: str, *, token_label: str, key_label: str) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.key_label = key_label


class MechanismNotSupportedError(SigningError):
    """The token (or the key) does not offer the raw signing mechanism esig needs.

    esig signs precomputed digests, so it needs ``CKM_RSA_PKCS`` for RSA keys and
    ``CKM_ECDSA`` for EC keys; hashing mechanisms such as ``CKM_ECDSA_SHA256`` do not fit.

    Attributes:
        token_label: The token.
        mechanism: The mechanism esig needs (e.g. ``ECDSA``).
        offered: Signing mechanisms the token or key does offer.

    """

    def __init__(
        self, message: str, *, token_label: str, mechanism: str, offered: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.token_label = token_label
        self.mechanism = mechanism
        self.offered = tuple(offered)


class DeviceClosedError(SigningError):
    """The device was closed (or its token removed); open it again to sign."""


# --------------------------------------------------------------------------- models


class KeyAlgorithm(StrEnum):
    """The algorithm of a key on a token."""

    RSA = "rsa"
    EC = "ec"
    OTHER = "other"
    """A key type esig does not sign with (DSA, EdDSA, GOST, ...)."""


class TokenKey(EsigModel):
    """A private key on a token, with what the token says about it."""

    label: str
    """The key's ``CKA_LABEL``."""
    id: str
    """The key's ``CKA_ID`` in hex (as ``pkcs11-tool`` shows it)."""
    algorithm: KeyAlgorithm
    key_size: int | None
    """Modulus or curve size in bits, when the token shows it."""
    can_sign: bool
    """``CKA_SIGN``: the token lets this key sign."""
    has_certificate: bool
    """A certificate with the same id (or label) is on the token."""
    subject: str | None
    """The certificate's subject (RFC 4514), when there is one."""
    extractable: bool | None
    """``CKA_EXTRACTABLE``: the key may be exported wrapped under another key."""
    sensitive: bool | None
    """``CKA_SENSITIVE``: the key's secret parts can never be read in plaintext."""
    never_extractable: bool | None
    """``CKA_NEVER_EXTRACTABLE``: the key has never been extractable since it was made."""
    always_authenticate: bool
    """``CKA_ALWAYS_AUTHENTICATE``: every signature needs the PIN again."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def key_extractable(self) -> bool | None:
        """Whether the key can leave the token in any form (None: the token does not say)."""
        if self.extractable is None or self.sensitive is None:
            return None
        return self.extractable or not self.sensitive


class Pkcs11Profile(EsigModel):
    """Where a signing key sits on a token, and what is declared about the token.

    Pass it to :meth:`Pkcs11Device.from_profile`. :data:`BELGIAN_EID` is the layout of
    a Belgian eID card.
    """

    token_label: Annotated[str, StringConstraints(min_length=1)]
    """The token's label (``CKA_LABEL`` of the token, e.g. ``BELPIC``)."""
    key_label: str | None = None
    """The private key's label; with neither label nor id the token must hold one key."""
    key_id: _HexId | None = None
    """The private key's id in hex."""
    pin_per_use: bool | None = None
    """Expect the key to demand the PIN for every signature (True) or not (False);
    None follows the key's ``CKA_ALWAYS_AUTHENTICATE``. A key that disagrees is refused."""
    qscd_claimed: bool = False
    """Declare the token a qualified signature creation device (certified QSCD)."""
    require_content_commitment: bool = False
    """Refuse a key whose certificate lacks the content-commitment (non-repudiation) key
    usage, i.e. an authentication key."""


BELGIAN_EID: Final = Pkcs11Profile(
    token_label="BELPIC",
    key_label="Signature",
    pin_per_use=True,
    require_content_commitment=True,
)
"""The Belgian eID card as the beid middleware shows it: token ``BELPIC``, keys and
certificates ``Signature`` (non-repudiation, PIN on every use) and ``Authentication``.
Module: ``libbeidpkcs11.so.0`` (Linux), ``libbeidpkcs11.dylib`` (macOS), ``beidpkcs11.dll``
(Windows). The card is not declared a QSCD here; set ``qscd_claimed`` when you rely on it."""


# --------------------------------------------------------------------------- internals


class _Pin:
    """A PIN kept for per-use authentication. It never prints and cannot be pickled."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<PIN hidden>"

    __str__ = __repr__

    def __reduce__(self) -> str:
        raise TypeError("A PIN cannot be pickled")


def _attribute_mapper() -> AttributeMapper:
    """python-pkcs11's mapper, taught to read CKA_ALLOWED_MECHANISMS (an array of ulongs)."""
    mapper = AttributeMapper()

    def pack(values: Any) -> bytes:
        return b"".join(struct.pack("L", int(v)) for v in values)

    def unpack(data: bytes) -> Any:
        return [value for (value,) in struct.iter_unpack("L", data)]

    mapper.register_handler(Attribute.ALLOWED_MECHANISMS, pack, unpack)
    return mapper


_NEEDED_MECHANISM: Final = {P11KeyType.RSA: Mechanism.RSA_PKCS, P11KeyType.EC: Mechanism.ECDSA}
_SIGNING_NAMES: Final = ("RSA", "ECDSA", "DSA", "EDDSA", "SHA", "PSS")

# A per-process key to recognise a PIN that was already used to log in, without keeping it.
_PROCESS_KEY: Final = secrets.token_bytes(32)


def _pin_check(pin: str) -> bytes:
    return hmac.new(_PROCESS_KEY, pin.encode("utf-8"), hashlib.sha256).digest()


@dataclass
class _Login:
    session: Any
    users: int
    check: bytes | None


class _Logins:
    """One login per token per process, shared by every device and listing.

    PKCS#11 login state belongs to the application, not to a session: a second
    ``C_Login`` fails with "already logged in", and closing a logged-in session logs
    out every session on that token. So the login lives in an anchor session that stays
    open while anyone uses the token; devices work in sessions of their own.
    """

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _active: ClassVar[dict[tuple[str, int, bytes], _Login]] = {}
    login_calls: ClassVar[int] = 0
    """How many user logins (``C_Login``) this process made; tests count them."""

    @classmethod
    def acquire(
        cls, module: str, token: Any, token_label: str, pin: str | None
    ) -> tuple[str, int, bytes] | None:
        """Make sure the token is logged in; return the registry key to release, if any."""
        flags = TokenFlag(token.flags)
        if not flags & TokenFlag.LOGIN_REQUIRED and pin is None:
            return None
        key = (module, int(token.slot.slot_id), bytes(token.serial))
        with cls._lock:
            found = cls._active.get(key)
            if found is not None:
                # Already logged in: the PIN must still be the one that logged in.
                if found.check is not None and pin is None:
                    raise PinRequiredError(
                        f"Token {token_label!r} needs a PIN to sign; none was given",
                        token_label=token_label,
                    )
                if (
                    found.check is not None
                    and pin is not None
                    and not hmac.compare_digest(found.check, _pin_check(pin))
                ):
                    raise PinIncorrectError(
                        f"The PIN for token {token_label!r} is incorrect: it differs from "
                        "the PIN this program already logged in with",
                        token_label=token_label,
                    )
                found.users += 1
                return key
            if flags & TokenFlag.USER_PIN_LOCKED:
                raise _pin_locked(token_label)
            if pin is None:
                if not flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH:
                    raise PinRequiredError(
                        f"Token {token_label!r} needs a PIN to sign; none was given",
                        token_label=token_label,
                    )
                user_pin: object = pkcs11.PROTECTED_AUTH
            else:
                user_pin = pin
            try:
                cls.login_calls += 1
                session = token.open(user_pin=user_pin, attribute_mapper=_attribute_mapper())
            except p11.PKCS11Error as exc:
                raise _translate(exc, token_label=token_label, token=token) from None
            cls._active[key] = _Login(session, 1, None if pin is None else _pin_check(pin))
            _log.debug("Logged in to PKCS#11 token %r", token_label)
            return key

    @classmethod
    def release(cls, key: tuple[str, int, bytes] | None) -> None:
        """Give up one use of the login; the last user logs out."""
        if key is None:
            return
        with cls._lock:
            found = cls._active.get(key)
            if found is None:
                return
            found.users -= 1
            if found.users > 0:
                return
            del cls._active[key]
        try:
            found.session.close()  # C_Logout, then C_CloseSession
        except p11.PKCS11Error:
            _log.debug("Closing the login session failed; the token may be gone")


def _pin_locked(token_label: str) -> PinLockedError:
    return PinLockedError(
        f"The PIN of token {token_label!r} is locked after too many wrong tries. Unblock it "
        "with the PUK or the security officer PIN (for a Belgian eID card: at the municipality); "
        "esig sent no PIN",
        token_label=token_label,
    )


def _token_flags_now(token: Any) -> TokenFlag:
    try:
        return TokenFlag(token.slot.get_token().flags)
    except p11.PKCS11Error:
        return TokenFlag(0)


def _translate(
    exc: p11.PKCS11Error,
    *,
    token_label: str,
    key_label: str | None = None,
    signing: bool = False,
    token: Any = None,
    mechanism: str = "RSA_PKCS or ECDSA",
) -> EsigError:
    """An esig error for a python-pkcs11 error. Only the error's class name is used."""
    name = type(exc).__name__
    if isinstance(exc, p11.PinIncorrect | p11.PinInvalid | p11.PinLenRange):
        flags = _token_flags_now(token) if token is not None else TokenFlag(0)
        if flags & TokenFlag.USER_PIN_LOCKED:
            return _pin_locked(token_label)
        final = bool(flags & TokenFlag.USER_PIN_FINAL_TRY)
        hint = (
            " Only one try is left before the PIN locks."
            if final
            else " Tokens lock the PIN after a few wrong tries."
        )
        return PinIncorrectError(
            f"Token {token_label!r} refused the PIN; check it and try again.{hint}",
            token_label=token_label,
            final_try=final,
        )
    if isinstance(exc, p11.PinLocked):
        return _pin_locked(token_label)
    if isinstance(exc, p11.PinExpired):
        return KeyLoadError(
            f"The PIN of token {token_label!r} has expired; change it with the token's own tool"
        )
    if isinstance(
        exc,
        p11.MechanismInvalid | p11.MechanismParamInvalid | p11.KeyTypeInconsistent,
    ):
        what = f"key {key_label!r} on token {token_label!r}" if key_label else repr(token_label)
        return MechanismNotSupportedError(
            f"The {what} refused the raw signing mechanism esig needs ({name}); use a key "
            "or token that allows CKM_RSA_PKCS (RSA) or CKM_ECDSA (EC)",
            token_label=token_label,
            mechanism=mechanism,
        )
    if isinstance(exc, p11.DeviceRemoved | p11.TokenNotPresent | p11.TokenNotRecognised):
        if signing:
            return DeviceClosedError(
                f"Token {token_label!r} was removed; insert it and open the device again"
            )
        return TokenNotFoundError(
            f"Token {token_label!r} is not present; insert it and try again",
            token_label=token_label,
        )
    if signing and isinstance(
        exc, p11.SessionClosed | p11.SessionHandleInvalid | p11.UserNotLoggedIn
    ):
        return DeviceClosedError(
            f"The session with token {token_label!r} ended ({name}); open the device again"
        )
    if isinstance(exc, p11.UserAlreadyLoggedIn | p11.AnotherUserAlreadyLoggedIn):
        return KeyLoadError(
            f"Token {token_label!r} is already logged in by other code in this program (or as "
            "security officer); close that session first"
        )
    if isinstance(exc, p11.UserPinNotInitialized):
        return KeyLoadError(
            f"Token {token_label!r} has no user PIN yet; initialise it with the security "
            "officer PIN first"
        )
    if isinstance(exc, p11.FunctionCancelled):
        return SigningError(f"PIN entry on the reader for token {token_label!r} was cancelled")
    if signing:
        return SigningError(f"Token {token_label!r} could not sign ({name})")
    return KeyLoadError(f"Token {token_label!r} reported an error ({name})")


def _module_path(module_path: ModulePath) -> str:
    module = os.fspath(module_path)
    if not module:
        raise Pkcs11ModuleError("No PKCS#11 module path was given", module=module)
    # A bare file name is looked up by the system loader; a path must exist.
    if os.sep in module or (os.altsep and os.altsep in module):
        path = Path(module)
        if not path.exists():
            raise Pkcs11ModuleError(
                f"The PKCS#11 module {module!r} does not exist; install the token's middleware "
                "or give the path of its .so/.dylib/.dll",
                module=module,
            )
        if path.is_dir():
            raise Pkcs11ModuleError(
                f"Expected a PKCS#11 module (a shared library), got the folder {module!r}",
                module=module,
            )
    return module


def _load(module: str) -> Any:
    try:
        return pkcs11.lib(module)
    except p11.PKCS11Error as exc:
        raise Pkcs11ModuleError(
            f"{module!r} cannot be loaded as a PKCS#11 module ({exc}); give the token "
            "middleware's PKCS#11 library",
            module=module,
        ) from None


def _find_token(lib: Any, token_label: str) -> Any:
    try:
        present = [slot.get_token() for slot in lib.get_slots(token_present=True)]
    except p11.PKCS11Error as exc:
        raise _translate(exc, token_label=token_label) from None
    matches = [t for t in present if t.label == token_label]
    labels = sorted({t.label for t in present if t.label})
    if not matches:
        shown = ", ".join(repr(label) for label in labels) or "none"
        raise TokenNotFoundError(
            f"No token labelled {token_label!r} is present (tokens present: {shown}); insert "
            "the card or check the label",
            token_label=token_label,
            available=labels,
        )
    if len(matches) > 1:
        raise TokenNotFoundError(
            f"{len(matches)} tokens are labelled {token_label!r}; remove all but one",
            token_label=token_label,
            available=labels,
        )
    return matches[0]


def _read(obj: Any, attribute: Attribute, default: Any = None) -> Any:
    try:
        return obj[attribute]
    except (p11.AttributeTypeInvalid, p11.AttributeSensitive, NotImplementedError):
        return default


def _objects(session: Any, template: dict[Attribute, Any]) -> list[Any]:
    # Always exhaust the search: an unfinished one leaves C_FindObjects active.
    return list(session.get_objects(template))


@dataclass(frozen=True)
class _KeyFacts:
    label: str
    id: bytes
    key_type: Any
    can_sign: bool
    extractable: bool | None
    sensitive: bool | None
    never_extractable: bool | None
    always_authenticate: bool
    allowed_mechanisms: tuple[int, ...]
    modulus: bytes | None
    ec_params: bytes | None

    @classmethod
    def read(cls, key: Any) -> _KeyFacts:
        key_type = _read(key, Attribute.KEY_TYPE)
        return cls(
            label=str(_read(key, Attribute.LABEL, "")),
            id=bytes(_read(key, Attribute.ID, b"")),
            key_type=key_type,
            can_sign=bool(_read(key, Attribute.SIGN, False)),
            extractable=_read(key, Attribute.EXTRACTABLE),
            sensitive=_read(key, Attribute.SENSITIVE),
            never_extractable=_read(key, Attribute.NEVER_EXTRACTABLE),
            always_authenticate=bool(_read(key, Attribute.ALWAYS_AUTHENTICATE, False)),
            allowed_mechanisms=tuple(_read(key, Attribute.ALLOWED_MECHANISMS, None) or ()),
            modulus=_read(key, Attribute.MODULUS) if key_type == P11KeyType.RSA else None,
            ec_params=_read(key, Attribute.EC_PARAMS) if key_type == P11KeyType.EC else None,
        )

    @property
    def algorithm(self) -> KeyAlgorithm:
        if self.key_type == P11KeyType.RSA:
            return KeyAlgorithm.RSA
        if self.key_type == P11KeyType.EC:
            return KeyAlgorithm.EC
        return KeyAlgorithm.OTHER

    @property
    def key_size(self) -> int | None:
        if self.modulus:
            return int.from_bytes(self.modulus, "big").bit_length()
        if self.ec_params:
            try:
                params = asn1_keys.ECDomainParameters.load(self.ec_params)
                if params.name == "named":
                    curve = ec.get_curve_for_oid(x509.ObjectIdentifier(params.chosen.dotted))
                    return curve().key_size
            except (ValueError, LookupError):
                return None
        return None

    @property
    def key_extractable(self) -> bool | None:
        if self.extractable is None or self.sensitive is None:
            return None
        return bool(self.extractable) or not self.sensitive


def _mechanism_name(value: int) -> str:
    try:
        return Mechanism(value).name
    except ValueError:
        return f"0x{value:08X}"


def _ec_point(data: bytes) -> bytes:
    """An EC point from CKA_EC_POINT, which tokens give DER-wrapped (as they should) or raw."""
    try:
        parsed = asn1_core.OctetString.load(data)
        inner = bytes(parsed.native)
        if inner[:1] == b"\x04":
            return inner
    except (ValueError, TypeError):
        pass
    return data


def _matches(session: Any, facts: _KeyFacts, cert: x509.Certificate) -> bool | None:
    """Whether ``cert`` certifies the token key (None: the token does not let us tell)."""
    public = cert.public_key()
    if facts.key_type == P11KeyType.RSA:
        if not isinstance(public, rsa.RSAPublicKey):
            return False
        if facts.modulus is None:
            return None
        return public.public_numbers().n == int.from_bytes(facts.modulus, "big")
    if facts.key_type == P11KeyType.EC:
        if not isinstance(public, ec.EllipticCurvePublicKey):
            return False
        template: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.PUBLIC_KEY}
        if facts.id:
            template[Attribute.ID] = facts.id
        else:
            template[Attribute.LABEL] = facts.label
        point = public.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        candidates = [_read(obj, Attribute.EC_POINT) for obj in _objects(session, template)]
        known = [_ec_point(bytes(c)) for c in candidates if c]
        if not known:
            return None
        return point in known
    return None


def _certificates(session: Any, template: dict[Attribute, Any]) -> list[x509.Certificate]:
    template = {Attribute.CLASS: ObjectClass.CERTIFICATE, **template}
    found = []
    for obj in _objects(session, template):
        value = _read(obj, Attribute.VALUE)
        if not value:
            continue
        try:
            found.append(x509.load_der_x509_certificate(bytes(value)))
        except ValueError:
            continue
    return found


def _certificate_for(session: Any, facts: _KeyFacts) -> tuple[x509.Certificate | None, bool]:
    """The key's certificate, and whether a certificate was found that does not match."""
    candidates = _certificates(session, {Attribute.ID: facts.id}) if facts.id else []
    if not candidates and facts.label:
        candidates = _certificates(session, {Attribute.LABEL: facts.label})
    mismatch = False
    unsure: x509.Certificate | None = None
    for cert in candidates:
        verdict = _matches(session, facts, cert)
        if verdict is True:
            return cert, False
        if verdict is None and unsure is None:
            unsure = cert
        mismatch = mismatch or verdict is False
    return unsure, mismatch and unsure is None


def _issuers_on_token(session: Any, cert: x509.Certificate) -> tuple[x509.Certificate, ...]:
    """Issuer certificates of ``cert`` found on the token (a Belgian eID holds CA and Root)."""
    pool = _certificates(session, {})
    chain: list[x509.Certificate] = []
    current = cert
    while current.issuer != current.subject and len(chain) < 8:
        issuer = next(
            (c for c in pool if c.subject == current.issuer and c != current and c not in chain),
            None,
        )
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return tuple(chain)


def _has_content_commitment(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return bool(usage.content_commitment)


def _digest_info(digest: bytes, algorithm: DigestAlgorithm) -> bytes:
    """The DER DigestInfo that PKCS#1 v1.5 signs (RFC 8017 §9.2), parameters NULL."""
    return bytes(
        asn1_algos.DigestInfo(
            {
                "digest_algorithm": {"algorithm": algorithm.value, "parameters": asn1_core.Null()},
                "digest": digest,
            }
        ).dump()
    )


def _select_key(session: Any, token_label: str, key_label: str | None, key_id: str | None) -> Any:
    all_keys = _objects(session, {Attribute.CLASS: ObjectClass.PRIVATE_KEY})
    labels = sorted({str(_read(k, Attribute.LABEL, "")) for k in all_keys})
    template: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
    if key_label is not None:
        template[Attribute.LABEL] = key_label
    if key_id is not None:
        template[Attribute.ID] = bytes.fromhex(key_id)
    matches = _objects(session, template) if len(template) > 1 else all_keys
    shown = ", ".join(repr(label) for label in labels) or "none"
    wanted = " and ".join(
        part
        for part in (
            f"label {key_label!r}" if key_label is not None else "",
            f"id {key_id}" if key_id is not None else "",
        )
        if part
    )
    if not matches:
        raise KeyNotFoundError(
            f"Token {token_label!r} holds no private key with {wanted or 'any label'} (keys on "
            f"the token: {shown}); check the label, or the PIN if the token hides its keys",
            token_label=token_label,
            key_label=key_label,
            key_id=key_id,
            available=labels,
        )
    if len(matches) > 1:
        raise KeyNotFoundError(
            f"Token {token_label!r} holds {len(matches)} private keys"
            + (f" with {wanted}" if wanted else "")
            + f" (keys: {shown}); choose one by label or id",
            token_label=token_label,
            key_label=key_label,
            key_id=key_id,
            available=labels,
        )
    return matches[0]


# --------------------------------------------------------------------------- the device


@dataclass
class _State:
    lib: Any
    token: Any
    session: Any
    key: Any
    login: tuple[str, int, bytes] | None


class Pkcs11Device(SignatureCreationDevice):
    """A signing key on a PKCS#11 token, with its certificate and issuer chain.

    Open one with :meth:`open` (or :meth:`from_profile`) and close it with :meth:`close`,
    or use it as a context manager. The session stays open in between, so many
    signatures cost one login. Signing is a blocking call; the async twin runs it in a
    worker thread. One device may be shared between threads: signatures are serialised.
    """

    def __init__(
        self,
        *,
        state: _State,
        facts: _KeyFacts,
        token_label: str,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
        pin: _Pin | None,
        pin_per_use: bool,
        qscd_claimed: bool,
    ) -> None:
        """Use :meth:`open`; the constructor takes an already opened session."""
        self._state: _State | None = state
        self._facts = facts
        self._token_label = token_label
        super().__init__(certificate, chain)
        self._pin = pin
        self._pin_per_use = pin_per_use
        self._qscd_claimed = qscd_claimed
        self._lock = threading.Lock()
        self._description = (
            f"PKCS#11 token {token_label!r} "
            f"({state.token.manufacturer_id.strip()} {state.token.model.strip()}), "
            f"key {facts.label!r}"
        )
        self.signatures = 0
        """How many signatures this device has made since it was opened."""

    @classmethod
    def open(
        cls,
        module_path: ModulePath,
        *,
        token_label: str,
        key_label: str | None = None,
        key_id: str | None = None,
        pin: str | None = None,
        pin_per_use: bool | None = None,
        qscd_claimed: bool = False,
        require_content_commitment: bool = False,
        chain: Sequence[x509.Certificate] = (),
    ) -> Pkcs11Device:
        """Log in to a token and find the signing key and its certificate.

        Args:
            module_path: The PKCS#11 module (shared library) of the token's middleware,
                e.g. ``/usr/lib/softhsm/libsofthsm2.so``. A bare file name is looked up
                by the system's library loader.
            token_label: The token's label. Tokens are never selected by slot number.
            key_label: The private key's label.
            key_id: The private key's id in hex. With neither label nor id, the token
                must hold exactly one private key.
            pin: The user PIN. None for a token without login or with a PIN pad
                (protected authentication path). Sent to the token, never shown; kept in
                memory until :meth:`close` only when the key needs it for every signature.
            pin_per_use: Expect the key to need the PIN for every signature (True) or
                not (False); None follows the key's ``CKA_ALWAYS_AUTHENTICATE``.
            qscd_claimed: Declare the token a qualified signature creation device.
            require_content_commitment: Refuse a key whose certificate lacks the
                content-commitment (non-repudiation) key usage.
            chain: Issuer certificates to embed. When empty, issuers found on the token
                are used.

        Raises:
            Pkcs11ModuleError: The module cannot be found or loaded.
            TokenNotFoundError: No token (or more than one) has this label.
            PinRequiredError: The token needs a PIN and none was given.
            PinIncorrectError: The token refused the PIN.
            PinLockedError: The PIN is locked.
            KeyNotFoundError: No private key (or more than one) matches.
            CertificateNotOnTokenError: The key has no certificate on the token.
            KeyCertificateMismatchError: The certificate with the key's id is for another key.
            KeyUsageError: The key may not sign, or does not fit the configured policy.
            MechanismNotSupportedError: The token or key lacks the raw signing mechanism.
            KeyLoadError: The key type is not RSA or EC, or another token error.

        """
        if key_id is not None and not _HEX_ID.fullmatch(key_id):
            raise ValueError(
                f"key_id must be hex digits in pairs, as pkcs11-tool shows it: {key_id!r}"
            )
        secret = pin if pin else None
        module = _module_path(module_path)
        lib = _load(module)
        token = _find_token(lib, token_label)
        with ExitStack() as cleanup:
            login = _Logins.acquire(module, token, token_label, secret)
            cleanup.callback(_Logins.release, login)
            session = _open_session(token, token_label)
            cleanup.callback(_close_quietly, session)
            key = _select_key(session, token_label, key_label, key_id)
            facts = _KeyFacts.read(key)
            _check_key(token, facts, token_label)
            certificate = _checked_certificate(session, facts, token_label)
            if require_content_commitment and not _has_content_commitment(certificate):
                raise KeyUsageError(
                    f"Key {facts.label!r} on token {token_label!r} is not for signing documents: "
                    "its certificate lacks the content-commitment (non-repudiation) key usage. "
                    "Choose the signature key (on a Belgian eID card: 'Signature', not "
                    "'Authentication')",
                    token_label=token_label,
                    key_label=facts.label,
                )
            _check_pin_policy(facts, token_label, pin_per_use)
            issuers = tuple(chain) or _issuers_on_token(session, certificate)
            per_use = facts.always_authenticate
            if per_use and secret is None:
                raise PinRequiredError(
                    f"Key {facts.label!r} on token {token_label!r} needs the PIN for every "
                    "signature; give the PIN (PIN-pad entry per signature is not supported)",
                    token_label=token_label,
                )
            device = cls(
                state=_State(lib, token, session, key, login),
                facts=facts,
                token_label=token_label,
                certificate=certificate,
                chain=issuers,
                pin=_Pin(secret) if per_use and secret is not None else None,
                pin_per_use=per_use,
                qscd_claimed=qscd_claimed,
            )
            cleanup.pop_all()
        _log.debug(
            "Opened PKCS#11 key %r on token %r (PIN per use: %s)",
            facts.label,
            token_label,
            per_use,
        )
        return device

    @classmethod
    def from_profile(
        cls,
        module_path: ModulePath,
        profile: Pkcs11Profile,
        *,
        pin: str | None = None,
        chain: Sequence[x509.Certificate] = (),
    ) -> Pkcs11Device:
        """Open the key a :class:`Pkcs11Profile` (e.g. :data:`BELGIAN_EID`) describes.

        Same errors as :meth:`open`.
        """
        return cls.open(
            module_path,
            token_label=profile.token_label,
            key_label=profile.key_label,
            key_id=profile.key_id,
            pin=pin,
            pin_per_use=profile.pin_per_use,
            qscd_claimed=profile.qscd_claimed,
            require_content_commitment=profile.require_content_commitment,
            chain=chain,
        )

    # -- the SignatureCreationDevice interface

    @property
    def evidence(self) -> DeviceEvidence:
        """What the token says about the key, and what was declared about the token."""
        return DeviceEvidence(
            kind=DeviceKind.PKCS11,
            description=self._description,
            key_extractable=self._facts.key_extractable,
            authentication_per_use=self._pin_per_use,
            qscd_claimed=self._qscd_claimed,
        )

    @property
    def token_label(self) -> str:
        """The label of the token the key is on."""
        return self._token_label

    @property
    def key_label(self) -> str:
        """The key's label on the token."""
        return self._facts.label

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._state is None

    def sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        """Have the token sign a digest (blocking).

        Raises:
            DeviceClosedError: The device is closed or the token was removed.
            MechanismNotSupportedError: The token refused the raw mechanism.
            PinIncorrectError: The token refused the per-use PIN.
            SigningError: Another token error.

        """
        if len(digest) != algorithm.digest_size:
            raise ValueError(
                f"A {algorithm.value} digest has {algorithm.digest_size} bytes, got {len(digest)}"
            )
        with self._lock:
            state = self._state
            if state is None:
                raise DeviceClosedError(
                    f"The device for key {self._facts.label!r} on token {self._token_label!r} "
                    "is closed; open it again to sign"
                )
            if self._scheme is SignatureScheme.RSA_PKCS1V15:
                data, mechanism = _digest_info(digest, algorithm), Mechanism.RSA_PKCS
            else:
                data, mechanism = digest, Mechanism.ECDSA
            try:
                if self._pin is not None:
                    raw = state.key.sign(data, mechanism=mechanism, pin=self._pin.reveal())
                else:
                    raw = state.key.sign(data, mechanism=mechanism)
            except p11.PKCS11Error as exc:
                if self._pin_per_use:
                    # A failed per-use login leaves the operation active: start afresh.
                    self._reopen(state)
                raise _translate(
                    exc,
                    token_label=self._token_label,
                    key_label=self._facts.label,
                    signing=True,
                    token=state.token,
                    mechanism=mechanism.name,
                ) from None
            self.signatures += 1
        raw = bytes(raw)
        if self._scheme is SignatureScheme.RSA_PKCS1V15:
            return raw
        half = len(raw) // 2
        return encode_dss_signature(
            int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        )

    def _reopen(self, state: _State) -> None:
        _close_quietly(state.session)
        try:
            state.session = state.token.open(attribute_mapper=_attribute_mapper())
            template = {
                Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                Attribute.ID: self._facts.id,
                Attribute.LABEL: self._facts.label,
            }
            (state.key,) = _objects(state.session, template)
        except (p11.PKCS11Error, ValueError):
            _Logins.release(state.login)
            self._state = None
            self._pin = None

    # -- lifetime

    def close(self) -> None:
        """End the session and forget the PIN; the last user of the token logs out.

        Closing twice is harmless.
        """
        with self._lock:
            state, self._state = self._state, None
            self._pin = None
        if state is None:
            return
        _close_quietly(state.session)
        _Logins.release(state.login)
        _log.debug(
            "Closed PKCS#11 key %r on token %r after %d signatures",
            self._facts.label,
            self._token_label,
            self.signatures,
        )

    def __enter__(self) -> Self:
        """Use the device in a ``with`` block; it is closed at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the device."""
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return (
            f"<Pkcs11Device {state} token={self._token_label!r} key={self._facts.label!r} "
            f"for {self._certificate.subject.rfc4514_string()!r}>"
        )


def _open_session(token: Any, token_label: str) -> Any:
    try:
        return token.open(attribute_mapper=_attribute_mapper())
    except p11.PKCS11Error as exc:
        raise _translate(exc, token_label=token_label, token=token) from None


def _close_quietly(session: Any) -> None:
    try:
        session.close()
    except p11.PKCS11Error:
        _log.debug("Closing a PKCS#11 session failed; the token may be gone")


def _check_key(token: Any, facts: _KeyFacts, token_label: str) -> None:
    if facts.algorithm is KeyAlgorithm.OTHER:
        raise KeyLoadError(
            f"Key {facts.label!r} on token {token_label!r} is neither RSA nor EC; esig signs "
            "with RSA or EC keys"
        )
    if not facts.can_sign:
        raise KeyUsageError(
            f"Key {facts.label!r} on token {token_label!r} may not sign (CKA_SIGN is false); "
            "choose a signing key",
            token_label=token_label,
            key_label=facts.label,
        )
    needed = _NEEDED_MECHANISM[facts.key_type]
    try:
        offered = {int(m) for m in token.slot.get_mechanisms()}
    except p11.PKCS11Error as exc:
        raise _translate(exc, token_label=token_label, token=token) from None
    if int(needed) not in offered:
        names = sorted(
            n for n in map(_mechanism_name, offered) if any(s in n for s in _SIGNING_NAMES)
        )
        raise MechanismNotSupportedError(
            f"Token {token_label!r} does not offer the raw {needed.name} mechanism esig needs "
            f"to sign a precomputed digest (it offers: {', '.join(names) or 'none'}); use "
            "another token or module",
            token_label=token_label,
            mechanism=needed.name,
            offered=names,
        )
    if facts.allowed_mechanisms and int(needed) not in facts.allowed_mechanisms:
        names = [_mechanism_name(m) for m in facts.allowed_mechanisms]
        raise MechanismNotSupportedError(
            f"Key {facts.label!r} on token {token_label!r} is restricted to "
            f"{', '.join(names)} (CKA_ALLOWED_MECHANISMS), but esig signs precomputed digests "
            f"with {needed.name}; use a key that allows {needed.name}",
            token_label=token_label,
            mechanism=needed.name,
            offered=names,
        )


def _check_pin_policy(facts: _KeyFacts, token_label: str, pin_per_use: bool | None) -> None:
    if pin_per_use is not None and pin_per_use != facts.always_authenticate:
        expected = "needs" if pin_per_use else "does not need"
        actual = "needs" if facts.always_authenticate else "does not need"
        raise KeyUsageError(
            f"Key {facts.label!r} on token {token_label!r} {actual} the PIN for every "
            f"signature, but the configuration expects a key that {expected} it; check the "
            "key label",
            token_label=token_label,
            key_label=facts.label,
        )


def _checked_certificate(session: Any, facts: _KeyFacts, token_label: str) -> x509.Certificate:
    certificate, mismatch = _certificate_for(session, facts)
    if certificate is not None:
        return certificate
    if mismatch:
        raise KeyCertificateMismatchError(
            f"The certificate stored with key {facts.label!r} on token {token_label!r} is for "
            "another key; import the right certificate with the key's id"
        )
    raise CertificateNotOnTokenError(
        f"Key {facts.label!r} (id {facts.id.hex()}) on token {token_label!r} has no "
        "certificate on the token; import it as DER with the same id and label (e.g. "
        "pkcs11-tool --write-object cert.der --type cert --id ID --label LABEL)",
        token_label=token_label,
        key_label=facts.label,
        key_id=facts.id.hex(),
    )


def list_token_objects(
    module_path: ModulePath, token_label: str, pin: str | None = None
) -> list[TokenKey]:
    """The private keys on a token, each with its certificate's subject and key facts.

    Args:
        module_path: The PKCS#11 module.
        token_label: The token's label.
        pin: The user PIN (most tokens hide private keys until login).

    Raises:
        Pkcs11ModuleError, TokenNotFoundError, PinRequiredError, PinIncorrectError,
        PinLockedError, KeyLoadError: as for :meth:`Pkcs11Device.open`.

    """
    module = _module_path(module_path)
    token = _find_token(_load(module), token_label)
    login = _Logins.acquire(module, token, token_label, pin if pin else None)
    try:
        session = _open_session(token, token_label)
        try:
            return sorted(_describe_keys(session, token_label), key=lambda k: (k.id, k.label))
        except p11.PKCS11Error as exc:
            raise _translate(exc, token_label=token_label, token=token) from None
        finally:
            _close_quietly(session)
    finally:
        _Logins.release(login)


def _describe_keys(session: Any, token_label: str) -> Iterator[TokenKey]:
    for key in _objects(session, {Attribute.CLASS: ObjectClass.PRIVATE_KEY}):
        facts = _KeyFacts.read(key)
        certificate, _ = _certificate_for(session, facts)
        yield TokenKey(
            label=facts.label,
            id=facts.id.hex(),
            algorithm=facts.algorithm,
            key_size=facts.key_size,
            can_sign=facts.can_sign,
            has_certificate=certificate is not None,
            subject=certificate.subject.rfc4514_string() if certificate is not None else None,
            extractable=facts.extractable,
            sensitive=facts.sensitive,
            never_extractable=facts.never_extractable,
            always_authenticate=facts.always_authenticate,
        )
