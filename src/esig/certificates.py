"""Reading certificates from files and bytes: PEM, DER and PKCS#7 bundles.

Every loader returns :class:`cryptography.x509.Certificate` objects, the certificate
type of esig's public API, or raises :class:`~esig.errors.CertificateLoadError` with a
message that says what was wrong with the input.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import pkcs7

from esig._library_warnings import caught_library_warnings
from esig.errors import CertificateLoadError

__all__ = [
    "UNREADABLE_CERTIFICATE",
    "issuer_chain",
    "load_certificate",
    "load_certificates",
    "load_certificates_from_paths",
]

UNREADABLE_CERTIFICATE: tuple[type[Exception], ...] = (
    ValueError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
    KeyError,
)
"""What :mod:`cryptography` raises on a certificate it cannot read: malformed DER
(``ValueError``), a version beyond v3, a duplicated extension, a general name of an
unknown type, and (cryptography 49) a ``KeyError`` for a name attribute of an unknown
ASN.1 string type. Names and extensions are decoded lazily, so all but the first may
come later, on first use; esig reads them at once where it loads a certificate."""

_MAX_CERTIFICATE_FILE = 16 * 1024 * 1024
"""Refuse certificate files larger than this (a certificate bundle is never that big)."""


def load_certificates(
    source: bytes | str | os.PathLike[str], *, what: str = "certificate"
) -> list[x509.Certificate]:
    """Read one or more certificates from a file path or from bytes.

    Accepts a PEM file with one or more ``CERTIFICATE`` blocks, a single DER
    certificate, or a PKCS#7 (``.p7b``/``.p7c``) bundle in PEM or DER.

    Args:
        source: Path to the file, or its content as bytes.
        what: How the certificates are called in error messages (e.g. "trust anchor").

    Returns:
        The certificates, in file order (never empty).

    Raises:
        CertificateLoadError: The file is missing, empty, too large, or holds no
            readable certificate.

    """
    path: Path | None = None
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        data = _read_file(path, what)
    with caught_library_warnings(f"reading {what}"):
        certs = _parse(data)
        problem = _unreadable_part(certs, what)
    if problem is not None:
        raise CertificateLoadError(problem, path=path)
    if not certs:
        raise CertificateLoadError(
            f"No {what} could be read: expected PEM, DER or a PKCS#7 bundle", path=path
        )
    return certs


def _why(exc: Exception) -> str:
    """The reason cryptography gives; its ``KeyError`` carries only the unknown ASN.1 tag."""
    if isinstance(exc, KeyError):
        return f"a value has an ASN.1 type cryptography does not read (tag {exc})"
    return str(exc)


def _unreadable_part(certs: list[x509.Certificate], what: str) -> str | None:
    """Why one of ``certs`` cannot be used, or None.

    cryptography decodes names and extensions on first use: a malformed one must fail
    here, with a message, not later inside a check.
    """
    for index, cert in enumerate(certs, start=1):
        try:
            cert.subject  # noqa: B018
            cert.issuer  # noqa: B018
        except UNREADABLE_CERTIFICATE as exc:
            return f"The names of {what} {index} cannot be read: {_why(exc)}"
        try:
            cert.extensions  # noqa: B018
        except UNREADABLE_CERTIFICATE as exc:
            return f"The extensions of {what} {index} cannot be read: {_why(exc)}"
        cert.serial_number  # noqa: B018 - cryptography warns (caught) on a non-positive one
    return None


def load_certificate(
    source: bytes | str | os.PathLike[str], *, what: str = "certificate"
) -> x509.Certificate:
    """Read exactly one certificate; see :func:`load_certificates` for the formats.

    Raises:
        CertificateLoadError: The input holds no certificate or more than one.

    """
    certs = load_certificates(source, what=what)
    if len(certs) != 1:
        path = None if isinstance(source, bytes) else Path(source)
        raise CertificateLoadError(f"Expected one {what}, found {len(certs)}", path=path)
    return certs[0]


def load_certificates_from_paths(
    paths: Iterable[str | os.PathLike[str]], *, what: str = "certificate"
) -> list[x509.Certificate]:
    """Read and concatenate the certificates of several files."""
    found: list[x509.Certificate] = []
    for path in paths:
        found.extend(load_certificates(path, what=what))
    return found


_MAX_CHAIN = 8
"""The longest issuer chain :func:`issuer_chain` builds (real chains have 2 to 4)."""


def issuer_chain(
    cert: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> tuple[x509.Certificate, ...]:
    """``cert``, then its issuer, the issuer's issuer … as far as ``candidates`` hold them.

    Each next certificate is a candidate whose subject is the previous one's issuer name
    and whose key verifies its signature; the chain stops at a self-issued certificate,
    at the first issuer not found, or after eight certificates. This orders the
    certificates a signature carries; it validates nothing (no validity period,
    revocation or constraint is looked at).
    """
    chain = [cert]
    current = cert
    while current.issuer != current.subject and len(chain) < _MAX_CHAIN:
        found = next(
            (
                c
                for c in candidates
                if c.subject == current.issuer and c not in chain and _issued(current, c)
            ),
            None,
        )
        if found is None:
            break
        chain.append(found)
        current = found
    return tuple(chain)


def _issued(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key verifies ``cert``'s signature (names checked too)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _read_file(path: Path, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > _MAX_CERTIFICATE_FILE:
            raise CertificateLoadError(
                f"The {what} file is {size} bytes, too large to be a certificate", path=path
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise CertificateLoadError(f"The {what} file does not exist", path=path) from None
    except IsADirectoryError:
        raise CertificateLoadError(f"Expected a {what} file, got a folder", path=path) from None
    except OSError as exc:
        raise CertificateLoadError(
            f"The {what} file cannot be read: {exc.strerror}", path=path
        ) from None


def _parse(data: bytes) -> list[x509.Certificate]:
    stripped = data.strip()
    if not stripped:
        return []
    if b"-----BEGIN" in stripped:
        return _parse_pem(stripped)
    return _parse_der(stripped)


def _parse_pem(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN PKCS7-----" in data or b"-----BEGIN CMS-----" in data:
        try:
            return list(pkcs7.load_pem_pkcs7_certificates(data))
        except ValueError:
            return []
    try:
        return list(x509.load_pem_x509_certificates(data))
    except UNREADABLE_CERTIFICATE:
        return []


def _parse_der(data: bytes) -> list[x509.Certificate]:
    try:
        return [x509.load_der_x509_certificate(data)]
    except UNREADABLE_CERTIFICATE:
        pass
    try:
        return list(pkcs7.load_der_pkcs7_certificates(data))
    except ValueError:
        return []
