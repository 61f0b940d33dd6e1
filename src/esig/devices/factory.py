"""One language for every signing device: a URI names the key, :func:`open_device` opens it.

The CLI (``esig sign --device URI``, ``esig devices list URI``) and configuration files
name a signature creation device with one string. Three forms are accepted:

``file:`` — a key in a file (a :class:`~esig.devices.software.SoftwareKey`)::

    file:/path/signer.p12                                     PKCS#12 (.p12/.pfx)
    file:/path/key.pem?cert=/path/cert.pem&chain=/path/ca.pem PEM/DER key + certificate

    ``file:///path`` and ``file://localhost/path`` (RFC 8089) mean the same as
    ``file:/path``; ``file:signer.p12`` is relative to the working directory. Query
    attributes: ``cert`` (the certificate; without it the file is PKCS#12) and
    ``chain`` (issuer certificates, repeatable; only with ``cert``).

``pkcs11:`` — a key on a token (a :class:`~esig.devices.pkcs11.Pkcs11Device`), in the
syntax of RFC 7512::

    pkcs11:token=esig-test;object=rsa-signer?module-path=/usr/lib/softhsm/libsofthsm2.so

    Path attributes (``;``-separated): ``token`` (the token label; required to open a
    key), ``object`` (the key label), ``id`` (the key id, percent-encoded bytes such as
    ``%01``), ``type`` (``private`` or ``cert``), and ``manufacturer``, ``model``,
    ``serial``, which the token must then match. Slots are never named: tokens are
    selected by label. Query attributes (``&``-separated): ``module-path`` (or
    ``module-name``, looked up by the system loader; one is required),
    ``pin-source`` (a file holding the PIN: ``file:/path`` or ``/path``),
    ``pin-value`` (accepted as RFC 7512 allows, never shown; prefer the secret
    provider), and two esig attributes: ``chain`` (a certificate file with issuers to
    embed, repeatable) and ``qscd`` (``true`` declares the token a qualified device).

``csc+https:`` / ``csc+http:`` — a credential at a remote signing service (a
:class:`~esig.devices.csc.CscDevice`, Cloud Signature Consortium API)::

    csc+https://signing.example.org/csc/v1?credential=my-credential
    csc+http://127.0.0.1:8080?credential=esig-test/signer1

    Drop ``csc+`` to get the service URL (``/csc/v1`` may be left out). Query
    attributes: ``credential`` (required to open), ``timeout`` (seconds per request)
    and ``qscd`` (``true`` declares the service's key a qualified device).
    Use ``csc+http:`` only for local test services.

Values are percent-encoded (``%20`` for a space, ``%26`` for ``&``). Secrets never go
in a URI (``pin-value`` excepted, for RFC 7512's sake): a passphrase or PIN comes from
the ``secret_provider`` callable, which gets a prompt and returns the secret (``""``
for none). Prompts start with ``Passphrase``, ``PIN``, ``One-time password`` or
``Access token`` (a CSC service's OAuth 2.0 bearer token, asked only after the service
answered 401 without one);
:func:`env_secret_provider` reads ``ESIG_PASSPHRASE`` / ``ESIG_PIN`` /
``ESIG_CSC_ACCESS_TOKEN`` and otherwise asks on the terminal. A provider is asked at
most once per :func:`open_device` call (a one-time password excepted, which a CSC
service needs for every signature).
"""

from __future__ import annotations

import getpass
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from cryptography import x509
from pydantic import SecretStr

from esig._model import EsigModel
from esig.certificates import load_certificates
from esig.devices.base import DeviceKind, SignatureCreationDevice
from esig.devices.csc.client import CscClient, CscDevice
from esig.devices.csc.errors import RemoteServiceError
from esig.devices.csc.models import Activation, AuthorizationRequest, Presence
from esig.devices.software import SoftwareKey
from esig.devices.uri import (
    ACCEPTED_FORMS,
    CscDeviceUri,
    DeviceUri,
    FileDeviceUri,
    Pkcs11DeviceUri,
    describe_uri,
)
from esig.errors import EsigError, InputError, KeyLoadError, WrongPassphraseError

if TYPE_CHECKING:
    from esig.devices.pkcs11 import TokenKey

__all__ = [
    "ACCEPTED_FORMS",
    "CscDeviceUri",
    "DeviceEntry",
    "DeviceUri",
    "FileDeviceUri",
    "Pkcs11DeviceUri",
    "SecretProvider",
    "describe_uri",
    "env_secret_provider",
    "list_devices",
    "open_device",
]

SecretProvider = Callable[[str], str]
"""Gets a prompt (``Passphrase for …``, ``PIN for …``, ``One-time password for …``) and
returns the secret, or ``""`` when there is none."""


_PASSPHRASE_PROMPT: Final = "Passphrase"
_PIN_PROMPT: Final = "PIN"
_OTP_PROMPT: Final = "One-time password"
_ACCESS_TOKEN_PROMPT: Final = "Access token"
_T = TypeVar("_T")

_MAX_LISTED_CREDENTIALS: Final = 200


# --------------------------------------------------------------------------- models


class DeviceEntry(EsigModel):
    """One thing :func:`list_devices` found: a token, a key or a credential."""

    uri: str
    """The URI that names it; for a key or credential, what :func:`open_device` takes.
    Never holds a PIN."""
    kind: DeviceKind
    entry: Literal["token", "key", "credential"]
    """What was found: a token (list it for its keys), a key, or a remote credential."""
    label: str
    """The token label, key label, file name or credential id."""
    subject: str | None = None
    """The certificate's subject (RFC 4514), for keys and credentials."""
    algorithm: str | None = None
    """The key algorithm and size, e.g. ``RSA-2048`` or ``EC-256``."""
    usable: bool
    """Whether esig can sign with it as it is (for a token: whether it is usable at all)."""
    note: str | None = None
    """Why it is not usable, or facts worth knowing (PIN per signature, manufacturer)."""


# --------------------------------------------------------------------------- secrets


def env_secret_provider(
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    passphrase: str | None = None,
) -> SecretProvider:
    """A secret provider that reads the environment, then asks on the terminal.

    Passphrase prompts are answered from ``passphrase`` or ``ESIG_PASSPHRASE``, PIN
    prompts from ``ESIG_PIN``, a remote signing service's OAuth access token from
    ``ESIG_CSC_ACCESS_TOKEN`` (never asked for: many services need none); anything
    else (one-time passwords), or a variable that is not set, is asked for on the
    terminal (hidden input) when ``interactive``.
    Otherwise the provider returns ``""`` and the device reports what it lacks.

    Args:
        environ: Where to read variables (default: :data:`os.environ`, read at each call).
        interactive: Whether to prompt (default: when standard input is a terminal).
        passphrase: A passphrase given by other means (e.g. read from a file).

    """

    def provide(prompt: str) -> str:
        env = os.environ if environ is None else environ
        if prompt.startswith(_PASSPHRASE_PROMPT):
            value = passphrase if passphrase is not None else env.get("ESIG_PASSPHRASE")
        elif prompt.startswith(_PIN_PROMPT):
            value = env.get("ESIG_PIN")
        elif prompt.startswith(_ACCESS_TOKEN_PROMPT):
            # Many services need no token: never ask for one on the terminal.
            return env.get("ESIG_CSC_ACCESS_TOKEN", "")
        else:
            value = None
        if value is not None:
            return value
        asking = sys.stdin.isatty() if interactive is None else interactive
        return getpass.getpass(f"{prompt}: ") if asking else ""

    return provide


def _ask(provider: SecretProvider | None, prompt: str) -> str | None:
    if provider is None:
        return None
    return provider(prompt) or None


class _CscSecrets:
    """Supplies a CSC credential's PIN (asked once) and one-time passwords (every time)."""

    __slots__ = ("_ask_otp", "_lock", "_pin")

    def __init__(self, pin: str | None, ask_otp: Callable[[], str | None] | None) -> None:
        self._pin = SecretStr(pin) if pin else None
        self._ask_otp = ask_otp
        self._lock = threading.Lock()  # one prompt at a time, also when a batch runs threads

    def __call__(self, request: AuthorizationRequest, /) -> Activation:
        otp = None
        if self._ask_otp is not None:
            with self._lock:
                otp = self._ask_otp()
        return Activation(pin=self._pin, otp=SecretStr(otp) if otp else None)

    def __repr__(self) -> str:
        return "<CSC secrets hidden>"


# --------------------------------------------------------------------------- opening


def open_device(
    uri: str | DeviceUri, *, secret_provider: SecretProvider | None = None
) -> SignatureCreationDevice:
    """Open the signature creation device a URI names (see the module for the forms).

    A PKCS#11 device holds a logged-in session: close it (``device.close()``, or use it
    in a ``with`` block) when done; one device signs any number of documents with one
    login.

    Args:
        uri: A device URI, or one parsed by :func:`describe_uri`.
        secret_provider: Asked for a passphrase or PIN when the key needs one (at most
            once per call; for a CSC credential that needs a one-time password, once
            per signature). Without it, a key that needs a secret fails to open.

    Raises:
        InputError: The URI is malformed, or names no single key.
        KeyLoadError: The key cannot be opened; the subclass says why (e.g.
            :class:`~esig.errors.WrongPassphraseError`, ``KeyNotFoundError``,
            ``TokenNotFoundError``, ``CredentialNotFoundError``).
        RemoteServiceError: The CSC service failed or cannot be reached.

    """
    parsed = describe_uri(uri) if isinstance(uri, str) else uri
    if isinstance(parsed, FileDeviceUri):
        return _open_file(parsed, secret_provider)
    if isinstance(parsed, Pkcs11DeviceUri):
        return _open_pkcs11(parsed, secret_provider)
    if isinstance(parsed, CscDeviceUri):
        return _open_csc(parsed, secret_provider)
    raise InputError(f"Unsupported device URI type {type(parsed).__name__}")


def _open_file(parsed: FileDeviceUri, provider: SecretProvider | None) -> SoftwareKey:
    def attempt(secret: str | None) -> SoftwareKey:
        if parsed.certificate is None:
            return SoftwareKey.from_pkcs12(parsed.path, secret)
        return SoftwareKey.from_pem(parsed.path, parsed.certificate, parsed.chain, secret)

    try:
        return attempt(None)
    except WrongPassphraseError:
        secret = _ask(provider, f"{_PASSPHRASE_PROMPT} for {parsed.path.name}")
        if secret is None:
            raise
    return attempt(secret)


def _pkcs11() -> Any:
    try:
        from esig.devices import pkcs11  # noqa: PLC0415 - python-pkcs11 is optional
    except ImportError:
        raise KeyLoadError(
            "PKCS#11 tokens need the python-pkcs11 package: pip install 'esig[pkcs11]'"
        ) from None
    return pkcs11


def _explicit_pin(parsed: Pkcs11DeviceUri) -> str | None:
    if parsed.pin_value is not None:
        return parsed.pin_value.get_secret_value()
    if parsed.pin_source is None:
        return None
    try:
        with parsed.pin_source.open(encoding="utf-8") as handle:
            return handle.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise InputError(
            f"The PIN file (pin-source) cannot be read: {reason}", path=parsed.pin_source
        ) from None


def _chain(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    return [c for p in paths for c in load_certificates(p, what="chain certificate")]


def _check_token_identity(module: Any, parsed: Pkcs11DeviceUri) -> None:
    wanted = {"manufacturer": parsed.manufacturer, "model": parsed.model, "serial": parsed.serial}
    if parsed.token is None or all(v is None for v in wanted.values()):
        return
    from esig.devices.pkcs11.tokens import (  # noqa: PLC0415 - python-pkcs11 is optional
        find_token,
        load_module,
        resolve_module_path,
    )

    token = find_token(load_module(resolve_module_path(parsed.module)), parsed.token)
    actual = {
        "manufacturer": _text(token.manufacturer_id),
        "model": _text(token.model),
        "serial": _text(token.serial),
    }
    for name, value in wanted.items():
        if value is not None and value.strip() != actual[name]:
            raise module.TokenNotFoundError(
                f"Token {parsed.token!r} has {name} {actual[name]!r}, but the URI asks for "
                f"{value!r}; check the URI",
                token_label=parsed.token,
            )


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip()


def _open_pkcs11(
    parsed: Pkcs11DeviceUri, provider: SecretProvider | None
) -> SignatureCreationDevice:
    module = _pkcs11()
    if parsed.token is None:
        raise InputError(
            f"The URI {str(parsed)!r} names no token: add token=LABEL (list the tokens with "
            f"`esig devices list {str(parsed)!r}`)"
        )
    chain = _chain(parsed.chain)
    _check_token_identity(module, parsed)

    def attempt(pin: str | None) -> SignatureCreationDevice:
        device: SignatureCreationDevice = module.Pkcs11Device.open(
            parsed.module,
            token_label=parsed.token,
            key_label=parsed.key_label,
            key_id=parsed.key_id,
            pin=pin,
            qscd_claimed=parsed.qscd_claimed,
            chain=chain,
        )
        return device

    pin = _explicit_pin(parsed)
    if pin is not None:
        return attempt(pin)
    try:
        return attempt(None)
    except module.PinRequiredError:
        asked = _ask(provider, f"{_PIN_PROMPT} for token {parsed.token!r}")
        if asked is None:
            raise
    return attempt(asked)


def _csc_client(parsed: CscDeviceUri, access_token: str | None = None) -> CscClient:
    return CscClient(parsed.base_url, timeout=parsed.timeout, access_token=access_token)


def _first_csc_call(
    parsed: CscDeviceUri, provider: SecretProvider | None, call: Callable[[CscClient], _T]
) -> tuple[CscClient, _T]:
    """Make the first call without a token; on 401, ask for one once and try again.

    The provider is asked for an access token only when the service wants one, so it
    is asked, as for PINs and passphrases, only for the secrets actually needed.
    """
    client = _csc_client(parsed)
    try:
        return client, call(client)
    except RemoteServiceError as exc:
        if exc.status != HTTPStatus.UNAUTHORIZED:
            raise
        token = _ask(provider, f"{_ACCESS_TOKEN_PROMPT} for {parsed.base_url}")
        if token is None:
            raise
    client = _csc_client(parsed, token)
    return client, call(client)


def _open_csc(parsed: CscDeviceUri, provider: SecretProvider | None) -> CscDevice:
    if parsed.credential is None:
        raise InputError(
            f"The URI {str(parsed)!r} names no credential: add ?credential=ID (list them "
            f"with `esig devices list {str(parsed)!r}`)"
        )
    credential = parsed.credential
    client, info = _first_csc_call(parsed, provider, lambda c: c.credential_info(credential))
    authorizer = None
    needs_pin = info.pin is Presence.REQUIRED
    needs_otp = info.otp is Presence.REQUIRED
    if provider is not None and (needs_pin or needs_otp):
        where = f"CSC credential {parsed.credential!r} at {client.base_url}"
        pin = _ask(provider, f"{_PIN_PROMPT} for {where}") if needs_pin else None

        def otp() -> str | None:
            return _ask(provider, f"{_OTP_PROMPT} for {where}")

        authorizer = _CscSecrets(pin, otp if needs_otp else None)
    return CscDevice(client, info, authorizer=authorizer, qscd_claimed=parsed.qscd_claimed)


# --------------------------------------------------------------------------- listing


def list_devices(
    uri_prefix: str | DeviceUri, *, secret_provider: SecretProvider | None = None
) -> list[DeviceEntry]:
    """What a URI prefix leads to: tokens, keys on a token, or credentials at a service.

    * ``pkcs11:?module-path=M`` lists the tokens present; ``pkcs11:token=L?module-path=M``
      lists the private keys on token ``L`` (asking for the PIN when the token hides
      them); ``object``/``id`` narrow the list.
    * ``csc+https://host/…`` lists every credential of the service (``credential=`` one).
    * ``file:…`` opens the key and describes it.

    Each entry's :attr:`DeviceEntry.uri` is what :func:`open_device` takes.

    Raises:
        InputError: The URI is malformed.
        KeyLoadError: The module, token or key cannot be opened.
        RemoteServiceError: The CSC service failed or cannot be reached.

    """
    parsed = describe_uri(uri_prefix) if isinstance(uri_prefix, str) else uri_prefix
    if isinstance(parsed, Pkcs11DeviceUri):
        if parsed.token is None:
            return list(_list_tokens(parsed))
        return list(_list_keys(parsed, secret_provider))
    if isinstance(parsed, CscDeviceUri):
        return list(_list_credentials(parsed, secret_provider))
    if isinstance(parsed, FileDeviceUri):
        return [_describe_file(parsed, secret_provider)]
    raise InputError(f"Unsupported device URI type {type(parsed).__name__}")


def _algorithm_of(certificate: x509.Certificate) -> str:
    key = certificate.public_key()
    size = getattr(key, "key_size", None)
    name = "RSA" if "RSA" in type(key).__name__ else "EC"
    return f"{name}-{size}" if size else name


def _describe_file(parsed: FileDeviceUri, provider: SecretProvider | None) -> DeviceEntry:
    device = _open_file(parsed, provider)
    return DeviceEntry(
        uri=parsed.to_uri(),
        kind=DeviceKind.SOFTWARE,
        entry="key",
        label=parsed.path.name,
        subject=device.certificate.subject.rfc4514_string(),
        algorithm=_algorithm_of(device.certificate),
        usable=True,
        note=f"{device.evidence.description}; {len(device.chain)} issuer certificate(s)",
    )


def _list_tokens(parsed: Pkcs11DeviceUri) -> Iterator[DeviceEntry]:
    _pkcs11()
    import pkcs11 as p11  # noqa: PLC0415 - optional dependency, present once _pkcs11() passed

    from esig.devices.pkcs11.tokens import (  # noqa: PLC0415 - python-pkcs11 is optional
        load_module,
        resolve_module_path,
    )

    lib = load_module(resolve_module_path(parsed.module))
    try:
        tokens = [slot.get_token() for slot in lib.get_slots(token_present=True)]
    except p11.exceptions.PKCS11Error as exc:
        raise KeyLoadError(
            f"The PKCS#11 module {parsed.module!r} could not list its tokens ({type(exc).__name__})"
        ) from None
    for token in sorted(tokens, key=lambda t: _text(t.label)):
        label = _text(token.label)
        if not label:
            continue  # an empty slot's uninitialised token (SoftHSM2 always offers one)
        flags = p11.TokenFlag(token.flags)
        facts = [f"{_text(token.manufacturer_id)} {_text(token.model)}".strip()]
        facts.append(f"serial {_text(token.serial)}")
        if flags & p11.TokenFlag.PROTECTED_AUTHENTICATION_PATH:
            facts.append("PIN pad")
        elif flags & p11.TokenFlag.LOGIN_REQUIRED:
            facts.append("PIN required")
        locked = bool(flags & p11.TokenFlag.USER_PIN_LOCKED)
        if locked:
            facts.append("user PIN locked")
        uri = parsed.model_copy(update={"token": label, "pin_value": None, "pin_source": None})
        yield DeviceEntry(
            uri=uri.to_uri(),
            kind=DeviceKind.PKCS11,
            entry="token",
            label=label,
            usable=not locked,
            note="; ".join(facts),
        )


def _list_keys(parsed: Pkcs11DeviceUri, provider: SecretProvider | None) -> Iterator[DeviceEntry]:
    module = _pkcs11()
    _check_token_identity(module, parsed)
    pin = _explicit_pin(parsed)
    try:
        keys: list[TokenKey] = module.list_token_objects(parsed.module, parsed.token, pin)
    except module.PinRequiredError:
        asked = (
            None if pin is not None else _ask(provider, f"{_PIN_PROMPT} for token {parsed.token!r}")
        )
        if asked is None:
            raise
        keys = module.list_token_objects(parsed.module, parsed.token, asked)
    for key in keys:
        if parsed.key_label is not None and key.label != parsed.key_label:
            continue
        if parsed.key_id is not None and key.id != parsed.key_id:
            continue
        problems = []
        if key.algorithm.value == "other":
            problems.append("neither RSA nor EC")
        if not key.can_sign:
            problems.append("may not sign")
        if not key.has_certificate:
            problems.append("no matching certificate on the token")
        if not key.raw_signing_allowed and key.algorithm.value != "other":
            problems.append(
                f"restricted to {', '.join(key.allowed_mechanisms)}; esig signs precomputed "
                "digests with the raw mechanism"
            )
        facts = list(problems)
        if key.always_authenticate:
            facts.append("PIN for every signature")
        if key.key_extractable is False:
            facts.append("not extractable")
        uri = parsed.model_copy(
            update={
                "key_label": key.label or None,
                "key_id": key.id or None,
                "object_type": None,
                "pin_value": None,
            }
        )
        size = f"-{key.key_size}" if key.key_size else ""
        yield DeviceEntry(
            uri=uri.to_uri(),
            kind=DeviceKind.PKCS11,
            entry="key",
            label=key.label,
            subject=key.subject,
            algorithm=f"{key.algorithm.value.upper()}{size}",
            usable=not problems,
            note="; ".join(facts) or None,
        )


def _list_credentials(
    parsed: CscDeviceUri, provider: SecretProvider | None
) -> Iterator[DeviceEntry]:
    client, ids = _first_csc_call(
        parsed,
        provider,
        lambda c: (parsed.credential,) if parsed.credential else tuple(c.list_credentials()),
    )
    for index, credential_id in enumerate(ids):
        uri = parsed.model_copy(update={"credential": credential_id}).to_uri()
        if index >= _MAX_LISTED_CREDENTIALS:
            yield DeviceEntry(
                uri=uri,
                kind=DeviceKind.REMOTE,
                entry="credential",
                label=credential_id,
                usable=False,
                note="not inspected (too many credentials to describe)",
            )
            continue
        try:
            info = client.credential_info(credential_id)
            certificate = info.certificate
        except (EsigError, ValueError) as exc:
            if parsed.credential:
                raise
            yield DeviceEntry(
                uri=uri,
                kind=DeviceKind.REMOTE,
                entry="credential",
                label=credential_id,
                usable=False,
                note=str(exc),
            )
            continue
        facts = [] if info.key.enabled else ["key disabled"]
        if info.pin is Presence.REQUIRED:
            facts.append("PIN required")
        if info.otp is Presence.REQUIRED:
            facts.append("one-time password required")
        facts.append(f"SCAL {info.scal}")
        yield DeviceEntry(
            uri=uri,
            kind=DeviceKind.REMOTE,
            entry="credential",
            label=credential_id,
            subject=certificate.subject.rfc4514_string(),
            algorithm=_algorithm_of(certificate),
            usable=info.key.enabled,
            note="; ".join(facts),
        )
