"""Device URIs parsed and rendered: ``file:``, ``pkcs11:`` (RFC 7512), ``csc+https:``.

:func:`describe_uri` reads a URI into a typed :class:`DeviceUri` without opening
anything; :mod:`esig.devices.factory` opens what it names. The forms, their attributes
and how secrets are kept out of them are described in :mod:`esig.devices.factory`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import ClassVar, Final, Literal
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from pydantic import SecretStr

from esig._model import EsigModel
from esig.devices.base import DeviceKind
from esig.devices.csc.client import DEFAULT_TIMEOUT
from esig.devices.csc.requests import service_root
from esig.errors import InputError

__all__ = [
    "ACCEPTED_FORMS",
    "CscDeviceUri",
    "DeviceUri",
    "FileDeviceUri",
    "Pkcs11DeviceUri",
    "describe_uri",
]


ACCEPTED_FORMS: Final = """\
Accepted device URIs:
  file:/path/signer.p12
  file:/path/key.pem?cert=/path/cert.pem&chain=/path/ca.pem
  pkcs11:token=LABEL;object=KEY-LABEL?module-path=/usr/lib/softhsm/libsofthsm2.so
  csc+https://host/csc/v1?credential=ID   (csc+http:// for local test services)
Passphrases and PINs come from ESIG_PASSPHRASE / ESIG_PIN or a prompt, not the URI."""
"""The help text every bad-URI error ends with."""


_PIN_VALUE_IN_TEXT: Final = re.compile(r"(pin-value=)[^&;#]*", re.IGNORECASE)
_SECRET_WORDS: Final = frozenset(
    {"passphrase", "password", "pin", "secret", "access-token", "token-value"}
)
_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no"})

# RFC 7512 characters that need no percent-encoding, besides the unreserved ones.
_P11_PATH_SAFE: Final = ":[]@!$'()*+,=&"
_P11_QUERY_SAFE: Final = ":[]@!$'()*+,=/?|"
_QUERY_SAFE: Final = ":@!$'()*+,/"


class DeviceUri(EsigModel):
    """A device URI, parsed: which backend, and how to reach the key.

    Parse one with :func:`describe_uri`; the subclasses hold each backend's fields.
    ``str()`` gives the canonical URI, which never contains a PIN.
    """

    kind: ClassVar[DeviceKind]
    """The backend this URI selects."""

    def to_uri(self) -> str:
        """The canonical URI. A ``pin-value`` is left out (never written back)."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.to_uri()


class FileDeviceUri(DeviceUri):
    """``file:`` — a PKCS#12 file, or a PEM/DER key with its certificate."""

    kind: ClassVar[DeviceKind] = DeviceKind.SOFTWARE
    path: Path
    """The PKCS#12 file, or the private key file when :attr:`certificate` is set."""
    certificate: Path | None = None
    """The certificate for a PEM/DER key (``cert=``); None for PKCS#12."""
    chain: tuple[Path, ...] = ()
    """Issuer certificate files to embed (``chain=``)."""

    def to_uri(self) -> str:
        """The canonical ``file:`` URI."""
        query = []
        if self.certificate is not None:
            query.append(("cert", str(self.certificate)))
        query += [("chain", str(p)) for p in self.chain]
        return "file:" + quote(str(self.path), safe="/:@!$'()*+,;=") + _render_query(query)


class Pkcs11DeviceUri(DeviceUri):
    """``pkcs11:`` — a key on a token (RFC 7512)."""

    kind: ClassVar[DeviceKind] = DeviceKind.PKCS11
    module: str
    """The PKCS#11 module: a path (``module-path``) or a bare name (``module-name``)."""
    token: str | None = None
    """The token label (``token``)."""
    key_label: str | None = None
    """The key label (``object``)."""
    key_id: str | None = None
    """The key id in hex (``id``, percent-encoded bytes in the URI)."""
    object_type: Literal["private", "cert"] | None = None
    """``type``: the private key or its certificate (both select the same pair)."""
    manufacturer: str | None = None
    """The token's manufacturer id, which the token must match."""
    model: str | None = None
    """The token's model, which the token must match."""
    serial: str | None = None
    """The token's serial number, which the token must match."""
    pin_source: Path | None = None
    """A file whose first line is the PIN (``pin-source``)."""
    pin_value: SecretStr | None = None
    """The PIN given in the URI (``pin-value``). Never shown, never written back."""
    chain: tuple[Path, ...] = ()
    """Issuer certificate files to embed (esig's ``chain``); default: those on the token."""
    qscd_claimed: bool = False
    """esig's ``qscd=true``: declare the token a qualified signature creation device."""

    def to_uri(self) -> str:
        """The canonical ``pkcs11:`` URI, without ``pin-value``."""
        path: list[tuple[str, str]] = [
            (name, value)
            for name, value in (
                ("manufacturer", self.manufacturer),
                ("model", self.model),
                ("serial", self.serial),
                ("token", self.token),
            )
            if value is not None
        ]
        parts = [f"{name}={quote(value, safe=_P11_PATH_SAFE)}" for name, value in path]
        if self.key_id is not None:
            parts.append("id=" + "".join(f"%{b:02X}" for b in bytes.fromhex(self.key_id)))
        if self.key_label is not None:
            parts.append(f"object={quote(self.key_label, safe=_P11_PATH_SAFE)}")
        if self.object_type is not None:
            parts.append(f"type={self.object_type}")
        query = [("module-path" if _is_module_path(self.module) else "module-name", self.module)]
        if self.pin_source is not None:
            query.append(("pin-source", str(self.pin_source)))
        query += [("chain", str(p)) for p in self.chain]
        if self.qscd_claimed:
            query.append(("qscd", "true"))
        return "pkcs11:" + ";".join(parts) + _render_query(query, safe=_P11_QUERY_SAFE)


class CscDeviceUri(DeviceUri):
    """``csc+https:`` / ``csc+http:`` — a credential at a CSC remote signing service."""

    kind: ClassVar[DeviceKind] = DeviceKind.REMOTE
    base_url: str
    """The service's base URL (what comes before ``/csc/v1/``)."""
    credential: str | None = None
    """The credential id (``credential``)."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds to wait for the service on each request (``timeout``)."""
    qscd_claimed: bool = False
    """``qscd=true``: declare the service's key a qualified signature creation device."""

    def to_uri(self) -> str:
        """The canonical ``csc+…`` URI."""
        query = []
        if self.credential is not None:
            query.append(("credential", self.credential))
        if self.timeout != DEFAULT_TIMEOUT:
            query.append(("timeout", f"{self.timeout:g}"))
        if self.qscd_claimed:
            query.append(("qscd", "true"))
        return "csc+" + self.base_url + _render_query(query)


# --------------------------------------------------------------------------- parsing


def describe_uri(uri: str) -> DeviceUri:
    """Parse a device URI without opening anything (no file, token or network access).

    Returns:
        A :class:`FileDeviceUri`, :class:`Pkcs11DeviceUri` or :class:`CscDeviceUri`.

    Raises:
        InputError: The URI is not one of the accepted forms; the message lists them.

    """
    text = uri.strip()
    scheme, colon, rest = text.partition(":")
    if not colon or not scheme:
        raise _bad(uri, "it has no scheme")
    scheme = scheme.lower()
    if scheme == "file":
        return _parse_file(uri, rest)
    if scheme == "pkcs11":
        return _parse_pkcs11(uri, rest)
    if scheme in ("csc+http", "csc+https"):
        return _parse_csc(uri, text[len("csc+") :])
    raise _bad(uri, f"the scheme {scheme!r} is not one esig knows")


def _redact(uri: str) -> str:
    return _PIN_VALUE_IN_TEXT.sub(r"\1***", uri)


def _bad(uri: str, why: str) -> InputError:
    shown = _redact(uri.strip())
    if len(shown) > 300:
        shown = shown[:300] + "…"
    return InputError(f"Not a device URI: {shown!r}: {why}.\n{ACCEPTED_FORMS}")


def _decode(uri: str, value: str, what: str) -> str:
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise _bad(uri, f"{what} is not percent-encoded UTF-8") from None


def _query_pairs(uri: str, query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, eq, value = part.partition("=")
        name = _decode(uri, name, "an attribute name")
        if not eq:
            raise _bad(uri, f"the query attribute {name!r} has no value")
        pairs.append((name, _decode(uri, value, f"the value of {name!r}")))
    return pairs


def _check_names(
    uri: str, pairs: list[tuple[str, str]], allowed: frozenset[str], repeatable: frozenset[str]
) -> None:
    seen: set[str] = set()
    for name, _ in pairs:
        if name.lower() in _SECRET_WORDS:
            raise _bad(
                uri,
                f"{name!r} would put a secret in the URI; esig asks for passphrases and PINs "
                "(ESIG_PASSPHRASE, ESIG_PIN or a prompt)",
            )
        if name not in allowed:
            accepted = ", ".join(sorted(allowed))
            raise _bad(uri, f"unknown attribute {name!r} (accepted here: {accepted})")
        if name in seen and name not in repeatable:
            raise _bad(uri, f"the attribute {name!r} appears twice")
        seen.add(name)


def _flag(uri: str, name: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _bad(uri, f"{name} is true or false, not {value!r}")


def _split_fragment(uri: str, rest: str) -> str:
    if "#" in rest:
        raise _bad(uri, "a device URI has no #fragment")
    return rest


def _parse_file(uri: str, rest: str) -> FileDeviceUri:
    path_part, _, query = _split_fragment(uri, rest).partition("?")
    if path_part.startswith("//"):
        authority, slash, remainder = path_part[2:].partition("/")
        if authority.lower() not in ("", "localhost"):
            raise _bad(uri, f"files on another host ({authority!r}) are not supported")
        path_part = slash + remainder
    path_text = _decode(uri, path_part, "the path")
    if not path_text:
        raise _bad(uri, "the file path is empty")
    pairs = _query_pairs(uri, query)
    _check_names(uri, pairs, frozenset({"cert", "chain"}), frozenset({"chain"}))
    values = dict(pairs)
    chain = tuple(Path(v) for k, v in pairs if k == "chain" and v)
    cert = values.get("cert")
    if cert == "":
        raise _bad(uri, "cert= is empty")
    if chain and cert is None:
        raise _bad(uri, "chain= goes with a PEM key and cert=; a PKCS#12 file holds its chain")
    return FileDeviceUri(
        path=Path(path_text), certificate=Path(cert) if cert else None, chain=chain
    )


_P11_PATH_ATTRIBUTES: Final = frozenset(
    {"token", "object", "id", "type", "manufacturer", "model", "serial"}
)
_P11_UNSUPPORTED: Final = frozenset(
    {
        "slot-id",
        "slot-description",
        "slot-manufacturer",
        "library-description",
        "library-manufacturer",
        "library-version",
    }
)
_P11_QUERY_ATTRIBUTES: Final = frozenset(
    {"module-path", "module-name", "pin-source", "pin-value", "chain", "qscd"}
)


def _parse_pkcs11(uri: str, rest: str) -> Pkcs11DeviceUri:
    path_part, _, query = _split_fragment(uri, rest).partition("?")
    attributes: dict[str, str] = {}
    for part in path_part.split(";"):
        if not part:
            continue
        raw_name, eq, raw_value = part.partition("=")
        name = _decode(uri, raw_name, "an attribute name")
        if not eq:
            raise _bad(uri, f"the path attribute {name!r} has no value")
        if name in _P11_UNSUPPORTED:
            raise _bad(
                uri, f"esig selects tokens by label (token=...), never by {name}; remove {name}"
            )
        if name not in _P11_PATH_ATTRIBUTES:
            accepted = ", ".join(sorted(_P11_PATH_ATTRIBUTES))
            raise _bad(uri, f"unknown path attribute {name!r} (accepted: {accepted})")
        if name in attributes:
            raise _bad(uri, f"the attribute {name!r} appears twice")
        if name == "id":
            key_id = unquote_to_bytes(raw_value)
            if not key_id:
                raise _bad(uri, "id= is empty")
            attributes[name] = key_id.hex()
        else:
            attributes[name] = _decode(uri, raw_value, f"the value of {name!r}")
    pairs = _query_pairs(uri, query)
    _check_names(uri, pairs, _P11_QUERY_ATTRIBUTES, frozenset({"chain"}))
    values = dict(pairs)
    module_path, module_name = values.get("module-path"), values.get("module-name")
    if module_path and module_name:
        raise _bad(uri, "give module-path or module-name, not both")
    module = module_path or module_name
    if not module:
        raise _bad(
            uri, "a pkcs11: URI needs the module, e.g. ?module-path=/usr/lib/softhsm/libsofthsm2.so"
        )
    object_type = attributes.get("type")
    if object_type not in (None, "private", "cert"):
        raise _bad(uri, f"type={object_type} names no signing key; use type=private or omit it")
    if "pin-value" in values and "pin-source" in values:
        raise _bad(uri, "give pin-source or pin-value, not both")
    pin_source = values.get("pin-source")
    if pin_source is not None:
        if pin_source.startswith("|"):
            raise _bad(uri, "esig does not run commands for a PIN; give a file in pin-source")
        if pin_source.lower().startswith("file:"):
            pin_source = _parse_file(uri, pin_source[len("file:") :]).path.as_posix()
    if "token" in attributes and not attributes["token"]:
        raise _bad(uri, "token= is empty")
    return Pkcs11DeviceUri(
        module=module,
        token=attributes.get("token"),
        key_label=attributes.get("object"),
        key_id=attributes.get("id"),
        object_type=object_type,
        manufacturer=attributes.get("manufacturer"),
        model=attributes.get("model"),
        serial=attributes.get("serial"),
        pin_source=Path(pin_source) if pin_source else None,
        pin_value=SecretStr(values["pin-value"]) if "pin-value" in values else None,
        chain=tuple(Path(v) for k, v in pairs if k == "chain" and v),
        qscd_claimed=_flag(uri, "qscd", values["qscd"]) if "qscd" in values else False,
    )


def _parse_csc(uri: str, url: str) -> CscDeviceUri:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _bad(uri, f"the service URL is malformed ({exc})") from None
    if parts.fragment or url.endswith("#"):
        raise _bad(uri, "a device URI has no #fragment")
    if parts.username is not None or parts.password is not None:
        raise _bad(uri, "credentials never go in the URL; esig asks for them")
    if not parts.hostname:
        raise _bad(uri, "the service URL has no host")
    pairs = _query_pairs(uri, parts.query)
    _check_names(uri, pairs, frozenset({"credential", "timeout", "qscd"}), frozenset())
    values = dict(pairs)
    timeout = DEFAULT_TIMEOUT
    if "timeout" in values:
        try:
            timeout = float(values["timeout"])
        except ValueError:
            raise _bad(uri, f"timeout is a number of seconds, not {values['timeout']!r}") from None
        if not timeout > 0:
            raise _bad(uri, "timeout must be a positive number of seconds")
    credential = values.get("credential")
    if credential == "":
        raise _bad(uri, "credential= is empty")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    base = service_root(f"{parts.scheme}://{netloc}{parts.path}")
    return CscDeviceUri(
        base_url=base,
        credential=credential,
        timeout=timeout,
        qscd_claimed=_flag(uri, "qscd", values["qscd"]) if "qscd" in values else False,
    )


def _render_query(pairs: list[tuple[str, str]], *, safe: str = _QUERY_SAFE) -> str:
    if not pairs:
        return ""
    return "?" + "&".join(f"{name}={quote(value, safe=safe)}" for name, value in pairs)


def _is_module_path(module: str) -> bool:
    return os.sep in module or bool(os.altsep and os.altsep in module)
