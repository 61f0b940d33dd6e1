"""Warnings of esig's dependencies: caught where esig calls them, never printed.

Only esig's own words reach a user's stderr. The libraries underneath warn about things
that are either noise to an esig user (cryptography 51 deprecates DSA, and pyHanko
touches its classes on import) or facts about the input that esig reports itself
(cryptography warns when a certificate's name attribute has a length RFC 5280 does not
allow, e.g. a three-letter country code).

:func:`caught_library_warnings` collects them around a call into a library: each is
logged on the ``esig`` logger at INFO (``esig -v`` shows it) and handed to the caller,
which may turn it into a finding. Warnings that esig itself raises inside the block are
re-issued unchanged when it ends (they
have warning categories defined in esig).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.dsa import DSAPublicKey

__all__ = [
    "LibraryWarning",
    "caught_library_warnings",
    "dsa_public_key_class",
    "is_malformed_name_attribute",
    "name_attribute_problems",
    "quietly_import",
]

LOGGER = logging.getLogger("esig")
"""The logger that receives the caught warnings (INFO)."""

_MALFORMED_NAME_PREFIX = "Attribute's length must be"


@dataclass(frozen=True)
class LibraryWarning:
    """One warning a dependency raised, as esig saw it."""

    category: str
    """The warning's class name, e.g. ``CryptographyDeprecationWarning``."""
    message: str
    """The library's own text."""
    origin: str
    """The file and line the warning was attributed to."""


def is_malformed_name_attribute(warning: LibraryWarning) -> bool:
    """True for cryptography's warning about a name attribute of a forbidden length."""
    return warning.message.startswith(_MALFORMED_NAME_PREFIX)


def _raised_by_esig(record: warnings.WarningMessage) -> bool:
    """Esig's own warnings have categories of its own (a library's may name esig's line)."""
    return record.category.__module__.split(".")[0] == "esig"


@contextlib.contextmanager
def caught_library_warnings(context: str) -> Iterator[list[LibraryWarning]]:
    """Collect the warnings raised inside the block instead of printing them.

    ``context`` says what esig was doing (``"verifying a PDF"``) for the log line. The
    yielded list is filled when the block ends, also when it raises.

    Python 3.11's warning filters are process-wide: two threads that enter this block at
    once each restore the filters they found, which can only make a warning *shown* in
    the other thread's block, never lost from a caller's own filters.
    """
    found: list[LibraryWarning] = []
    own: list[warnings.WarningMessage] = []
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            yield found
        finally:
            seen: set[tuple[str, str]] = set()
            for record in records:
                if _raised_by_esig(record):
                    own.append(record)
                    continue
                item = LibraryWarning(
                    category=record.category.__name__,
                    message=str(record.message),
                    origin=f"{record.filename}:{record.lineno}",
                )
                key = (item.category, item.message)
                if key in seen:
                    continue
                seen.add(key)
                found.append(item)
                LOGGER.info("%s (%s, while %s)", item.message, item.category, context)
    for record in own:
        warnings.warn_explicit(
            record.message, record.category, record.filename, record.lineno, source=record.source
        )


def quietly_import(module: str) -> None:
    """Import ``module`` with its import-time warnings caught (see the module docstring)."""
    with caught_library_warnings(f"importing {module}"):
        __import__(module)


@functools.cache
def dsa_public_key_class() -> type[DSAPublicKey]:
    """Cryptography's ``DSAPublicKey``, read without its deprecation warning (cryptography 51).

    esig still recognises DSA keys (to report them as weak), so it must name the class.
    """
    with caught_library_warnings("recognising DSA keys"):
        from cryptography.hazmat.primitives.asymmetric import dsa  # noqa: PLC0415

        return dsa.DSAPublicKey


def name_attribute_problems(certificate: x509.Certificate) -> tuple[str, ...]:
    """What cryptography objects to in the subject and issuer names of ``certificate``.

    cryptography reads such attributes anyway and warns (e.g. a country code that is not
    two letters, RFC 5280 appendix A). The certificate is read again here, so the answer
    does not depend on which earlier call first parsed its names.
    """
    # Imported here: the CLI's main() imports this module, and `esig --help` needs no x509.
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

    fresh = x509.load_der_x509_certificate(certificate.public_bytes(Encoding.DER))
    problems: list[str] = []
    for part in ("subject", "issuer"):
        with caught_library_warnings(f"reading a certificate's {part}") as caught:
            getattr(fresh, part)
        problems.extend(
            f"the {part} name: {item.message}"
            for item in caught
            if is_malformed_name_attribute(item)
        )
    return tuple(problems)
