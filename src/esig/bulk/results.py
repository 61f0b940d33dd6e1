"""The result lines of a bulk run: one JSON line per document, appended as each is done.

A :class:`ResultLine` says what became of one document: its path and SHA-256, the
verdict, each signature's indication, level and label, or why the document could not
be examined (unreadable, timed out, crashed its worker). :class:`ResultWriter` appends
each line with a single ``write``, then flushes and fsyncs, so a run that is killed
leaves whole lines behind (at most the last one torn, which :func:`read_results` skips
and the next run's first line starts after). :func:`write_parquet` exports the lines as
one Parquet table (the ``bulk`` extra's pyarrow).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError

from esig._io import atomic_output
from esig._model import EsigModel
from esig.errors import InputError, OutputError

__all__ = [
    "BulkSummary",
    "ResultLine",
    "ResultWriter",
    "SignatureLine",
    "Verdict",
    "read_results",
    "summarize",
    "write_parquet",
]


class Verdict(StrEnum):
    """What became of one document in a bulk run.

    .. versionadded:: 0.2.0
    """

    TOTAL_PASSED = "TOTAL-PASSED"
    """Every signature passed (EN 319 102-1 TOTAL-PASSED)."""
    TOTAL_FAILED = "TOTAL-FAILED"
    """A signature failed."""
    INDETERMINATE = "INDETERMINATE"
    """No signature failed, but one could not be confirmed (or the document has none)."""
    EXTENDED = "EXTENDED"
    """``extend_many``: the document was extended (B-LT or B-LTA) and written."""
    ERROR = "ERROR"
    """The document could not be examined: unreadable, timed out, or its worker died."""


class SignatureLine(EsigModel):
    """One signature of a document, as a result line records it.

    .. versionadded:: 0.2.0
    """

    field_name: str
    """The signature field (PDF) or the signature's name in its container."""
    indication: str
    """TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE."""
    sub_indication: str | None = None
    """The EN 319 102-1 sub-indication that decided, if any."""
    level: str
    """The level reached: ``none``, ``SES``, ``AES`` or ``QES``."""
    label: str
    """The ETSI TS 119 172-4 label, e.g. ``AdESig`` or ``QESig``."""


class ResultLine(EsigModel):
    """What became of one document: one line of the JSON Lines output.

    .. versionadded:: 0.2.0
    """

    schema_version: Literal[1] = 1
    path: str
    """The document as it was given (absolute path, or URL)."""
    sha256: str | None = None
    """The SHA-256 of the document's bytes (None: they could not be read)."""
    size: int | None = None
    """The document's size in bytes."""
    content_path: str | None = None
    """A detached signature (CAdES ``.p7s``, detached XAdES): the file it signs.

    .. versionadded:: 0.2.0
    """
    content_sha256: str | None = None
    """The SHA-256 of :attr:`content_path`'s bytes when it was verified (None: missing)."""
    kind: str | None = None
    """What the document was read as: ``pdf``, ``cades``, ``xades`` or ``asic``."""
    verdict: Verdict
    """The document's verdict (:class:`Verdict`)."""
    signatures: tuple[SignatureLine, ...] = ()
    """Each signature's indication, level and label."""
    output: str | None = None
    """``extend_many``: where the extended document was written."""
    error: str | None = None
    """Why the document could not be examined (verdict ERROR) or has no signature."""
    error_type: str | None = None
    """The kind of failure: an esig error class (e.g. ``NotAPdfError``), ``Timeout``,
    ``WorkerCrashed`` or ``WorkerLost``."""
    seconds: float = 0.0
    """How long the document took in its worker."""


class BulkSummary(EsigModel):
    """The counts of a bulk run: documents per verdict, signatures per level.

    .. versionadded:: 0.2.0
    """

    documents: int
    """Documents with a result line (skipped ones included)."""
    skipped: int = 0
    """Documents ``resume`` found already done (their earlier lines count above)."""
    verdicts: dict[str, int]
    """Documents per :class:`Verdict`."""
    levels: dict[str, int]
    """Signatures per level (``none``, ``SES``, ``AES``, ``QES``)."""
    errors: dict[str, int]
    """Documents per ``error_type`` (verdict ERROR)."""

    @property
    def all_passed(self) -> bool:
        """Whether every document passed (or was extended): the CLI's exit code 0."""
        good = self.verdicts.get(Verdict.TOTAL_PASSED, 0) + self.verdicts.get(Verdict.EXTENDED, 0)
        return self.documents > 0 and good == self.documents

    def to_text(self) -> str:
        """The summary as a small plain-text table."""
        rows = [f"{'Documents':<24}{self.documents:>8}"]
        if self.skipped:
            rows.append(f"{'  already done (resume)':<24}{self.skipped:>8}")
        rows += [f"  {name:<22}{count:>8}" for name, count in sorted(self.verdicts.items())]
        if self.levels:
            rows.append(f"{'Signatures by level':<24}{sum(self.levels.values()):>8}")
            rows += [f"  {name:<22}{count:>8}" for name, count in sorted(self.levels.items())]
        if self.errors:
            rows.append(f"{'Errors by kind':<24}{sum(self.errors.values()):>8}")
            rows += [f"  {name:<22}{count:>8}" for name, count in sorted(self.errors.items())]
        return "\n".join(rows) + "\n"


def summarize(lines: Iterable[ResultLine], *, skipped: int = 0) -> BulkSummary:
    """Count ``lines`` by verdict, their signatures by level, the errors by kind."""
    verdicts: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    total = 0
    for line in lines:
        total += 1
        verdicts[line.verdict.value] += 1
        levels.update(s.level for s in line.signatures)
        if line.verdict is Verdict.ERROR:
            errors[line.error_type or "unknown"] += 1
    return BulkSummary(
        documents=total,
        skipped=skipped,
        verdicts=dict(verdicts),
        levels=dict(levels),
        errors=dict(errors),
    )


class ResultWriter:
    """Appends result lines to a JSON Lines file, each whole and on disk before the next.

    Args:
        path: The output file. Created if absent; appended to otherwise.
        append: False to start the file afresh (its old lines are dropped).

    """

    def __init__(self, path: str | os.PathLike[str], *, append: bool) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise OutputError("The results output is a folder; give a file name", path=self.path)
        try:
            self._handle: IO[bytes] = self.path.open("ab" if append else "wb")
        except OSError as exc:
            raise OutputError(
                f"The results cannot be written: {exc.strerror}", path=self.path
            ) from None
        if append and self._handle.tell() > 0 and not _ends_with_newline(self.path):
            self._write(b"\n")  # a torn last line of an earlier run stays on its own

    def _write(self, data: bytes) -> None:
        try:
            self._handle.write(data)
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            raise OutputError(
                f"The results cannot be written: {exc.strerror}", path=self.path
            ) from None

    def write(self, line: ResultLine) -> None:
        """Append ``line`` (one ``write``, then flush and fsync)."""
        self._write(line.model_dump_json().encode("utf-8") + b"\n")

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def read_results(path: str | os.PathLike[str]) -> Iterator[ResultLine]:
    """The result lines of a JSON Lines file; a torn or foreign line is skipped.

    Raises:
        InputError: The file cannot be read.

    """
    source = Path(path)
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise InputError(f"The results cannot be read: {exc.strerror}", path=source) from None
    with handle:
        for raw in handle:
            try:
                yield ResultLine.model_validate_json(raw)
            except (ValidationError, ValueError):
                continue


def write_parquet(lines: Iterable[ResultLine], path: str | os.PathLike[str]) -> int:
    """Write ``lines`` as one Parquet table at ``path`` (atomically); return the row count.

    One row per document; ``signatures`` is a list of structs. Needs the ``bulk`` extra
    (pyarrow).
    """
    pa, pq = _pyarrow()
    signature = pa.struct(
        [
            ("field_name", pa.string()),
            ("indication", pa.string()),
            ("sub_indication", pa.string()),
            ("level", pa.string()),
            ("label", pa.string()),
        ]
    )
    schema = pa.schema(
        [
            ("path", pa.string()),
            ("sha256", pa.string()),
            ("size", pa.int64()),
            ("content_path", pa.string()),
            ("content_sha256", pa.string()),
            ("kind", pa.string()),
            ("verdict", pa.string()),
            ("signatures", pa.list_(signature)),
            ("output", pa.string()),
            ("error", pa.string()),
            ("error_type", pa.string()),
            ("seconds", pa.float64()),
        ]
    )
    rows = [json.loads(line.model_dump_json(exclude={"schema_version"})) for line in lines]
    table = pa.Table.from_pylist(rows, schema=schema)
    with atomic_output(path) as handle:
        pq.write_table(table, handle)
    return len(rows)


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - bulk extra
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:
        raise InputError("Parquet output needs pyarrow: pip install 'esig[bulk]'") from None
    return pa, pq
