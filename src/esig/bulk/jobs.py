"""What a bulk worker does to one document: verify it, or extend it (B-LT / B-LTA).

A job is a small frozen model (it travels to the workers as JSON) with a
:meth:`~VerifyJob.run` method that turns one document into one
:class:`~esig.bulk.results.ResultLine`. What a job needs for every document — trust
anchors, the BES art. 4 register, a trusted-list cache — is loaded on the job's first
document and kept on the instance, so a worker loads it once, not per document.

The kind of document is recognised as ``esig verify`` recognises it, by content: an
ASiC container (ZIP), XAdES (XML; a detached XAdES signature's content is the file its
reference's URI names, relative to the signature), a detached CAdES signature
(``FILE.p7s`` beside the ``FILE`` it signs), else a PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import PrivateAttr

from esig._io import CHUNK_SIZE, open_input
from esig._model import EsigModel
from esig.bulk.results import ResultLine, SignatureLine, Verdict
from esig.errors import EsigError, InputError

__all__ = [
    "DETACHED_SUFFIX",
    "ExtendJob",
    "Job",
    "VerifyJob",
    "detached_content",
    "document_kind",
]

DETACHED_SUFFIX = ".p7s"
"""A detached CAdES signature ``FILE.p7s`` signs the ``FILE`` beside it."""

_URL_PREFIXES = ("http://", "https://")
_MAX_DOWNLOAD = 512 * 1024 * 1024


def document_kind(path: Path) -> Literal["pdf", "cades", "xades", "asic"]:
    """What ``path`` is, by its first bytes (and ``.p7s`` for a detached signature)."""
    from esig._xml.parsing import looks_like_xml  # noqa: PLC0415 - lxml only when needed

    with open_input(path) as handle:
        head = handle.read(1024)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "asic"
    if path.name.lower().endswith(DETACHED_SUFFIX):
        return "cades"
    if looks_like_xml(head):
        return "xades"
    return "pdf"  # the PDF reader says why it is not one


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open_input(path) as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class _Base(EsigModel):
    """What both jobs share: running one document into one result line."""

    def run(self, source: str) -> ResultLine:
        """Examine one document (a path or an http(s) URL) and say what became of it."""
        started = time.perf_counter()
        facts: dict[str, Any] = {"path": source}
        try:
            if source.startswith(_URL_PREFIXES):
                with _downloaded(source) as path:
                    facts |= self._examine(path, facts)
            else:
                facts |= self._examine(Path(source), facts)
        except EsigError as exc:
            facts |= {"verdict": Verdict.ERROR, "error": str(exc), "error_type": type(exc).__name__}
        except Exception as exc:  # one bad document must not stop the run
            facts |= {
                "verdict": Verdict.ERROR,
                "error": f"Unexpected error: {type(exc).__name__}: {exc}",
                "error_type": type(exc).__name__,
            }
        return ResultLine(**facts, seconds=round(time.perf_counter() - started, 6))

    def _examine(self, path: Path, facts: dict[str, Any]) -> dict[str, Any]:
        digest, size = _sha256(path)
        facts |= {"sha256": digest, "size": size}  # kept even when the job then fails
        return {"sha256": digest, "size": size, **self._do(path, facts)}

    def _do(self, path: Path, facts: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError  # each job has its own

    def prepare(self) -> None:
        """Load what every document needs (once per worker); errors are the user's input."""


class _Downloaded:
    """A URL's body in a temporary file, removed afterwards."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._path: Path | None = None

    def __enter__(self) -> Path:
        from esig.trust._fetch import fetch  # noqa: PLC0415 - only for URLs

        fetched = fetch(self._url, timeout=30.0, max_size=_MAX_DOWNLOAD)
        name = self._url.rstrip("/").rsplit("/", 1)[-1] or "document"
        fd, tmp = tempfile.mkstemp(prefix="esig-bulk-", suffix=f"-{name}"[-60:])
        with os.fdopen(fd, "wb") as handle:
            handle.write(fetched.data)
        self._path = Path(tmp)
        return self._path

    def __exit__(self, *exc: object) -> None:
        if self._path is not None:
            self._path.unlink(missing_ok=True)


def _downloaded(url: str) -> _Downloaded:
    return _Downloaded(url)


class VerifyJob(_Base):
    """Verify each document as ``esig verify`` would, with the same trust settings.

    Paths are read by the worker: on a cluster they must be readable there too.

    .. versionadded:: 0.2.0
    """

    op: Literal["verify"] = "verify"
    trust: tuple[str, ...] = ()
    """Trust anchor files (PEM, DER or PKCS#7)."""
    allow_fetching: bool = False
    """Fetch revocation information (OCSP, CRL) over the network."""
    at: dt.datetime | None = None
    """Validate as of this moment instead of now."""
    register_file: str | None = None
    """The BES art. 4 register (YAML or JSON)."""
    register_authority: str | None = None
    """The register authority's certificate (the register's detached CAdES signer)."""
    register_sha256: str | None = None
    """The register's SHA-256 as published out of band."""
    trusted_lists: str | None = None
    """A trusted-list cache folder filled by ``esig tl sync``."""
    trusted_list_files: tuple[str, ...] = ()
    """EU trusted list files (ETSI TS 119 612); one may be a LOTL authenticating the others."""
    tlso: tuple[str, ...] = ()
    """Certificates allowed to sign ``trusted_list_files`` (scheme operators)."""
    lotl_signers: str | None = None
    """The LOTL signer certificates (default: for the cache the set esig ships, for
    ``trusted_list_files`` pyHanko's)."""
    allow_unsigned_lists: bool = False
    """Use trusted lists whose signer cannot be authenticated."""
    exemptions: tuple[str, ...] = ()
    """Items of BES art. 6(1) the issuing providers are exempted from (art. 6(2))."""

    _loaded: dict[str, Any] | None = PrivateAttr(default=None)

    def prepare(self) -> None:
        """Load the trust settings and import the PDF verifier (once per worker).

        The verifiers of the other kinds (XAdES, CAdES, ASiC) are imported by the first
        document of their kind: archives are mostly PDFs, and each worker child starts
        ~0.3 s sooner without them (it starts in ~0.9 s instead of ~1.2 s).
        """
        self.settings()
        import esig.verification.verifier  # noqa: PLC0415, F401 - before the first document

    def settings(self) -> dict[str, Any]:
        """The verifier's keyword arguments, loaded on the first call and kept."""
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def _load(self) -> dict[str, Any]:
        from esig.certificates import load_certificates_from_paths  # noqa: PLC0415

        register = None
        if self.register_file is not None:
            from esig.trust.register import load_register  # noqa: PLC0415

            register = load_register(
                self.register_file,
                authority=self.register_authority,
                expected_sha256=self.register_sha256,
            )
        elif self.register_authority is not None or self.register_sha256 is not None:
            raise InputError("A register authority or SHA-256 needs the register itself")
        return {
            "trust": load_certificates_from_paths(
                [Path(p) for p in self.trust], what="trust anchor"
            ),
            "allow_fetching": self.allow_fetching,
            "at": self.at,
            "register": register,
            "trusted_lists": self._trusted_lists(),
            "exemptions": self.exemptions,
        }

    def _trusted_lists(self) -> Any:
        """The cache folder or the list files, loaded as ``esig verify`` loads them."""
        from esig.trust.tl_loading import load_trusted_lists  # noqa: PLC0415

        return load_trusted_lists(
            self.trusted_list_files,
            cache=self.trusted_lists,
            tlso=self.tlso,
            lotl_signers=self.lotl_signers,
            allow_unsigned=self.allow_unsigned_lists,
        )

    def _do(self, path: Path, facts: dict[str, Any]) -> dict[str, Any]:
        kind = facts["kind"] = document_kind(path)
        content = signed_content(path, kind)
        if content is not None:
            # recorded before verifying: resume redoes the document when the content changes
            facts["content_path"] = str(content)
            facts["content_sha256"] = _sha256(content)[0] if content.is_file() else None
        report = _VERIFIERS[kind](path, content, self.settings())
        signatures = tuple(
            SignatureLine(
                field_name=s.field_name,
                indication=s.indication.value,
                sub_indication=s.sub_indication.value if s.sub_indication else None,
                level=s.level.level.value,
                label=s.level.label.value,
            )
            for s in report.signatures
        )
        return {
            "kind": kind,
            "verdict": Verdict(report.indication.value),
            "signatures": signatures,
            "error": " ".join(report.problems) or None,
        }


def signed_content(path: Path, kind: str) -> Path | None:
    """The file a detached signature ``path`` of ``kind`` signs (None: it is not detached)."""
    if kind == "cades":
        return path.with_name(path.name[: -len(DETACHED_SUFFIX)])
    if kind == "xades":
        return detached_content(path)
    return None


def _verify_pdf(path: Path, content: Path | None, settings: dict[str, Any]) -> Any:
    from esig.verification.verifier import verify_pdf  # noqa: PLC0415

    return verify_pdf(path, **settings)


def _verify_cades(path: Path, content: Path | None, settings: dict[str, Any]) -> Any:
    from esig.verification.cades import verify_detached  # noqa: PLC0415

    assert content is not None  # a .p7s always signs the file beside it
    return verify_detached(path, content, **settings)


def detached_content(path: Path) -> Path | None:
    """The file a detached XAdES signature ``path`` signs (None: it signs itself).

    A detached signature names its content by its reference's URI, relative to where
    the signature is, as a browser resolves a relative link: ``URI="invoice.pdf"`` in
    ``archive/invoice.xml`` is ``archive/invoice.pdf``.

    Raises:
        InputError: The XML is not well-formed, names several files, or names its
            content by an absolute URI (``http:``, ``file:``, ``/…``) esig does not follow.

    """
    import urllib.parse  # noqa: PLC0415

    from esig._io import read_input  # noqa: PLC0415
    from esig._xml.parsing import parse_xml  # noqa: PLC0415
    from esig._xml.wrapping import detached_files  # noqa: PLC0415

    named = detached_files(parse_xml(read_input(path, what="XML document")))
    if not named:
        return None
    if len(named) > 1:
        raise InputError(
            f"The detached signature signs {len(named)} files; a bulk run verifies a "
            "signature over one file (verify it with esig verify --content)"
        )
    (uri,) = named
    if urllib.parse.urlsplit(uri).scheme or uri.startswith("/"):
        raise InputError(
            f"The detached signature names its content by the absolute URI {uri!r}; a bulk "
            "run looks for it beside the signature, by a relative name"
        )
    return path.parent / uri


def _verify_xades(path: Path, content: Path | None, settings: dict[str, Any]) -> Any:
    from esig.verification.xades import verify_xml  # noqa: PLC0415

    return verify_xml(path, detached_content=content, **settings)


def _verify_asic(path: Path, content: Path | None, settings: dict[str, Any]) -> Any:
    from esig.verification.asic import verify_asic  # noqa: PLC0415

    return verify_asic(path, **settings)


_VERIFIERS: dict[str, Callable[[Path, Path | None, dict[str, Any]], Any]] = {
    "pdf": _verify_pdf,
    "cades": _verify_cades,
    "xades": _verify_xades,
    "asic": _verify_asic,
}


class ExtendJob(_Base):
    """Extend each signed PDF (B-LT, B-LTA) or ASiC-E container (B-LTA) to a new file.

    The output goes next to the input (``NAME-lta.pdf``), into ``output_dir`` (the
    same relative path under it as under ``base``), or, with ``in_place``, over the
    input itself (atomically: the input is replaced only once the extended file is
    complete).

    .. versionadded:: 0.2.0
    """

    op: Literal["extend"] = "extend"
    level: Literal["B-LT", "B-LTA"] = "B-LTA"
    """The level to extend to."""
    tsa: str | None = None
    """The RFC 3161 time-stamping service (needed for B-LTA)."""
    service_timeout: float = 10.0
    """How long to wait for the TSA, OCSP responders and CRLs."""
    trust: tuple[str, ...] = ()
    """Trust anchors for collecting validation data (default: the signatures' roots)."""
    output_dir: str | None = None
    """Write the extended documents here instead of next to their inputs."""
    base: str | None = None
    """The folder the inputs' relative paths are taken from (with ``output_dir``)."""
    suffix: str = "-lta"
    """Added to an output's stem when it is written next to its input."""
    in_place: bool = False
    """Replace each input with its extended version."""

    _services: tuple[Any, Any] | None = PrivateAttr(default=None)

    def target(self, path: Path) -> Path:
        """Where the extended ``path`` is written."""
        if self.in_place:
            return path
        if self.output_dir is not None:
            base = Path(self.base) if self.base else path.parent
            try:
                relative = path.resolve().relative_to(base.resolve())
            except ValueError:
                relative = Path(path.name)
            return Path(self.output_dir) / relative
        return path.with_name(f"{path.stem}{self.suffix}{path.suffix}")

    def prepare(self) -> None:
        """Check the request and load the trust anchors (once per worker)."""
        from esig.certificates import load_certificates_from_paths  # noqa: PLC0415
        from esig.signing.baseline import (  # noqa: PLC0415
            BaselineLevel,
            BaselineRequest,
            TimestampService,
            ValidationServices,
        )

        if self._services is None:
            anchors = load_certificates_from_paths(
                [Path(p) for p in self.trust], what="trust anchor"
            )
            timestamp = (
                TimestampService(url=self.tsa, timeout=self.service_timeout) if self.tsa else None
            )
            validation = ValidationServices(trust=tuple(anchors), timeout=self.service_timeout)
            BaselineRequest(
                level=BaselineLevel(self.level), timestamp=timestamp, validation=validation
            )
            self._services = (timestamp, validation)

    def _do(self, path: Path, facts: dict[str, Any]) -> dict[str, Any]:
        from esig.asic.container import container_form  # noqa: PLC0415

        self.prepare()
        target = self.target(path)
        facts["kind"] = "asic" if container_form(path) is not None else "pdf"
        if not self.in_place and target.resolve() == path.resolve():
            raise InputError(
                "The output folder maps this document onto itself; choose another folder "
                "(or ask for in-place extension)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        if not self.in_place:
            self._extend(path, target, facts["kind"])
            return {"verdict": Verdict.EXTENDED, "output": str(target)}
        # In place: extended beside the input (hidden), then renamed over it.
        staged = path.with_name(f".{path.name}.esig-extend")
        try:
            self._extend(path, staged, facts["kind"])
            os.replace(staged, path)
        finally:
            staged.unlink(missing_ok=True)
        return {"verdict": Verdict.EXTENDED, "output": str(path)}

    def _extend(self, path: Path, target: Path, kind: str) -> None:
        from esig.signing.baseline import BaselineLevel  # noqa: PLC0415

        assert self._services is not None
        timestamp, validation = self._services
        if kind == "asic":
            from esig.signing.asic_archive import extend_asic  # noqa: PLC0415

            if self.level != "B-LTA":
                raise InputError("An ASiC container is extended to B-LTA only")
            extend_asic(path, target, timestamp=timestamp, validation=validation)
        else:
            from esig.signing.extend import extend_pdf  # noqa: PLC0415

            extend_pdf(
                path,
                target,
                level=BaselineLevel(self.level),
                timestamp=timestamp,
                validation=validation,
            )


Job = VerifyJob | ExtendJob
"""A bulk job: what each worker does to each document."""
