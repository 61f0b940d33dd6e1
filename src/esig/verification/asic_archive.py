"""Verify the archive timestamps of ASiC with CAdES (B-LTA), and the CAdES baseline level.

Each ``META-INF/ASiCArchiveManifest*.xml`` (EN 319 162-1 §4.4.3) is checked twice: its
archive timestamp (the token its ``SigReference`` names) must be over the manifest's
bytes, verify and come from a trusted TSA (pyHanko's time-stamp validation); and every
file it lists must be in the container with the digest it records. A file changed after
archiving is a ``HASH_FAILURE``, a manifest changed after its timestamp (a reference
removed or altered) too; a listed file that is gone is ``SIGNED_DATA_NOT_FOUND``.

The results become findings (check ``timestamp``) of the signatures each archive covers,
and the signature's ``conformance`` says B-LTA when a sound archive timestamp covers a
signature that carries its signature timestamp and revocation data (B-LT material).
Archive manifests that no later one covers, besides the latest, are reported as
problems of the container.

ASiC-S has no archive manifest: its CAdES signature carries ``archive-time-stamp-v3``
attributes (:func:`embedded_archive_findings`; an ASiC-E signature may carry them too,
over its ASiCManifest), each checked over the signed file and the signature (imprint
recomputed, token validated, every element of its ``ats-hash-index-v3`` still there).

Every CAdES signature of a container gets its baseline level
(:func:`cades_conformance`): B-B, B-T (signature timestamp), B-LT (revocation data),
B-LTA (a sound archive timestamp), and what the next level lacks.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from esig._pyhanko.asic_archive import ArchiveTimestampCheck, check_timestamp
from esig._pyhanko.cades_archive import check_archive_timestamps_v3
from esig.asic.archive import ARCHIVE_MANIFEST, ARCHIVE_MANIFESTS, TIMESTAMPS
from esig.asic.container import CADES_SIGNATURE, AsicContainer
from esig.asic.manifest import ManifestError, parse_manifest
from esig.law import BES
from esig.model.baseline import BaselineLevel
from esig.verification.conformance import BaselineConformance, ConformanceGap, GapCode
from esig.verification.report import Finding, Outcome, SignatureReport, SubIndication
from esig.verification.report_parts import CheckId
from esig.verification.verifier import Verifier

__all__ = [
    "ArchiveCheck",
    "archive_findings",
    "cades_conformance",
    "check_archives",
    "embedded_archive_findings",
    "with_archives",
]

_CITES = (BES.ART_1_B, BES.ART_3_D)
_CADES = "ETSI.CAdES.detached"


@dataclass(frozen=True)
class ArchiveCheck:
    """One archive manifest, checked."""

    name: str
    timestamp: str | None = None
    """The token its ``SigReference`` names."""
    covers: frozenset[str] = frozenset()
    """The container entries it lists (present or not)."""
    findings: tuple[Finding, ...] = ()
    sound: bool = False
    """Its timestamp is sound and every file it lists is there, unchanged."""
    problems: tuple[str, ...] = field(default=())


def _finding(outcome: Outcome, message: str, sub: SubIndication | None = None) -> Finding:
    return Finding(
        check=CheckId.TIMESTAMP,
        outcome=outcome,
        message=message,
        citations=_CITES,
        sub_indication=sub,
    )


def _token_problem(
    check: ArchiveTimestampCheck, label: str, not_over: str, *, index_problem: str | None = None
) -> Finding | None:
    """Why an archive timestamp (``label``) is not sound, as a finding; None: it is.

    ``not_over``: what to say when its imprint does not match; ``index_problem``: why an
    archive-time-stamp-v3's ats-hash-index-v3 does not match the signature.
    """
    facts = check.facts
    if facts is None:
        return _finding(
            Outcome.FAILED,
            f"The {label} cannot be validated: {check.problem}.",
            SubIndication.FORMAT_FAILURE,
        )
    if not facts.imprint_matches:
        return _finding(Outcome.FAILED, f"The {label} {not_over}.", SubIndication.HASH_FAILURE)
    if index_problem is not None:
        return _finding(
            Outcome.FAILED,
            f"The {label} does not match the signature: {index_problem}.",
            SubIndication.HASH_FAILURE,
        )
    if not facts.signature_valid:
        return _finding(
            Outcome.FAILED,
            f"The signature of the {label} does not verify.",
            SubIndication.SIG_CRYPTO_FAILURE,
        )
    if not facts.trusted:
        return _finding(
            Outcome.INDETERMINATE,
            f"The {label} ({facts.time:%Y-%m-%d %H:%M:%S} UTC) is not from a trusted "
            f"time-stamping authority ({facts.trust_problem}).",
            SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
        )
    return None


def _entry(container: AsicContainer, uri: str) -> str | None:
    names = set(container.names)
    for candidate in (uri, unquote(uri), unquote(uri).removeprefix("./")):
        if candidate in names:
            return candidate
    return None


async def _check_one(
    container: AsicContainer, name: str, verifier: Verifier, pool: list[bytes]
) -> ArchiveCheck:
    data = container.read(name)
    try:
        manifest = parse_manifest(data, name)
    except ManifestError as exc:
        return ArchiveCheck(
            name=name,
            findings=(
                _finding(
                    Outcome.FAILED,
                    f"The archive manifest cannot be read: {exc}",
                    SubIndication.FORMAT_FAILURE,
                ),
            ),
        )
    covers = frozenset(_entry(container, r.uri) or unquote(r.uri) for r in manifest.references)
    token_name = _entry(container, manifest.signature)
    if token_name is None:
        return ArchiveCheck(
            name=name,
            timestamp=manifest.signature,
            covers=covers,
            findings=(
                _finding(
                    Outcome.INDETERMINATE,
                    f"The archive manifest {name} names the timestamp {manifest.signature}, "
                    "which the container does not hold.",
                    SubIndication.SIGNED_DATA_NOT_FOUND,
                ),
            ),
        )
    result = await check_timestamp(
        container.read(token_name),
        data,
        verifier.validation_anchors,
        allow_fetching=verifier.allow_fetching,
        moment=verifier.at,
        pool=pool,
    )
    facts = result.facts
    problem = _token_problem(
        result,
        f"archive timestamp {token_name}",
        f"is not over {name} as it is now: the archive manifest changed after it was timestamped",
    )
    findings: list[Finding] = [problem] if problem is not None else []
    missing: list[str] = []
    changed: list[str] = []
    unknown: list[str] = []
    for ref in manifest.references:
        entry = _entry(container, ref.uri)
        if entry is None:
            missing.append(unquote(ref.uri))
        elif not ref.known_algorithm:
            unknown.append(entry)
        elif container.digests(entry, [ref.digest_algorithm])[ref.digest_algorithm] != ref.digest:
            changed.append(entry)
    if changed:
        findings.append(
            _finding(
                Outcome.FAILED,
                f"{', '.join(sorted(changed))} changed after the archive timestamp: the digest "
                f"differs from the one in {name}.",
                SubIndication.HASH_FAILURE,
            )
        )
    if missing:
        findings.append(
            _finding(
                Outcome.INDETERMINATE,
                f"The archive manifest {name} lists {', '.join(sorted(missing))}, which the "
                "container no longer holds.",
                SubIndication.SIGNED_DATA_NOT_FOUND,
            )
        )
    if unknown:
        findings.append(
            _finding(
                Outcome.INDETERMINATE,
                f"The digests of {', '.join(sorted(unknown))} in {name} use an algorithm "
                "esig does not know.",
                SubIndication.SIGNED_DATA_NOT_FOUND,
            )
        )
    sound = not findings and result.sound
    if sound and facts is not None:
        count = len(manifest.references)
        findings.append(
            _finding(
                Outcome.PASSED,
                f"The archive timestamp {token_name} of {facts.time:%Y-%m-%d %H:%M:%S} UTC, "
                "from a trusted time-stamping authority, covers "
                f"{name} and through it {count} file{'s' if count != 1 else ''} of the "
                "container, each digest checked (EN 319 162-1 B-LTA).",
            )
        )
    return ArchiveCheck(
        name=name, timestamp=token_name, covers=covers, findings=tuple(findings), sound=sound
    )


async def check_archives(
    container: AsicContainer, verifier: Verifier
) -> tuple[tuple[ArchiveCheck, ...], tuple[str, ...]]:
    """Check every archive manifest of ``container``; the checks and the container's problems."""
    names = [n for n in container.names if ARCHIVE_MANIFESTS.fullmatch(n)]
    if not names:
        return (), ()
    pool = [
        container.read(n)
        for n in container.names
        if CADES_SIGNATURE.matches(n) or TIMESTAMPS.fullmatch(n)
    ]
    checks = tuple([await _check_one(container, n, verifier, pool) for n in names])
    problems: list[str] = []
    covered = set().union(*(c.covers for c in checks)) if checks else set()
    for check in checks:
        if check.name != ARCHIVE_MANIFEST and check.name not in covered:
            problems.append(
                f"The archive manifest {check.name} is not covered by a later archive manifest"
            )
        if not check.sound:
            problems.append(f"The archive manifest {check.name} does not check out")
    if checks and ARCHIVE_MANIFEST not in names:
        problems.append(f"The container has archive manifests but no {ARCHIVE_MANIFEST}")
    return checks, tuple(problems)


def archive_findings(checks: Sequence[ArchiveCheck], signature: str) -> tuple[Finding, ...]:
    """The findings of the archive manifests that cover ``signature`` (or cannot say)."""
    found: list[Finding] = []
    for check in checks:
        # a broken archive manifest cannot be believed about what it covers
        if signature in check.covers or not check.sound:
            found.extend(check.findings)
    if checks and not any(signature in c.covers for c in checks):
        found.append(
            _finding(
                Outcome.INFO,
                f"No archive manifest covers {signature}: it was added after the last "
                "archive timestamp and is not at B-LTA.",
            )
        )
    return tuple(found)


def _gap(level: BaselineLevel, code: GapCode, message: str) -> ConformanceGap:
    return ConformanceGap(level=level, code=code, message=message, citation=BES.ART_1_B)


def cades_conformance(
    report: SignatureReport, *, archived: bool, claims_archive: bool
) -> BaselineConformance:
    """The CAdES baseline level (EN 319 122-1) one signature of a container reaches.

    B-B for a signature; B-T with its signature timestamp; B-LT with revocation data
    for its path as well; B-LTA when a sound archive timestamp also covers it
    (``archived``). ``claims_archive``: an archive timestamp is there (sound or not),
    so the signature claims B-LTA; otherwise no level is claimed and ``missing`` says
    what the next level needs.
    """
    data = report.validation_data
    timestamped = bool(data and data.timestamps)
    # B-LT: revocation values the signature carries; fetched ones do not count
    embedded = [r for r in data.revocation if not r.fetched] if data else []
    long_term = timestamped and bool(embedded)
    reached = BaselineLevel.B_B
    if timestamped:
        reached = BaselineLevel.B_T
    if long_term:
        reached = BaselineLevel.B_LT
    if long_term and archived:
        reached = BaselineLevel.B_LTA
    missing: list[ConformanceGap] = []
    if not timestamped:
        missing.append(
            _gap(BaselineLevel.B_T, GapCode.NO_TIMESTAMP, "the signature has no timestamp")
        )
    elif not long_term:
        missing.append(
            _gap(
                BaselineLevel.B_LT,
                GapCode.REVOCATION_MISSING,
                "the signature carries no revocation data (OCSP responses, CRLs) for its path",
            )
        )
    if not archived and (claims_archive or reached is BaselineLevel.B_LT):
        missing.append(
            _gap(
                BaselineLevel.B_LTA,
                GapCode.NO_ARCHIVE_TIMESTAMP,
                "no sound archive timestamp covers the signature",
            )
        )
    if not claims_archive:
        # nothing claims more: the gap to the next level only
        missing = missing[:1]
    return BaselineConformance(
        subfilter=_CADES,
        claimed=BaselineLevel.B_LTA if claims_archive else None,
        reached=reached,
        missing=tuple(missing),
    )


def with_archives(
    report: SignatureReport,
    checks: Sequence[ArchiveCheck],
    *,
    embedded_archive: bool | None = None,
) -> SignatureReport:
    """``report`` (a CAdES signature of a container) with its archive findings and level.

    ``checks``: the container's archive manifests (ASiC-E); ``embedded_archive``: the
    signature's own archive-time-stamp-v3 attributes are all sound (True), not all
    (False), or absent (None).
    """
    archived = any(c.sound and report.field_name in c.covers for c in checks)
    findings = archive_findings(checks, report.field_name) if checks else ()
    return report.model_copy(
        update={
            "findings": report.findings + findings,
            "conformance": cades_conformance(
                report,
                archived=archived or bool(embedded_archive),
                claims_archive=bool(checks) or embedded_archive is not None,
            ),
        }
    )


async def embedded_archive_findings(
    der: bytes,
    content_digest: Callable[[str], bytes],
    signature: str,
    signed_file: str,
    verifier: Verifier,
) -> tuple[tuple[Finding, ...], bool | None]:
    """The archive-time-stamp-v3 attributes of a CAdES signature in a container, checked.

    ``content_digest``: the digest of what it signs (ASiC-S: the data file ``signed_file``;
    ASiC-E: its ASiCManifest), by algorithm.

    Returns the findings (check ``timestamp``) and whether they are all sound (None:
    the signature has none).
    """
    checks = await check_archive_timestamps_v3(
        der,
        content_digest,
        verifier.validation_anchors,
        allow_fetching=verifier.allow_fetching,
        moment=verifier.at,
    )
    if not checks:
        return (), None
    findings: list[Finding] = []
    for check in checks:
        label = f"archive timestamp {check.number} of {signature} (archive-time-stamp-v3)"
        problem = _token_problem(
            check.timestamp,
            label,
            f"is not over {signed_file} and the signature as they are now: one of them "
            "changed after it was timestamped",
            index_problem=check.index_problem,
        )
        facts = check.timestamp.facts
        if problem is not None or facts is None:
            findings.append(problem or _finding(Outcome.FAILED, f"The {label} is unreadable."))
            continue
        findings.append(
            _finding(
                Outcome.PASSED,
                f"The {label} of {facts.time:%Y-%m-%d %H:%M:%S} UTC, from a trusted "
                f"time-stamping authority, covers {signed_file} and the signature with "
                "the validation data it held then, each digest checked (EN 319 162-1 "
                "§4.3.3, EN 319 122-1 B-LTA).",
            )
        )
    return tuple(findings), all(c.sound for c in checks)
