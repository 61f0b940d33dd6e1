"""``esig ca verify-bundle``: an exported evidence bundle checked without the database.

A real CA (software key, SQLite) exports a real bundle; each test changes the ZIP the
way someone holding it could (a file edited, a log line removed, the signature or the CA
certificate replaced) and checks that the change is named. ``openssl cms`` is the
independent judge of the intact bundle's signature.
"""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from esig.cli.app import build_app
from esig.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from esig.provider import ProviderName, software_ca
from esig.provider.bundle_check import BundleProblem, BundleReport, verify_bundle
from esig.provider.export import BUNDLE_FILES, MANIFEST, MANIFEST_SIGNATURE, export_evidence
from esig.signing.cades import sign_detached
from esig.testing import require_tool
from tests._provider import Provider, make_provider


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Provider, Path]:
    """A CA with two certificates (one revoked) and its exported bundle."""
    provider = make_provider(tmp_path)
    provider.issue("c-1")
    _, _, certificate = provider.issue("c-2")
    provider.officer.revoke(certificate.serial_number)
    return provider, export_evidence(provider.ca, tmp_path / "evidence.zip").path


def _members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(bundle: Path, out: Path, **changes: bytes | None) -> Path:
    """A copy of ``bundle`` with members replaced (or removed, with None)."""
    members = _members(bundle)
    for name, data in changes.items():
        key = name.replace("__", ".")
        if data is None:
            members.pop(key)
        else:
            members[key] = data
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def _resummed(members: dict[str, bytes]) -> bytes:
    """The manifest an editor would write to match edited files."""
    return "".join(
        f"{hashlib.sha256(members[name]).hexdigest()}  {name}\n" for name in BUNDLE_FILES
    ).encode()


def _problems(report: BundleReport) -> list[tuple[BundleProblem, str | None]]:
    return [(finding.problem, finding.file) for finding in report.findings]


def _cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        build_app(rich_help=False), ["ca", "verify-bundle", *map(str, args)]
    )
    return result.exit_code, result.output


def _ca_pem(provider: Provider, folder: Path) -> Path:
    path = folder / "trusted-ca.pem"
    path.write_bytes(provider.ca.certificate.public_bytes(Encoding.PEM))
    return path


def test_an_intact_bundle_passes_and_openssl_agrees(
    exported: tuple[Provider, Path], tmp_path: Path
) -> None:
    provider, bundle = exported
    report = verify_bundle(bundle, ca_certificate=provider.ca.certificate)
    assert report.intact, report.to_text()
    assert report.records == 11
    assert report.ca_given
    code, output = _cli(bundle, "--ca-cert", _ca_pem(provider, tmp_path))
    assert code == EXIT_OK, output
    assert output.startswith("Bundle: INTACT (11 log records; CA CN=Bonaire Trust CA")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    openssl = subprocess.run(
        [
            require_tool("openssl"), "cms", "-verify", "-binary", "-inform", "DER",
            "-in", folder / MANIFEST_SIGNATURE, "-content", folder / MANIFEST,
            "-CAfile", folder / "ca.pem", "-purpose", "any", "-out", "/dev/null",
        ],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert openssl.returncode == 0, openssl.stderr
    checked = subprocess.run(
        ["sha256sum", "-c", MANIFEST], cwd=folder, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout


def test_a_changed_file_is_named(exported: tuple[Provider, Path], tmp_path: Path) -> None:
    provider, bundle = exported
    members = _members(bundle)
    edited = members["certificates.jsonl"].replace(b'"revoked"', b'"good"')
    assert edited != members["certificates.jsonl"]
    changed = _rewrite(bundle, tmp_path / "changed.zip", certificates__jsonl=edited)
    report = verify_bundle(changed, ca_certificate=provider.ca.certificate)
    assert _problems(report) == [(BundleProblem.DIGEST, "certificates.jsonl")]
    code, output = _cli(changed, "--ca-cert", _ca_pem(provider, tmp_path))
    assert code == EXIT_FAILED
    assert "digest: certificates.jsonl: does not match its SHA-256" in output


def test_a_removed_log_line_is_named_even_with_a_new_manifest(
    exported: tuple[Provider, Path], tmp_path: Path
) -> None:
    provider, bundle = exported
    members = _members(bundle)
    lines = members["log.jsonl"].splitlines(keepends=True)
    members["log.jsonl"] = b"".join(lines[:6] + lines[7:])  # record 7
    cut = _rewrite(bundle, tmp_path / "cut.zip", log__jsonl=members["log.jsonl"])
    report = verify_bundle(cut, ca_certificate=provider.ca.certificate)
    assert (BundleProblem.DIGEST, "log.jsonl") in _problems(report)
    log = [f for f in report.findings if f.problem is BundleProblem.LOG]
    assert [f.detail for f in log] == ["record 7 is missing"]
    # A new manifest to match: its signature no longer verifies; the chain still shows it.
    resummed = _rewrite(cut, tmp_path / "resummed.zip", SHA256SUMS=_resummed(members))
    report = verify_bundle(resummed, ca_certificate=provider.ca.certificate)
    assert [p for p, _ in _problems(report)] == [BundleProblem.SIGNATURE, BundleProblem.LOG]
    assert "integrity" in report.findings[0].detail


def test_a_replaced_signature_is_named(exported: tuple[Provider, Path], tmp_path: Path) -> None:
    provider, bundle = exported
    members = _members(bundle)
    other = software_ca(
        ProviderName(organization="Mallory Trust", country="BQ", organization_identifier="X-1")
    )
    (tmp_path / MANIFEST).write_bytes(members[MANIFEST])
    forged = sign_detached(tmp_path / MANIFEST, tmp_path / "forged.p7s", other).path.read_bytes()
    replaced = _rewrite(bundle, tmp_path / "replaced.zip", SHA256SUMS__p7s=forged)
    report = verify_bundle(replaced, ca_certificate=provider.ca.certificate)
    assert _problems(report) == [(BundleProblem.SIGNATURE, MANIFEST_SIGNATURE)]
    assert "not signed by the CA's own certificate" in report.findings[0].detail
    # The forger's CA certificate put in as ca.pem: checked against the bundle alone, the
    # log's records are not signed by that key; against the trusted CA, ca.pem is named.
    swapped = _rewrite(
        replaced,
        tmp_path / "swapped.zip",
        ca__pem=other.certificate.public_bytes(Encoding.PEM),
    )
    alone = verify_bundle(swapped)
    assert not alone.ca_given
    assert {p for p, _ in _problems(alone)} >= {BundleProblem.DIGEST, BundleProblem.LOG}
    assert "is not signed by the CA" in alone.to_text()
    trusted = verify_bundle(swapped, ca_certificate=provider.ca.certificate)
    assert (BundleProblem.CA_CERTIFICATE, "ca.pem") in _problems(trusted)
    code, output = _cli(swapped, "--ca-cert", _ca_pem(provider, tmp_path))
    assert code == EXIT_FAILED
    assert "ca-certificate: ca.pem: is not the CA certificate given" in output


def test_a_removed_signature_or_file_is_named(
    exported: tuple[Provider, Path], tmp_path: Path
) -> None:
    provider, bundle = exported
    stripped = _rewrite(bundle, tmp_path / "stripped.zip", SHA256SUMS__p7s=None, head__json=None)
    report = verify_bundle(stripped, ca_certificate=provider.ca.certificate)
    assert _problems(report)[:2] == [
        (BundleProblem.SIGNATURE, MANIFEST_SIGNATURE),
        (BundleProblem.MISSING_FILE, "head.json"),
    ]


def test_unreadable_input_exits_2(tmp_path: Path, exported: tuple[Provider, Path]) -> None:
    _, bundle = exported
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"PK not really")
    for path, message in (
        (not_zip, "not a readable ZIP"),
        (tmp_path / "absent.zip", "does not exist"),
        (_rewrite(bundle, tmp_path / "no-manifest.zip", SHA256SUMS=None), "no SHA256SUMS"),
    ):
        code, output = _cli(path)
        assert code == EXIT_USAGE, output
        assert message in output
