"""Verify ASiC containers (ETSI EN 319 162-1) with CAdES or XAdES signatures, like PDFs.

Each signature in the container gets the BES art. 3 checks and the level assessment of
:func:`~esig.verification.verifier.verify_pdf`; what it covers comes from the container:

- **ASiC-E**: the CAdES signature signs an ASiCManifest; each file the manifest lists
  (``DataObjectReference``) is looked up in the container and its digest recomputed. A
  listed file that is missing is ``SIGNED_DATA_NOT_FOUND`` (indeterminate); a file whose
  digest differs was changed after signing: ``HASH_FAILURE`` (failed). A manifest that
  does not parse is a ``FORMAT_FAILURE``.
- **ASiC-S**: the signature signs the one data file directly.

Files in the container that no signature covers, and a ``mimetype`` entry that is not
as annex A says (absent, not first, compressed, an extra field), are reported (format
findings with BES art. 3(a) and 3(g), and the report's ``problems``) without failing the
signatures, as DSS reports them (``AllFilesSigned``, ``MimeTypeFilePresent``: warnings).

- **XAdES** (``META-INF/signatures*.xml``): every ``ds:Signature`` in each file; its
  references name the data files, looked up and checked the same way
  (:class:`~esig.verification.asic_xades.XadesAsicReader`).

Archive manifests (ASiC-E B-LTA, ``META-INF/ASiCArchiveManifest*.xml``) and their
timestamps, and the archive-time-stamp-v3 attributes of an ASiC-S signature, are checked
by :mod:`esig.verification.asic_archive`; their findings join the reports of the
signatures they cover, and every CAdES signature gets its baseline level
(``conformance``: B-B … B-LTA and what the next level lacks).

Signature formats are read through :class:`AsicSignatureReader`: CAdES here, XAdES in
:mod:`esig.verification.asic_xades`; another format plugs in by adding itself to
:data:`READERS`.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO

from esig._io import CHUNK_SIZE, open_input
from esig._pyhanko.cades_validate import validate_cades
from esig._pyhanko.documents import PARSE_FAILURES
from esig._pyhanko.raw_signature import RawSignature
from esig._sync import run_sync
from esig.asic.container import (
    CADES_SIGNATURE,
    AsicContainer,
    AsicForm,
    ZipLimits,
    open_container,
)
from esig.asic.manifest import AsicManifest, ManifestError, parse_manifest
from esig.errors import InputError
from esig.law import BES, EIDAS
from esig.profiles import Art6Field
from esig.trust.register import CspRegister
from esig.verification.asic_archive import (
    ArchiveCheck,
    check_archives,
    embedded_archive_findings,
    with_archives,
)
from esig.verification.asic_reading import (
    AsicSignatureReader,
    Coverage,
    ReadSignature,
    finding,
    listing,
)
from esig.verification.asic_xades import XadesAsicReader
from esig.verification.qualification import TrustedListLike
from esig.verification.report import (
    CertificateSummary,
    CheckId,
    CoveredFile,
    Finding,
    Outcome,
    SignatureReport,
    SubIndication,
    VerificationReport,
)
from esig.verification.verifier import TrustInput, Verifier, signature_report

__all__ = [
    "READERS",
    "CadesAsicReader",
    "async_verify_asic",
    "verify_asic",
]


def _check_references(container: AsicContainer, manifest: AsicManifest) -> Coverage:
    result = Coverage(references=len(manifest.references))
    for ref in manifest.references:
        name = container.entry_for(ref.uri)
        if name is None:
            result.missing.append(ref.uri)
            continue
        result.covered.add(name)
        if not ref.known_algorithm:
            result.unknown_algorithm.append(name)
            continue
        digest = container.digests(name, [ref.digest_algorithm])[ref.digest_algorithm]
        if digest != ref.digest:
            result.changed.append(name)
    return result


class CadesAsicReader:
    """CAdES signatures (``META-INF/*signature*.p7s``) in ASiC-E and ASiC-S containers.

    .. versionadded:: 0.2.0
    """

    kind = CADES_SIGNATURE

    async def read(
        self, container: AsicContainer, name: str, verifier: Verifier
    ) -> tuple[ReadSignature, ...]:
        """Verify the CAdES signature file ``name`` of ``container`` (one signature)."""
        der = container.read(name)
        if container.form is AsicForm.ASIC_S:
            return (await self._asic_s(container, name, der, verifier),)
        return (await self._asic_e(container, name, der, verifier),)

    async def _validate(
        self, der: bytes, content: IO[bytes], size: int, name: str, verifier: Verifier
    ) -> RawSignature:
        try:
            return await validate_cades(
                der,
                content,  # type: ignore[arg-type]
                size,
                verifier.validation_anchors,
                name=name,
                allow_fetching=verifier.allow_fetching,
                moment=verifier.at,
            )
        except InputError as exc:
            return RawSignature(
                field_name=name,
                file_size=size,
                error=str(exc),
                error_sub_indication="FORMAT_FAILURE",
            )
        except PARSE_FAILURES as exc:
            return RawSignature(
                field_name=name,
                file_size=size,
                error=f"{type(exc).__name__}: {exc}",
                error_sub_indication="FORMAT_FAILURE",
            )

    async def _asic_s(
        self, container: AsicContainer, name: str, der: bytes, verifier: Verifier
    ) -> ReadSignature:
        files = container.data_files
        if not files:
            raw = RawSignature(
                field_name=name,
                error="the container holds no data file for the signature to sign",
                error_sub_indication="SIGNED_DATA_NOT_FOUND",
            )
            scope = {
                CheckId.SIGNED_DATA: finding(
                    CheckId.SIGNED_DATA,
                    Outcome.INDETERMINATE,
                    "The ASiC-S container holds no data file: the signed data is not there.",
                    (BES.ART_3_A,),
                    SubIndication.SIGNED_DATA_NOT_FOUND,
                )
            }
            return ReadSignature(signature_report(raw, verifier, scope=scope), frozenset())
        target = files[0]
        size = container.size(target)
        with container.open(target) as handle:
            raw = await self._validate(der, handle, size, name, verifier)
        problems: tuple[str, ...] = ()
        if len(files) > 1:
            problems = (
                f"An ASiC-S container holds one data file; this one holds {len(files)}: "
                f"the signature was checked against {target}",
            )
        scope = {
            CheckId.SIGNED_DATA: finding(
                CheckId.SIGNED_DATA,
                Outcome.PASSED,
                f"The signature covers the whole file {target} ({size} bytes) of the ASiC-S "
                "container, byte for byte.",
                (BES.ART_3_A,),
            ),
            CheckId.SIGNED_CONTENT: finding(
                CheckId.SIGNED_CONTENT,
                Outcome.PASSED,
                f"The signed content is the file {target} in the container, as verified.",
                (BES.ART_3_C,),
            ),
            CheckId.MODIFICATIONS: finding(
                CheckId.MODIFICATIONS,
                Outcome.PASSED,
                f"Any change to {target} breaks the signature's digest (see the integrity check).",
                (BES.ART_3_G, BES.ART_1_D, EIDAS.ART_26_D),
            ),
        }
        report = signature_report(raw, verifier, scope=scope)

        def content_digest(algorithm: str) -> bytes:
            return container.digests(target, [algorithm])[algorithm]

        archive, sound = await embedded_archive_findings(
            der, content_digest, name, target, verifier
        )
        report = report.model_copy(update={"findings": report.findings + archive})
        return ReadSignature(report, frozenset({target}), problems, embedded_archive=sound)

    def _manifest_for(
        self, container: AsicContainer, name: str
    ) -> tuple[str | None, AsicManifest | None, str | None]:
        """The manifest naming ``name``: (its name, the manifest, why it cannot be read)."""
        unreadable: list[tuple[str, str]] = []
        for manifest_name in container.manifests:
            try:
                manifest = parse_manifest(container.read(manifest_name), manifest_name)
            except ManifestError as exc:
                unreadable.append((manifest_name, str(exc)))
                continue
            if container.entry_for(manifest.signature) == name:
                return manifest_name, manifest, None
        if len(unreadable) == 1:
            return unreadable[0][0], None, unreadable[0][1]
        return None, None, None

    async def _asic_e(
        self, container: AsicContainer, name: str, der: bytes, verifier: Verifier
    ) -> ReadSignature:
        manifest_name, manifest, problem = self._manifest_for(container, name)
        if manifest_name is None:
            raw = RawSignature(
                field_name=name,
                error="no ASiCManifest in the container names this signature",
                error_sub_indication="SIGNED_DATA_NOT_FOUND",
            )
            scope = {
                CheckId.SIGNED_DATA: finding(
                    CheckId.SIGNED_DATA,
                    Outcome.INDETERMINATE,
                    f"No META-INF/ASiCManifest*.xml names {name}: what it signs is not there.",
                    (BES.ART_3_A,),
                    SubIndication.SIGNED_DATA_NOT_FOUND,
                )
            }
            return ReadSignature(signature_report(raw, verifier, scope=scope), frozenset())
        manifest_bytes = container.read(manifest_name)
        raw = await self._validate(
            der, io.BytesIO(manifest_bytes), len(manifest_bytes), name, verifier
        )
        if manifest is None:
            scope = {
                CheckId.SIGNED_DATA: finding(
                    CheckId.SIGNED_DATA,
                    Outcome.FAILED,
                    f"The signed manifest cannot be read: {problem}",
                    (BES.ART_3_A,),
                    SubIndication.FORMAT_FAILURE,
                )
            }
            return ReadSignature(signature_report(raw, verifier, scope=scope), frozenset())
        coverage = _check_references(container, manifest)
        scope = _asic_e_scope(manifest_name, manifest, coverage)
        if coverage.changed and raw.digest_matches:
            raw = replace(raw, digest_matches=False)
        report = signature_report(raw, verifier, scope=scope)
        # a CAdES B-LTA signature of its own (archive-time-stamp-v3 over the manifest)
        archive, sound = await embedded_archive_findings(
            der, lambda a: hashlib.new(a, manifest_bytes).digest(), name, manifest_name, verifier
        )
        report = report.model_copy(update={"findings": report.findings + archive})
        return ReadSignature(report, frozenset(coverage.covered), embedded_archive=sound)


def _asic_e_scope(
    manifest_name: str, manifest: AsicManifest, coverage: Coverage
) -> dict[CheckId, Finding]:
    count = len(manifest.references)
    if not manifest.references:
        signed = finding(
            CheckId.SIGNED_DATA,
            Outcome.FAILED,
            f"The signed manifest {manifest_name} lists no file: the signature signs nothing "
            "in the container.",
            (BES.ART_3_A,),
            SubIndication.FORMAT_FAILURE,
        )
    elif coverage.missing:
        signed = finding(
            CheckId.SIGNED_DATA,
            Outcome.INDETERMINATE,
            f"The signed manifest {manifest_name} lists {listing(coverage.missing)}, which "
            "the container does not hold: that signed data is not there.",
            (BES.ART_3_A,),
            SubIndication.SIGNED_DATA_NOT_FOUND,
        )
    elif coverage.unknown_algorithm:
        signed = finding(
            CheckId.SIGNED_DATA,
            Outcome.INDETERMINATE,
            f"The digests of {listing(coverage.unknown_algorithm)} use an algorithm esig "
            "does not know; those files cannot be checked.",
            (BES.ART_3_A,),
            SubIndication.SIGNED_DATA_NOT_FOUND,
        )
    else:
        signed = finding(
            CheckId.SIGNED_DATA,
            Outcome.PASSED,
            f"The signature covers {count} file{'s' if count != 1 else ''} of the container "
            f"through {manifest_name}: {listing(coverage.covered)}; each digest checked.",
            (BES.ART_3_A,),
        )
    scope = {
        CheckId.SIGNED_DATA: signed,
        CheckId.SIGNED_CONTENT: finding(
            CheckId.SIGNED_CONTENT,
            Outcome.PASSED,
            f"The signed content is the files {listing(coverage.covered)} as they are in the "
            "container (any ZIP tool extracts them).",
            (BES.ART_3_C,),
        ),
        CheckId.MODIFICATIONS: finding(
            CheckId.MODIFICATIONS,
            Outcome.PASSED,
            "Any change to a covered file breaks its digest in the signed manifest.",
            (BES.ART_3_G, BES.ART_1_D, EIDAS.ART_26_D),
        ),
    }
    if coverage.changed:
        changed = listing(coverage.changed)
        scope[CheckId.INTEGRITY] = finding(
            CheckId.INTEGRITY,
            Outcome.FAILED,
            f"{changed} changed after signing: the digest differs from the one in the signed "
            f"manifest {manifest_name}.",
            (BES.ART_3_B, BES.ART_1_D),
            SubIndication.HASH_FAILURE,
        )
        scope[CheckId.MODIFICATIONS] = finding(
            CheckId.MODIFICATIONS,
            Outcome.FAILED,
            f"{changed} changed after signing (the signed manifest holds another digest).",
            (BES.ART_3_G, BES.ART_1_D, EIDAS.ART_26_D),
            SubIndication.HASH_FAILURE,
        )
    return scope


READERS: tuple[AsicSignatureReader, ...] = (CadesAsicReader(), XadesAsicReader())
"""The signature formats :func:`verify_asic` reads, by their files in ``META-INF/``."""


# --- the container ----------------------------------------------------------------------------


def _format_findings(
    container: AsicContainer, own: frozenset[str], covered_by_any: set[str]
) -> tuple[Finding, ...]:
    findings = [
        finding(
            CheckId.FORMAT,
            Outcome.INFO,
            f"{problem} (ETSI EN 319 162-1 annex A).",
            (BES.ART_3_A,),
        )
        for problem in container.mimetype.problems(container.form)
    ]
    unsigned = [n for n in container.data_files if n not in covered_by_any]
    others = [n for n in container.data_files if n in covered_by_any and n not in own]
    if unsigned:
        findings.append(
            finding(
                CheckId.FORMAT,
                Outcome.INFO,
                f"No signature in the container covers {listing(unsigned)}: those files are "
                "not signed, and may have been added after signing.",
                (BES.ART_3_A, BES.ART_3_G),
            )
        )
    if others:
        findings.append(
            finding(
                CheckId.FORMAT,
                Outcome.INFO,
                f"This signature does not cover {listing(others)} (another signature does).",
                (BES.ART_3_A,),
            )
        )
    if not findings:
        findings.append(
            finding(
                CheckId.FORMAT,
                Outcome.PASSED,
                f"{container.form.label} container: the mimetype entry is as annex A of "
                "EN 319 162-1 says, and every file in it is signed.",
                (BES.ART_3_A,),
            )
        )
    return tuple(findings)


def _container_report(
    container: AsicContainer,
    read: ReadSignature,
    covered: set[str],
    archives: Sequence[ArchiveCheck],
) -> SignatureReport:
    """One signature's report with the container's findings, its files and (CAdES) level."""
    files = tuple(
        CoveredFile(name=name, sha256=container.digests(name, ["sha256"])["sha256"].hex())
        for name in sorted(read.covers)
    )
    report = read.report.model_copy(
        update={
            "findings": read.report.findings + _format_findings(container, read.covers, covered),
            "covered_files": files,
        }
    )
    if not CADES_SIGNATURE.matches(report.field_name):
        return report
    return with_archives(report, archives, embedded_archive=read.embedded_archive)


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open_input(path, what="container") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


async def async_verify_asic(
    container: str | os.PathLike[str],
    *,
    trust: Sequence[TrustInput] = (),
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
    exemptions: Iterable[Art6Field | str] = (),
    limits: ZipLimits | None = None,
) -> VerificationReport:
    """Verify every signature in an ASiC container; see :func:`verify_asic`."""
    verifier = Verifier(
        trust,
        allow_fetching=allow_fetching,
        at=at,
        register=register,
        trusted_lists=trusted_lists,
        exemptions=exemptions,
    )
    path = Path(container)
    sha256, size = _sha256(path)
    read: list[ReadSignature] = []
    problems: list[str] = []
    with open_container(path, limits=limits) as opened:
        for reader in READERS:
            for name in opened.signature_files(reader.kind):
                read.extend(await reader.read(opened, name, verifier))
        covered: set[str] = set().union(*(r.covers for r in read))
        archives, archive_problems = await check_archives(opened, verifier)
        reports = tuple(_container_report(opened, r, covered, archives) for r in read)
        problems += [f"{p}." for p in opened.mimetype.problems(opened.form)]
        problems += archive_problems
        for r in read:
            problems += r.problems
        unsigned = [n for n in opened.data_files if n not in covered]
        if unsigned:
            problems.append(f"Files no signature covers: {listing(unsigned)}")
        if not read:
            problems.append(f"The {opened.form.label} container holds no signature")
    return VerificationReport(
        document=str(path),
        document_sha256=sha256,
        document_size=size,
        verified_at=dt.datetime.now(dt.UTC),
        validation_time=verifier.at,
        trust_anchors=tuple(CertificateSummary.from_certificate(c) for c in verifier.trust_anchors),
        signatures=reports,
        problems=tuple(problems),
    )


def verify_asic(
    container: str | os.PathLike[str],
    *,
    trust: Sequence[TrustInput] = (),
    allow_fetching: bool = False,
    at: dt.datetime | None = None,
    register: CspRegister | None = None,
    trusted_lists: TrustedListLike | None = None,
    exemptions: Iterable[Art6Field | str] = (),
    limits: ZipLimits | None = None,
) -> VerificationReport:
    """Verify every signature in an ASiC-E or ASiC-S container (EN 319 162-1).

    Args:
        container: The container (only read; recognised by its content, not its name).
        trust: Trust anchors (certificates or paths to certificate files).
        allow_fetching: Fetch revocation information over the network.
        at: Validate as of this moment instead of now.
        register: The BES art. 4 register of recognised providers.
        trusted_lists: EU trusted lists (ETSI TS 119 612).
        exemptions: BES art. 6(2) exemptions of the issuing provider.
        limits: The container reader's limits (default :class:`~esig.asic.ZipLimits`).

    Returns:
        The report: one signature report per signature (``field_name`` is its file's
        name in the container), the files each covers in ``covered_files`` (name and
        SHA-256) and its findings, each CAdES signature's baseline level in
        ``conformance``, and the container's
        problems (unsigned files, ``mimetype`` deviations) in ``report.problems``.

    Raises:
        DocumentNotFoundError: The container does not exist.
        InputError: Not a ZIP file or not an ASiC container, or refused by the reader's
            limits (path traversal, duplicate names, ZIP bomb, encrypted entries).
        CorruptDocumentError: An entry of the container cannot be decompressed.
        CertificateLoadError: A trust anchor file cannot be read.

    """
    return run_sync(
        async_verify_asic(
            container,
            trust=trust,
            allow_fetching=allow_fetching,
            at=at,
            register=register,
            trusted_lists=trusted_lists,
            exemptions=exemptions,
            limits=limits,
        )
    )
