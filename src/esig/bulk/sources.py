"""What a bulk run examines: files, folders, globs and manifests expanded into documents.

* a file is one document;
* a folder is every regular file below it (hidden files and folders skipped), except
  the ``FILE`` a ``FILE.p7s`` beside it signs, and the file beside a detached XAdES
  signature ``*.xml`` that its reference's URI names (the detached signature is the
  document, verified over that file);
* a glob (``archive/**/*.pdf``) is every file it matches;
* ``@LIST`` is a manifest: one path or http(s) URL per line (blank lines and lines
  starting with ``#`` skipped; relative paths are relative to the manifest's folder).

A path on the command line that does not exist is a usage error; an entry of a manifest
that does not exist becomes a document whose result line says so (nothing is lost).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from esig.bulk.jobs import DETACHED_SUFFIX, detached_content
from esig.errors import DocumentNotFoundError, EsigError, InputError

__all__ = ["MANIFEST_PREFIX", "expand_sources"]

MANIFEST_PREFIX = "@"
"""``@LIST`` names a manifest file: one path or URL per line."""

_GLOB_CHARS = frozenset("*?[")
_XML_SUFFIX = ".xml"
_MAX_SIGNATURE_SIZE = 8 * 1024 * 1024
"""XML files larger than this are not read for a detached reference while listing a folder."""


def expand_sources(
    sources: Iterable[str | os.PathLike[str]], *, exclude: Iterable[str | os.PathLike[str]] = ()
) -> list[str]:
    """Every document ``sources`` name, as absolute paths (or URLs), each once, in order.

    Args:
        sources: Files, folders, globs and ``@manifest`` files.
        exclude: Files never to take as documents (e.g. the run's own output).

    Raises:
        DocumentNotFoundError: A file or folder given does not exist, or a glob
            matches nothing.
        InputError: A manifest cannot be read.

    """
    skip = {os.path.abspath(p) for p in exclude}
    seen: set[str] = set()
    found: list[str] = []
    for source in sources:
        for item in _expand_one(os.fspath(source)):
            key = item if _is_url(item) else os.path.abspath(item)
            if key not in seen and key not in skip:
                seen.add(key)
                found.append(key)
    return found


def _is_url(item: str) -> bool:
    return item.startswith(("http://", "https://"))


def _expand_one(source: str) -> list[str]:
    if source.startswith(MANIFEST_PREFIX):
        return _manifest(Path(source[len(MANIFEST_PREFIX) :]))
    if _is_url(source):
        return [source]
    path = Path(source)
    if path.is_dir():
        return _folder(path)
    if path.exists():
        return [source]
    if _GLOB_CHARS & set(source):
        matches = sorted(glob.glob(source, recursive=True))
        files = [m for m in matches if not Path(m).is_dir()]
        if not files:
            raise DocumentNotFoundError(f"The pattern {source!r} matches no file")
        return files
    raise DocumentNotFoundError("The document or folder does not exist", path=path)


def _folder(folder: Path) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        names = {f for f in files if not f.startswith(".")}
        signed_by_sibling = {
            n[: -len(DETACHED_SUFFIX)] for n in names if n.lower().endswith(DETACHED_SUFFIX)
        }
        signed_by_sibling |= {
            content
            for n in names
            if n.lower().endswith(_XML_SUFFIX)
            and (content := _signed_sibling(Path(root) / n)) is not None
        }
        for name in sorted(names - signed_by_sibling):
            path = Path(root) / name
            if path.is_file():
                found.append(str(path))
    return found


def _signed_sibling(path: Path) -> str | None:
    """The name of the file beside ``path`` that ``path`` signs as detached XAdES, if any."""
    try:
        if path.stat().st_size > _MAX_SIGNATURE_SIZE:
            return None  # a big XML file is a document, not a detached signature
        content = detached_content(path)
    except (OSError, EsigError):
        return None  # not a detached signature: the file is a document of its own
    if content is None or content.parent != path.parent:
        return None
    return content.name


def _manifest(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentNotFoundError("The manifest does not exist", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise InputError(f"The manifest cannot be read: {why}", path=path) from None
    found = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        found.append(line if _is_url(line) else str(path.parent / line))
    return found
