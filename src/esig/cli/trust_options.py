"""The trusted-list options ``esig verify`` and ``esig verify-many`` share, spelled once.

``--trusted-list TL.xml`` (repeatable) with ``--tlso CERT`` (repeatable), or
``--trusted-lists DIR`` (a cache filled by ``esig tl sync``); ``--lotl-signers PEM`` and
``--allow-unsigned-lists`` for either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "AllowUnsignedLists",
    "LotlSignersOption",
    "TlsoOption",
    "TrustedListCache",
    "TrustedListFiles",
]

TrustedListFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--trusted-list",
        metavar="TL.xml",
        help="An EU trusted list (ETSI TS 119 612), or one list of trusted lists that "
        "authenticates the others; repeatable.",
    ),
]
"""``--trusted-list``: list files, read as given."""

TrustedListCache = Annotated[
    Path | None,
    typer.Option(
        "--trusted-lists",
        metavar="DIR",
        help="A trusted-list cache filled by 'esig tl sync': the LOTL and its national "
        "lists, read with no network.",
    ),
]
"""``--trusted-lists``: a cache folder."""

LotlSignersOption = Annotated[
    Path | None,
    typer.Option(
        "--lotl-signers",
        metavar="PEM",
        help="The LOTL signer certificates (default: for --trusted-lists the set esig "
        "ships, for --trusted-list pyHanko's).",
    ),
]
"""``--lotl-signers``: who may sign the list of trusted lists."""

TlsoOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--tlso",
        metavar="CERT",
        help="A certificate allowed to sign the trusted lists; repeatable.",
    ),
]
"""``--tlso``: the scheme operators' certificates for ``--trusted-list``."""

AllowUnsignedLists = Annotated[
    bool,
    typer.Option(
        "--allow-unsigned-lists/--no-allow-unsigned-lists",
        help="Use trusted lists whose signer cannot be authenticated.",
    ),
]
"""``--allow-unsigned-lists``: accept lists whose origin cannot be checked."""
