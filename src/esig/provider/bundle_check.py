"""Check an exported evidence bundle without the provider's database (BES art. 5(k)).

:func:`verify_bundle` is what a court's expert, an auditor or the supervisor runs on a
ZIP that ``esig ca export`` wrote: the CA's detached CAdES signature over
``SHA256SUMS`` (esig's own CAdES verification, the CA certificate as the trust anchor),
every file against its listed SHA-256, and the audit of the exported log recomputed from
the file alone: the hash chain, each record's CA signature and the signed head. Each
problem is named in a :class:`BundleFinding`.

Give the CA certificate you trust (``ca_certificate``): without it the bundle is checked
against its own ``ca.pem``, which proves the bundle is whole but not whose it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import tempfile
import zipfile
from enum import StrEnum
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import ValidationError

from esig._model import EsigModel
from esig.errors import EsigError, InputError
from esig.provider.ca_signing import verify_signature
from esig.provider.export import BUNDLE_FILES, MANIFEST, MANIFEST_SIGNATURE
from esig.provider.log import audit_chain, event_row, head_row
from esig.provider.models import AuditFinding, LogEvent
from esig.verification import CheckId, Outcome, verify_detached

__all__ = ["BundleFinding", "BundleProblem", "BundleReport", "verify_bundle"]

_MAX_MEMBER = 512 * 1024 * 1024
"""A bundle member larger than this (uncompressed) is refused: 512 MiB."""


class BundleProblem(StrEnum):
    """What can be wrong with an exported bundle."""

    SIGNATURE = "signature"
    """The manifest's signature does not verify, or is not the CA's."""
    CA_CERTIFICATE = "ca-certificate"
    """The bundle's ``ca.pem`` is not the CA certificate given, or unreadable."""
    MISSING_FILE = "missing-file"
    """A file of the bundle, or its manifest entry, is missing."""
    DIGEST = "digest"
    """A file does not match its SHA-256 in the manifest."""
    UNLISTED_FILE = "unlisted-file"
    """The ZIP holds a file the manifest does not list."""
    LOG = "log"
    """The exported log fails its audit (the audit's finding is attached)."""


class BundleFinding(EsigModel):
    """One problem with a bundle."""

    kind: Literal["bundle-finding"] = "bundle-finding"
    """The finding's type tag."""
    problem: BundleProblem
    """What is wrong."""
    file: str | None = None
    """The bundle file concerned."""
    detail: str
    """What esig saw, in a sentence."""
    audit: AuditFinding | None = None
    """For a log problem: the audit's own finding (record, kind of tampering)."""


class BundleReport(EsigModel):
    """The result of :func:`verify_bundle`."""

    version: Literal[1] = 1
    """The report's schema version."""
    path: Path
    """The bundle checked."""
    ca_subject: str
    """The CA certificate the bundle was checked against (RFC 4514 subject)."""
    ca_given: bool
    """Whether that certificate was given (True) or taken from the bundle itself."""
    records: int
    """How many log records the bundle holds."""
    findings: tuple[BundleFinding, ...] = ()
    """Every problem found."""

    @property
    def intact(self) -> bool:
        """Whether the signature, every digest and the log's audit hold."""
        return not self.findings

    def to_text(self) -> str:
        """A few lines for a person: the verdict, then one line per finding."""
        verdict = "INTACT" if self.intact else "BROKEN"
        source = "given" if self.ca_given else "the bundle's own ca.pem"
        lines = [f"Bundle: {verdict} ({self.records} log records; CA {self.ca_subject}, {source})"]
        for finding in self.findings:
            where = f"{finding.file}: " if finding.file else ""
            lines.append(f"  {finding.problem.value}: {where}{finding.detail}")
        return "\n".join(lines) + "\n"


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            members: dict[str, bytes] = {}
            for info in archive.infolist():
                if info.is_dir():
                    continue
                if info.file_size > _MAX_MEMBER:
                    raise InputError(f"{info.filename} in the bundle is too large", path=path)
                members[info.filename] = archive.read(info)
            return members
    except FileNotFoundError:
        raise InputError("The bundle does not exist", path=path) from None
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise InputError(f"The bundle is not a readable ZIP file ({exc})", path=path) from None


def _manifest(data: bytes, path: Path) -> dict[str, str]:
    listed: dict[str, str] = {}
    try:
        for line in data.decode("utf-8").splitlines():
            digest, name = line.split("  ", 1)
            listed[name] = digest
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{MANIFEST} is not a sha256sum list", path=path) from None
    return listed


def _signature_findings(members: dict[str, bytes], anchor: x509.Certificate) -> list[BundleFinding]:
    def problem(detail: str) -> list[BundleFinding]:
        return [
            BundleFinding(problem=BundleProblem.SIGNATURE, file=MANIFEST_SIGNATURE, detail=detail)
        ]

    if MANIFEST_SIGNATURE not in members:
        return problem("the manifest's signature is missing")
    with tempfile.TemporaryDirectory(prefix="esig-bundle-") as folder:
        manifest = Path(folder) / MANIFEST
        manifest.write_bytes(members[MANIFEST])
        try:
            report = verify_detached(members[MANIFEST_SIGNATURE], manifest, trust=[anchor])
        except EsigError as exc:
            return problem(f"not a readable CAdES signature ({exc})")
    (signature,) = report.signatures[:1] or (None,)
    if signature is None:
        return problem("holds no signature")
    failed = [
        f"{finding.check.value}: {finding.message}"
        for check in (CheckId.INTEGRITY, CheckId.CERTIFICATE)
        for finding in signature.find(check)
        if finding.outcome is not Outcome.PASSED
    ]
    fingerprint = hashlib.sha256(anchor.public_bytes(Encoding.DER)).hexdigest()
    signer = signature.signer_certificate
    if signer is None or signer.sha256_fingerprint.replace(":", "").lower() != fingerprint:
        failed.append("the manifest is not signed by the CA's own certificate")
    return problem("; ".join(failed)) if failed else []


def _file_findings(members: dict[str, bytes], listed: dict[str, str]) -> list[BundleFinding]:
    findings: list[BundleFinding] = []
    for name in BUNDLE_FILES:
        if name not in listed:
            detail = "is not listed in the signed manifest"
        elif name not in members:
            detail = "is missing from the bundle"
        elif hashlib.sha256(members[name]).hexdigest() != listed[name]:
            detail = "does not match its SHA-256 in the signed manifest (it was changed)"
        else:
            continue
        problem = (
            BundleProblem.DIGEST
            if name in members and name in listed
            else (BundleProblem.MISSING_FILE)
        )
        findings.append(BundleFinding(problem=problem, file=name, detail=detail))
    known = {*BUNDLE_FILES, MANIFEST, MANIFEST_SIGNATURE}
    findings.extend(
        BundleFinding(
            problem=BundleProblem.UNLISTED_FILE,
            file=name,
            detail="is in the ZIP but not in the signed manifest",
        )
        for name in sorted(set(members) - known)
    )
    return findings


def _log_findings(
    members: dict[str, bytes], anchor: x509.Certificate
) -> tuple[int, list[BundleFinding]]:
    events: list[LogEvent] = []
    for number, line in enumerate(members.get("log.jsonl", b"").splitlines(), start=1):
        try:
            events.append(LogEvent.model_validate_json(line))
        except ValidationError:
            return len(events), [
                BundleFinding(
                    problem=BundleProblem.LOG,
                    file="log.jsonl",
                    detail=f"line {number} is not a log record",
                )
            ]
    try:
        signed = json.loads(members.get("head.json", b"{}") or b"{}")
        head = (
            head_row(int(signed["sequence"]), str(signed["record_hash"]), str(signed["signature"]))
            if signed
            else None
        )
    except (ValueError, KeyError, TypeError):
        return len(events), [
            BundleFinding(
                problem=BundleProblem.LOG, file="head.json", detail="is not the log's signed head"
            )
        ]

    def verify(data: str, signature: str) -> bool:
        try:
            raw = base64.b64decode(signature, validate=True)
        except (ValueError, binascii.Error):
            return False
        return verify_signature(anchor, data.encode(), raw)

    rows = sorted((event_row(event) for event in events), key=lambda row: row.sequence)
    return len(events), [
        BundleFinding(
            problem=BundleProblem.LOG,
            file="log.jsonl" if finding.sequence is not None else "head.json",
            detail=finding.detail,
            audit=finding,
        )
        for finding in audit_chain(rows, head, verify)
    ]


def verify_bundle(
    path: str | os.PathLike[str], *, ca_certificate: x509.Certificate | None = None
) -> BundleReport:
    """Check an exported evidence bundle: signature, digests, and the log's audit.

    Args:
        path: The ZIP ``esig ca export`` wrote. Only read.
        ca_certificate: The CA certificate you trust; default: the bundle's ``ca.pem``.

    Returns:
        The report; ``report.intact`` says whether everything holds.

    Raises:
        InputError: The file is not a readable ZIP, or holds no manifest (not a bundle).

    """
    bundle = Path(path)
    members = _read_members(bundle)
    if MANIFEST not in members:
        raise InputError(f"Not an esig evidence bundle: no {MANIFEST}", path=bundle)
    listed = _manifest(members[MANIFEST], bundle)
    findings: list[BundleFinding] = []
    own: x509.Certificate | None = None
    try:
        own = x509.load_pem_x509_certificate(members.get("ca.pem", b""))
    except ValueError:
        findings.append(
            BundleFinding(
                problem=BundleProblem.CA_CERTIFICATE, file="ca.pem", detail="is not a certificate"
            )
        )
    anchor = ca_certificate or own
    if anchor is None:
        raise InputError("The bundle's ca.pem is unreadable: give the CA certificate", path=bundle)
    if ca_certificate is not None and own is not None and own != ca_certificate:
        findings.append(
            BundleFinding(
                problem=BundleProblem.CA_CERTIFICATE,
                file="ca.pem",
                detail="is not the CA certificate given",
            )
        )
    findings += _signature_findings(members, anchor)
    findings += _file_findings(members, listed)
    records, log_findings = _log_findings(members, anchor)
    findings += log_findings
    return BundleReport(
        path=bundle,
        ca_subject=anchor.subject.rfc4514_string(),
        ca_given=ca_certificate is not None,
        records=records,
        findings=tuple(findings),
    )
