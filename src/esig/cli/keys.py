"""The signing device of ``esig sign``: ``--device URI``, or ``--p12`` / ``--key`` with ``--cert``.

Passphrases come from ``--passphrase-file``, an environment variable or, on a terminal, a
prompt; never from the command line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from esig.errors import InputError, WrongPassphraseError

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.devices.software import SoftwareKey

__all__ = [
    "CERT_HELP",
    "CHAIN_HELP",
    "DEVICE_HELP",
    "KEY_HELP",
    "P12_HELP",
    "PASSPHRASE_ENV_HELP",
    "PASSPHRASE_FILE_HELP",
    "check_device_choice",
    "device_from_uri",
    "open_signing_device",
    "read_passphrase",
    "software_device",
]

# The help of the device options, shared by `esig sign` and `esig verify
# --etsi-report-seal-*` (the same options under two prefixes).
DEVICE_HELP = (
    "The signing device: file:/path/signer.p12, "
    "pkcs11:token=LABEL;object=KEY?module-path=/path/module.so, or "
    "csc+https://host?credential=ID. PIN from ESIG_PIN, passphrase from "
    "ESIG_PASSPHRASE, or a prompt. See `esig devices list`."
)
P12_HELP = "PKCS#12 file with key and certificate."
KEY_HELP = "PEM private key file."
CERT_HELP = "PEM certificate for the key."
CHAIN_HELP = "Issuer certificates to embed; repeatable."
PASSPHRASE_ENV_HELP = (
    "Read the key's passphrase from this environment variable "
    "(default: ESIG_PASSPHRASE when it is set)."
)
PASSPHRASE_FILE_HELP = "Read the key's passphrase from this file."


def read_passphrase(env_var: str | None, passphrase_file: Path | None) -> str | None:
    """The passphrase from ``passphrase_file`` (first line) or ``env_var``; ``None`` if neither."""
    if passphrase_file is not None:
        try:
            return passphrase_file.read_text().rstrip("\r\n")
        except OSError as exc:
            raise InputError(
                f"The passphrase file cannot be read: {exc.strerror}", path=passphrase_file
            ) from None
    if env_var:
        value = os.environ.get(env_var)
        if value is None:
            raise InputError(f"The environment variable {env_var} is not set")
        return value
    return None


def _load_device(
    p12: Path | None, key: Path | None, cert: Path | None, chain: list[Path], secret: str | None
) -> SoftwareKey:
    from esig.devices.software import SoftwareKey

    if p12 is not None:
        if key is not None or cert is not None:
            raise InputError("Give either --p12, or --key with --cert, not both")
        return SoftwareKey.from_pkcs12(p12, secret)
    if key is None or cert is None:
        raise InputError("Give a signing key: --p12 FILE, or --key FILE with --cert FILE")
    return SoftwareKey.from_pem(key, cert, chain, secret)


def device_from_uri(
    uri: str, passphrase_env: str | None, passphrase_file: Path | None
) -> SignatureCreationDevice:
    """Open the device ``--device URI`` names; PIN and passphrase from the environment."""
    from esig.devices.factory import env_secret_provider, open_device

    given = (
        read_passphrase(passphrase_env, passphrase_file)
        if passphrase_env or passphrase_file
        else None
    )
    return open_device(uri, secret_provider=env_secret_provider(passphrase=given))


def software_device(
    *,
    p12: Path | None,
    key: Path | None,
    cert: Path | None,
    chain: list[Path],
    passphrase_env: str | None,
    passphrase_file: Path | None,
) -> SoftwareKey:
    """Open the software key of ``--p12`` or ``--key``/``--cert``, prompting on a terminal."""
    env = passphrase_env or ("ESIG_PASSPHRASE" if "ESIG_PASSPHRASE" in os.environ else None)
    secret = read_passphrase(env, passphrase_file)
    try:
        return _load_device(p12, key, cert, chain, secret)
    except WrongPassphraseError:
        if secret is not None or not sys.stdin.isatty():
            raise
        secret = typer.prompt("Passphrase", hide_input=True)
        return _load_device(p12, key, cert, chain, secret)


def check_device_choice(
    device: str | None,
    p12: Path | None,
    key: Path | None,
    cert: Path | None,
    chain: list[Path] | None,
    *,
    prefix: str = "--",
) -> None:
    """Refuse a device URI together with a software key, before anything is opened."""
    if device is not None and (p12 or key or cert or chain):
        raise InputError(
            f"Give either {prefix}device URI, or {prefix}p12 / {prefix}key with "
            f"{prefix}cert, not both"
        )


def open_signing_device(  # noqa: PLR0917 - the device options, as the commands take them
    device: str | None,
    p12: Path | None,
    key: Path | None,
    cert: Path | None,
    chain: list[Path] | None,
    passphrase_env: str | None,
    passphrase_file: Path | None,
    *,
    prefix: str = "--",
) -> SignatureCreationDevice:
    """The device the options name: ``device`` (a URI), or a software key; not both.

    ``prefix`` is how the command spells its options (``--`` for ``esig sign``), for the
    messages.
    """
    check_device_choice(device, p12, key, cert, chain, prefix=prefix)
    if device is not None:
        return device_from_uri(device, passphrase_env, passphrase_file)
    return software_device(
        p12=p12,
        key=key,
        cert=cert,
        chain=chain or [],
        passphrase_env=passphrase_env,
        passphrase_file=passphrase_file,
    )
