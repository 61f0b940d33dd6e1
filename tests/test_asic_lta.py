"""ASiC-E with CAdES at B-LTA (EN 319 162-1 §4.4.3): archive manifests and timestamps.

Signed and extended against the local trust services; judged by OpenSSL (``openssl ts
-verify`` over the archive manifest, ``openssl cms -verify`` over the signature), by
esig's verifier (tampering a data file, a signature or the archive manifest fails) and
on DSS's own B-LTA container.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

import esig
from esig.asic import parse_manifest
from esig.errors import InputError, OutputError
from esig.signing import BaselineLevel, TimestampService
from esig.testing import require_tool
from esig.testing.services import LocalTrustServices
from esig.verification import CheckId, Indication, Outcome, SubIndication

DATA = Path(__file__).parent / "data" / "asic"
ARCHIVE = "META-INF/ASiCArchiveManifest.xml"

pytestmark = pytest.mark.real


def rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of a container with entries replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change.get(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data)
    return target


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("openssl"), *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def root_pem(
    tmp_path_factory: pytest.TempPathFactory, esig_trust_services: LocalTrustServices
) -> Path:
    path = tmp_path_factory.mktemp("lta-root") / "root.pem"
    path.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def tsa(esig_trust_services: LocalTrustServices) -> TimestampService:
    return TimestampService(url=esig_trust_services.tsa_url)


@pytest.fixture(scope="module")
def lta(
    tmp_path_factory: pytest.TempPathFactory,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> Path:
    folder = tmp_path_factory.mktemp("lta")
    (folder / "invoice.xml").write_bytes(b"<invoice total='12.50'/>\n")
    (folder / "photo 1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(1 << 16))
    result = esig.sign_asic(
        [folder / "invoice.xml", folder / "photo 1.png"],
        folder / "signed.asice",
        esig_trust_services.signer.device(),
        level=BaselineLevel.B_LTA,
        timestamp=tsa,
    )
    assert result.level is BaselineLevel.B_LTA
    return result.path


def _read(container: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(container) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


def _digests_check_out(entries: dict[str, bytes], manifest_name: str) -> list[str]:
    from urllib.parse import unquote

    manifest = parse_manifest(entries[manifest_name], manifest_name)
    for ref in manifest.references:
        data = entries[unquote(ref.uri)]
        assert hashlib.new(ref.digest_algorithm, data).digest() == ref.digest, ref.uri
    return [unquote(r.uri) for r in manifest.references]


def test_b_lta_container_has_an_archive_manifest_over_everything(lta: Path) -> None:
    entries = _read(lta)
    assert ARCHIVE in entries and "META-INF/timestamp001.tst" in entries
    manifest = parse_manifest(entries[ARCHIVE], ARCHIVE)
    assert manifest.signature == "META-INF/timestamp001.tst"
    assert manifest.signature_mime_type == "application/vnd.etsi.timestamp-token"
    covered = _digests_check_out(entries, ARCHIVE)
    assert set(covered) == {
        "invoice.xml",
        "photo 1.png",
        "META-INF/signature.p7s",
        "META-INF/ASiCManifest.xml",
    }
    root = entries[ARCHIVE].decode()
    assert 'xmlns:asic="http://uri.etsi.org/02918/v1.2.1#"' in root


def test_openssl_verifies_the_archive_timestamp_and_the_signature(
    lta: Path, tmp_path: Path, root_pem: Path, esig_trust_services: LocalTrustServices
) -> None:
    with zipfile.ZipFile(lta) as archive:
        archive.extractall(tmp_path)
    ca = tmp_path / "ca.pem"  # the TSA's issuer: the latest token carries only the TSA's
    ca.write_bytes(esig_trust_services.intermediate_certificate.public_bytes(Encoding.PEM))
    meta = tmp_path / "META-INF"
    done = openssl(
        "ts", "-verify", "-in", str(meta / "timestamp001.tst"), "-token_in",
        "-data", str(meta / "ASiCArchiveManifest.xml"), "-CAfile", str(root_pem),
        "-untrusted", str(ca),
    )  # fmt: skip
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stderr
    done = openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", str(meta / "signature.p7s"),
        "-content", str(meta / "ASiCManifest.xml"), "-CAfile", str(root_pem),
        "-purpose", "any", "-out", os.devnull,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # the signature carries its B-LT material: certificates and revocation data
    printed = openssl(
        "cms", "-cmsout", "-print", "-inform", "DER", "-in", str(meta / "signature.p7s")
    )
    assert "crls:" in printed.stdout and "ocsp" in printed.stdout.lower()
    # a changed archive manifest no longer matches the token's imprint
    (meta / "ASiCArchiveManifest.xml").write_bytes(
        (meta / "ASiCArchiveManifest.xml").read_bytes().replace(b"invoice.xml", b"invoice.xmm")
    )
    done = openssl(
        "ts", "-verify", "-in", str(meta / "timestamp001.tst"), "-token_in",
        "-data", str(meta / "ASiCArchiveManifest.xml"), "-CAfile", str(root_pem),
        "-untrusted", str(ca),
    )  # fmt: skip
    assert done.returncode != 0


def test_esig_verifies_the_b_lta_container(
    lta: Path, esig_trust_services: LocalTrustServices
) -> None:
    report = esig.verify_asic(lta, trust=[esig_trust_services.root_certificate])
    assert report.problems == ()
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, [f.message for f in sig.findings]
    archive = [f for f in sig.findings if "archive timestamp" in f.message]
    assert archive and archive[0].outcome is Outcome.PASSED
    assert sig.conformance is not None
    assert sig.conformance.reached is BaselineLevel.B_LTA and sig.conformance.conforms


@pytest.mark.parametrize(
    ("entry", "sub"),
    [
        ("invoice.xml", SubIndication.HASH_FAILURE),
        ("META-INF/signature.p7s", SubIndication.HASH_FAILURE),
        (ARCHIVE, SubIndication.HASH_FAILURE),
    ],
)
def test_tampering_fails(
    lta: Path,
    tmp_path: Path,
    esig_trust_services: LocalTrustServices,
    entry: str,
    sub: SubIndication,
) -> None:
    entries = _read(lta)
    data = entries[entry]
    if entry == ARCHIVE:
        # drop the reference to the signature from the archive manifest
        text = data.decode()
        start = text.index('<asic:DataObjectReference URI="META-INF/signature.p7s"')
        end = text.index("</asic:DataObjectReference>", start) + len("</asic:DataObjectReference>")
        changed = (text[:start] + text[end:]).encode()
    elif entry.endswith(".p7s"):
        # an unsigned part of the CMS: the CAdES signature still verifies, the archive not
        changed = data[:-1] + bytes([data[-1] ^ 1])
    else:
        changed = data + b"<!-- more -->"
    tampered = rewrite(lta, tmp_path / "tampered.asice", {entry: changed})
    report = esig.verify_asic(tampered, trust=[esig_trust_services.root_certificate])
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_FAILED
    failed = [f for f in sig.findings if f.outcome is Outcome.FAILED]
    assert any(f.check is CheckId.TIMESTAMP and f.sub_indication is sub for f in failed), [
        f.message for f in failed
    ]
    assert sig.conformance is not None and sig.conformance.reached is not BaselineLevel.B_LTA
    assert any("does not check out" in p for p in report.problems)


def test_renewal_twice_covers_the_previous_archive(
    lta: Path, tmp_path: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    before = lta.read_bytes()
    first = esig.extend_asic(lta, tmp_path / "renewed.asice", timestamp=tsa)
    assert lta.read_bytes() == before
    assert first.renewed and first.timestamp_file == "META-INF/timestamp002.tst"
    assert first.extended_signatures == ()
    second = esig.extend_asic(first.path, tmp_path / "renewed2.asice", timestamp=tsa)
    assert second.timestamp_file == "META-INF/timestamp003.tst"
    entries = _read(second.path)
    latest = _digests_check_out(entries, ARCHIVE)
    assert "META-INF/ASiCArchiveManifest002.xml" in latest
    assert "META-INF/timestamp002.tst" in latest
    older = _digests_check_out(entries, "META-INF/ASiCArchiveManifest002.xml")
    assert "META-INF/ASiCArchiveManifest001.xml" in older
    assert "META-INF/timestamp001.tst" in older
    first_archive = parse_manifest(entries["META-INF/ASiCArchiveManifest001.xml"])
    assert first_archive.signature == "META-INF/timestamp001.tst"
    assert b'URI="META-INF/ASiCArchiveManifest002.xml"' in entries[ARCHIVE]
    assert b'Rootfile="true"' in entries[ARCHIVE]
    # the earlier timestamp got its validation data, and is still over its manifest
    assert (
        len(entries["META-INF/timestamp002.tst"])
        > len(_read(first.path)["META-INF/timestamp002.tst"]) - 1
    )
    report = esig.verify_asic(second.path, trust=[esig_trust_services.root_certificate])
    assert report.problems == (), [
        f.message for f in report.signatures[0].findings if f.check is CheckId.TIMESTAMP
    ]
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, [f.message for f in sig.findings]
    passed = [f for f in sig.findings if f.check is CheckId.TIMESTAMP and "archive" in f.message]
    assert len([f for f in passed if f.outcome is Outcome.PASSED]) == 3
    # removing the older archive manifest: the newer one lists a file that is gone
    gone = rewrite(
        second.path, tmp_path / "gone.asice", {"META-INF/ASiCArchiveManifest001.xml": None}
    )
    report = esig.verify_asic(gone, trust=[esig_trust_services.root_certificate])
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED


def test_extend_a_b_t_container_to_b_lta(
    tmp_path: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    target = tmp_path / "a.txt"
    target.write_text("a")
    signed = esig.sign_asic(
        [target], tmp_path / "t.asice", esig_trust_services.signer.device(),
        level=BaselineLevel.B_T, timestamp=tsa,
    )  # fmt: skip
    before = _read(signed.path)["META-INF/signature.p7s"]
    result = esig.extend_asic(signed.path, tmp_path / "lta.asice", timestamp=tsa)
    assert result.extended_signatures == ("META-INF/signature.p7s",) and not result.renewed
    after = _read(result.path)["META-INF/signature.p7s"]
    assert len(after) > len(before)
    report = esig.verify_asic(result.path, trust=[esig_trust_services.root_certificate])
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, [f.message for f in sig.findings]
    assert sig.conformance is not None and sig.conformance.reached is BaselineLevel.B_LTA


def test_extend_refuses_bad_requests(lta: Path, tmp_path: Path, tsa: TimestampService) -> None:
    with pytest.raises(InputError, match="time-stamping service"):
        esig.extend_asic(lta, tmp_path / "x.asice")
    with pytest.raises(OutputError):
        esig.extend_asic(lta, lta, timestamp=tsa)
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("mimetype", "application/vnd.etsi.asic-e+zip")
        archive.writestr("a.txt", "a")
    with pytest.raises(InputError, match="ASiC containers with CAdES"):
        esig.extend_asic(plain, tmp_path / "x.asice", timestamp=tsa)
    assert not (tmp_path / "x.asice").exists()


def esig_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_cli_extend_renews_a_container(
    lta: Path, tmp_path: Path, esig_trust_services: LocalTrustServices, root_pem: Path
) -> None:
    out = tmp_path / "renewed.bin"  # recognised by its content, not its name
    done = esig_cli("extend", str(lta), "-o", str(out), "--level", "LTA",
                    "--tsa", esig_trust_services.tsa_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Renewed the archive timestamp" in done.stdout
    assert "META-INF/timestamp002.tst" in done.stdout and "META-INF/timestamp002.tst" in _read(out)
    done = esig_cli("verify", str(out), "--trust", str(root_pem))
    assert done.returncode == 0, done.stdout
    assert done.stderr == ""
    done = esig_cli("extend", str(lta), "-o", str(tmp_path / "lt.asice"), "--level", "LT")
    assert done.returncode == 2 and "extended to LTA" in done.stderr
    assert done.stderr.count("\n") == 1
    done = esig_cli("extend", str(lta), "-o", str(tmp_path / "lt.asice"))
    assert done.returncode == 2 and "time-stamping service" in done.stderr
    assert not (tmp_path / "lt.asice").exists()


def test_cli_signs_asice_at_b_lta(
    tmp_path: Path, esig_trust_services: LocalTrustServices, root_pem: Path
) -> None:
    from cryptography.hazmat.primitives import serialization

    issued = esig_trust_services.signer
    key = tmp_path / "key.pem"
    key.write_bytes(
        issued.private_key.private_bytes(
            Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert = tmp_path / "cert.pem"
    cert.write_bytes(issued.certificate.public_bytes(Encoding.PEM))
    chain = tmp_path / "chain.pem"
    chain.write_bytes(esig_trust_services.intermediate_certificate.public_bytes(Encoding.PEM))
    target = tmp_path / "a.txt"
    target.write_text("a")
    out = tmp_path / "a.asice"
    done = esig_cli(
        "sign", str(target), "--format", "asice", "-o", str(out), "--key", str(key),
        "--cert", str(cert), "--chain", str(chain), "--tsa", esig_trust_services.tsa_url,
        "--level", "B-LTA", "--trust", str(root_pem),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert ARCHIVE in _read(out)
    report = esig.verify_asic(out, trust=[esig_trust_services.root_certificate])
    conformance = report.signatures[0].conformance
    assert conformance is not None and conformance.reached is BaselineLevel.B_LTA


# --- DSS's B-LTA container ----------------------------------------------------------------


def test_dss_b_lta_container_archive_manifest_checks_out(tmp_path: Path) -> None:
    """DSS's ``ASiC-E-CAdES-BpLTA.sce`` (DSS2361Test): its archive manifest and timestamp."""
    from asn1crypto import cms

    dss = DATA / "ASiC-E-CAdES-BpLTA.sce"
    entries = _read(dss)
    covered = _digests_check_out(entries, ARCHIVE)
    assert set(covered) == {
        "META-INF/signature001.p7s",
        "META-INF/ASiCManifest.xml",
        "TEST-DOC.txt",
    }
    manifest = parse_manifest(entries[ARCHIVE], ARCHIVE)
    assert manifest.signature == "META-INF/timestamp001.tst"
    token = cms.ContentInfo.load(entries["META-INF/timestamp001.tst"])
    info = token["content"]["encap_content_info"]["content"].parsed
    imprint = info["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    assert hashlib.new(algorithm, entries[ARCHIVE]).digest() == imprint["hashed_message"].native
    # esig has no anchor for DSS's PKI: indeterminate, never a failure of the archive
    report = esig.verify_asic(dss)
    (sig,) = report.signatures
    archive = [f for f in sig.findings if f.check is CheckId.TIMESTAMP and "archive" in f.message]
    assert archive and all(f.outcome is not Outcome.FAILED for f in archive), [
        f.message for f in archive
    ]
    assert not any(f.sub_indication is SubIndication.HASH_FAILURE for f in sig.findings)
    # a changed data file is caught by the archive manifest too
    changed = rewrite(dss, tmp_path / "changed.sce", {"TEST-DOC.txt": b"changed"})
    (sig,) = esig.verify_asic(changed).signatures
    assert any(
        f.check is CheckId.TIMESTAMP and f.sub_indication is SubIndication.HASH_FAILURE
        for f in sig.findings
    )
