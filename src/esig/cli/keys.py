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

__all__ = ["device_from_uri", "read_passphrase", "software_device"]


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
