"""Trusted lists from what a user names: a sync cache folder, or list files and their signers.

``esig verify``, ``esig verify-many`` and :func:`esig.bulk.verify_many` take the same
choice — a cache filled by ``esig tl sync`` (:func:`~esig.trust.tl_cache.load_trusted_list_cache`),
or trusted list files with the certificates allowed to sign them
(:meth:`~esig.trust.trusted_lists.TrustedListSource.from_files`) — and refuse the same
mixtures; :func:`load_trusted_lists` is that choice, made once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from esig.errors import InputError
from esig.trust.trusted_lists import TrustedListSource

__all__ = ["load_trusted_lists"]


def load_trusted_lists(
    files: Sequence[str | os.PathLike[str]] = (),
    *,
    cache: str | os.PathLike[str] | None = None,
    tlso: Sequence[str | os.PathLike[str]] = (),
    lotl_signers: str | os.PathLike[str] | None = None,
    allow_unsigned: bool = False,
) -> TrustedListSource | None:
    """The trusted lists named by a cache folder or by list files (None: neither given).

    Args:
        files: Trusted list files (ETSI TS 119 612); one may be a list of trusted lists
            that authenticates the others.
        cache: A cache folder filled by ``esig tl sync`` (instead of ``files``).
        tlso: PEM/DER files of the certificates allowed to sign ``files`` (scheme
            operators); not for a cache, which names its own.
        lotl_signers: A PEM file of the certificates allowed to sign the list of trusted
            lists (default: for a cache the set esig ships, for files pyHanko's).
        allow_unsigned: Use lists whose signer cannot be authenticated.

    Raises:
        InputError: A cache is given with files or TLSO certificates, or TLSO / LOTL
            signer certificates without any list; a certificate file cannot be read.
        TrustedListError: A list cannot be read, or every list is refused.

    .. versionadded:: 0.2.0

    """
    from esig.certificates import load_certificates_from_paths  # noqa: PLC0415

    if cache is not None:
        if files or tlso:
            raise InputError(
                "A trusted-list cache (--trusted-lists) brings its own lists and signers: "
                "give it without trusted list files (--trusted-list) or TLSO certificates "
                "(--tlso)"
            )
        from esig.trust.tl_cache import load_trusted_list_cache  # noqa: PLC0415
        from esig.trust.tl_manifest import LotlSigners  # noqa: PLC0415

        signers = LotlSigners.from_file(lotl_signers) if lotl_signers is not None else None
        return load_trusted_list_cache(
            cache, lotl_certificates=signers, allow_unsigned=allow_unsigned
        )
    if not files:
        if lotl_signers is not None or tlso:
            raise InputError(
                "LOTL signer (--lotl-signers) and TLSO (--tlso) certificates need a "
                "trusted-list cache (--trusted-lists) or trusted list files (--trusted-list)"
            )
        return None
    operators = load_certificates_from_paths(
        [Path(p) for p in tlso], what="trusted list signer certificate"
    )
    lotl = (
        load_certificates_from_paths([Path(lotl_signers)], what="LOTL signer certificate")
        if lotl_signers is not None
        else None
    )
    return TrustedListSource.from_files(
        files,
        tlso_certificates=operators or None,
        lotl_certificates=lotl,
        allow_unsigned=allow_unsigned,
    )
