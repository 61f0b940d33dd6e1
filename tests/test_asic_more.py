"""ASiC: a second signer from the command line, remote signing, covered files, levels.

``esig sign bundle.asice --add-signature -o both.asice`` adds a signer in the
container's format (CAdES or XAdES); ``esig verify`` then gives two passing signatures,
and OpenSSL still verifies the first CAdES signature over its manifest. The CSC dummy
server signs containers with both formats. Each container signature's report names the
files it covers (``covered_files``, text, JSON, the ETSI report's SignersDocument), and
each CAdES signature says which baseline level it reaches and what the next one needs.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding

import esig
from esig.issuance import IssuedCertificate
from esig.signing import BaselineLevel, TimestampService
from esig.testing.certomancer_config import Label
from esig.testing.csc import LocalCscService
from esig.testing.services import LocalTrustServices
from esig.verification import Indication, validate_etsi_xml
from esig.verification.conformance import GapCode
from esig.verification.report import report_json_schema
from tests.test_asic import esig_cli
from tests.test_asic_lta import openssl, rewrite

pytestmark = pytest.mark.real


def _key_options(folder: Path, issued: IssuedCertificate, chain: LocalTrustServices) -> list[str]:
    folder.mkdir(exist_ok=True)
    key, cert, ca = folder / "key.pem", folder / "cert.pem", folder / "chain.pem"
    key.write_bytes(
        issued.private_key.private_bytes(
            Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert.write_bytes(issued.certificate.public_bytes(Encoding.PEM))
    ca.write_bytes(chain.intermediate_certificate.public_bytes(Encoding.PEM))
    return ["--key", str(key), "--cert", str(cert), "--chain", str(ca)]


@pytest.fixture(scope="module")
def signers(
    tmp_path_factory: pytest.TempPathFactory, esig_trust_services: LocalTrustServices
) -> tuple[list[str], list[str], Path]:
    folder = tmp_path_factory.mktemp("signers")
    first = _key_options(folder / "first", esig_trust_services.signer, esig_trust_services)
    second = _key_options(
        folder / "second",
        esig_trust_services.issued(Label.SHORT_LIVED_SIGNER),
        esig_trust_services,
    )
    root = folder / "root.pem"
    root.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    return first, second, root


@pytest.mark.parametrize("sign_format", ["asice", "asice-xades"])
def test_cli_adds_a_second_signer(
    tmp_path: Path,
    signers: tuple[list[str], list[str], Path],
    sign_format: str,
) -> None:
    first, second, root = signers
    (tmp_path / "invoice.xml").write_bytes(b"<invoice total='3'/>\n")
    (tmp_path / "terms.txt").write_text("terms\n")
    bundle, both = tmp_path / "bundle.asice", tmp_path / "both.asice"
    files = [str(tmp_path / "invoice.xml"), str(tmp_path / "terms.txt")]
    done = esig_cli("sign", *files, "--format", sign_format, "-o", str(bundle), *first)
    assert done.returncode == 0, done.stderr
    before = bundle.read_bytes()
    done = esig_cli("sign", str(bundle), "--add-signature", "-o", str(both), *second)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Added a signature by" in done.stdout and "over 2 files" in done.stdout
    assert bundle.read_bytes() == before  # the input is only read
    done = esig_cli("verify", str(both), "--trust", str(root), "--json", "--allow-fetching")
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert [s["indication"] for s in report["signatures"]] == ["TOTAL-PASSED"] * 2
    signers_seen = {s["signer"]["common_name"] for s in report["signatures"]}
    assert len(signers_seen) == 2
    # a file changed after both signed: both fail, exit 1
    changed = rewrite(both, tmp_path / "changed.asice", {"terms.txt": b"other terms\n"})
    done = esig_cli("verify", str(changed), "--trust", str(root), "--json", "--allow-fetching")
    assert done.returncode == 1
    failed = json.loads(done.stdout)["signatures"]
    assert [s["indication"] for s in failed] == ["TOTAL-FAILED"] * 2


def test_openssl_still_verifies_the_first_cades_signature(
    tmp_path: Path, signers: tuple[list[str], list[str], Path]
) -> None:
    first, second, root = signers
    (tmp_path / "a.txt").write_text("a\n")
    bundle, both = tmp_path / "bundle.asice", tmp_path / "both.asice"
    assert esig_cli("sign", str(tmp_path / "a.txt"), "--format", "asice", "-o", str(bundle),
                    *first).returncode == 0  # fmt: skip
    done = esig_cli("sign", str(bundle), "--add-signature", "-o", str(both), *second)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "x"
    with zipfile.ZipFile(both) as archive:
        archive.extractall(out)
        names = set(archive.namelist())
    assert {"META-INF/signature2.p7s", "META-INF/ASiCManifest2.xml"} <= names
    for signature, manifest in (("signature.p7s", "ASiCManifest.xml"),
                                ("signature2.p7s", "ASiCManifest2.xml")):  # fmt: skip
        done = openssl(
            "cms", "-verify", "-binary", "-inform", "DER", "-in",
            str(out / "META-INF" / signature), "-content", str(out / "META-INF" / manifest),
            "-CAfile", str(root), "-purpose", "any", "-out", os.devnull,
        )  # fmt: skip
        assert done.returncode == 0, (signature, done.stderr)
    # the first signature's manifest, once changed, fails OpenSSL too
    (out / "META-INF" / "ASiCManifest.xml").write_bytes(b"<x/>")
    done = openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in",
        str(out / "META-INF" / "signature.p7s"), "-content",
        str(out / "META-INF" / "ASiCManifest.xml"), "-CAfile", str(root), "-out", os.devnull,
    )  # fmt: skip
    assert done.returncode != 0


def test_cli_add_signature_refuses_bad_requests(
    tmp_path: Path, signers: tuple[list[str], list[str], Path]
) -> None:
    first, second, _ = signers
    (tmp_path / "a.txt").write_text("a\n")
    single = tmp_path / "one.asics"
    assert esig_cli("sign", str(tmp_path / "a.txt"), "--format", "asics", "-o", str(single),
                    *first).returncode == 0  # fmt: skip
    cases = [
        (["sign", str(single), str(tmp_path / "a.txt"), "--add-signature"], "one container"),
        (["sign", str(single), "--add-signature", "--format", "cades"], "ASiC-E container"),
        (["sign", str(single), "--add-signature"], "-o FILE"),
        (["sign", str(single), "--add-signature", "-o", str(tmp_path / "x.asics")], "ASiC-S"),
        (["sign", str(tmp_path / "a.txt"), "--add-signature", "-o", str(tmp_path / "x")], ""),
    ]
    for args, message in cases:
        done = esig_cli(*args, *second)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "x.asics").exists() and not (tmp_path / "x").exists()


@pytest.mark.parametrize("signature_format", ["cades", "xades"])
def test_a_remote_csc_credential_signs_an_asice(
    tmp_path: Path, esig_csc_server: LocalCscService, signature_format: str
) -> None:
    (tmp_path / "a.txt").write_text("remote\n")
    (tmp_path / "b.xml").write_bytes(b"<b/>")
    device = esig_csc_server.device(esig_csc_server.rsa_credential_id)
    result = esig.sign_asic(
        [tmp_path / "a.txt", tmp_path / "b.xml"],
        tmp_path / "remote.asice",
        device,
        signature_format=signature_format,  # type: ignore[arg-type]
    )
    assert result.signature_format == signature_format
    anchors = [esig_csc_server.root_certificate]
    report = esig.verify_asic(result.path, trust=anchors, allow_fetching=True)
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, report.to_text()
    assert [f.name for f in sig.covered_files] == ["a.txt", "b.xml"]
    # the remote signature covers the files: one changed fails it
    changed = rewrite(result.path, tmp_path / "changed.asice", {"a.txt": b"local\n"})
    report = esig.verify_asic(changed, trust=anchors, allow_fetching=True)
    assert report.signatures[0].indication is Indication.TOTAL_FAILED


# --- the files a container signature covers -------------------------------------------------


def test_covered_files_in_the_report_text_json_and_etsi_xml(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    import hashlib

    from lxml import etree

    (tmp_path / "b.txt").write_text("b\n")
    (tmp_path / "a.xml").write_bytes(b"<a/>")
    device = esig_trust_services.signer.device()
    anchors = [esig_trust_services.root_certificate]
    both = esig.sign_asic([tmp_path / "b.txt", tmp_path / "a.xml"], tmp_path / "e.asice", device)
    report = esig.verify_asic(both.path, trust=anchors)
    (sig,) = report.signatures
    assert [(f.name, f.sha256) for f in sig.covered_files] == [
        ("a.xml", hashlib.sha256(b"<a/>").hexdigest()),
        ("b.txt", hashlib.sha256(b"b\n").hexdigest()),
    ]
    assert "Files:       2 covered" in report.to_text() and "    a.xml  " in report.to_text()
    page = report.to_html()
    assert "<dt>Files</dt><dd>2 covered (SHA-256)" in page
    assert f'<code>a.xml</code> <code class="esig-hash">{sig.covered_files[0].sha256}' in page
    dumped = json.loads(report.model_dump_json())["signatures"][0]["covered_files"]
    assert [f["name"] for f in dumped] == ["a.xml", "b.txt"]
    schema = report_json_schema()
    assert "covered_files" in json.dumps(schema) and "CoveredFile" in json.dumps(schema)
    # several files: no single signer's document in the ETSI report (not the container's)
    xml = report.to_etsi_xml()
    assert validate_etsi_xml(xml) == ()
    assert b"SignersDocument" not in xml
    # ASiC-S: its one file is the signer's document
    single = esig.sign_asic([tmp_path / "b.txt"], tmp_path / "s.asics", device, form="asics")
    report = esig.verify_asic(single.path, trust=anchors)
    xml = report.to_etsi_xml()
    assert validate_etsi_xml(xml) == ()
    root = etree.fromstring(xml)
    (value,) = root.xpath("//*[local-name()='SignersDocument']//*[local-name()='DigestValue']")
    import base64

    assert base64.b64decode(value.text) == hashlib.sha256(b"b\n").digest()
    # a file no signature covers is not in covered_files
    extra = rewrite(single.path, tmp_path / "x.asics", {})
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("unsigned.txt", "u")
    report = esig.verify_asic(extra, trust=anchors)
    assert [f.name for f in report.signatures[0].covered_files] == ["b.txt"]


def test_a_detached_signature_covers_no_container_files(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    target = tmp_path / "a.txt"
    target.write_text("a")
    signed = esig.sign_detached(target, tmp_path / "a.p7s", esig_trust_services.signer.device())
    report = esig.verify_detached(signed.path, target, trust=[esig_trust_services.root_certificate])
    assert report.signatures[0].covered_files == ()


# --- the CAdES baseline level of container signatures ----------------------------------------


@pytest.mark.parametrize(
    ("level", "reached", "next_level", "code"),
    [
        (BaselineLevel.B_B, BaselineLevel.B_B, BaselineLevel.B_T, GapCode.NO_TIMESTAMP),
        (BaselineLevel.B_T, BaselineLevel.B_T, BaselineLevel.B_LT, GapCode.REVOCATION_MISSING),
        (BaselineLevel.B_LT, BaselineLevel.B_LT, BaselineLevel.B_LTA, GapCode.NO_ARCHIVE_TIMESTAMP),
        (BaselineLevel.B_LTA, BaselineLevel.B_LTA, None, None),
    ],
)
@pytest.mark.parametrize("form", ["asice", "asics"])
def test_each_cades_signature_says_its_baseline_level(
    tmp_path: Path,
    esig_trust_services: LocalTrustServices,
    level: BaselineLevel,
    reached: BaselineLevel,
    next_level: BaselineLevel | None,
    code: GapCode | None,
    form: str,
) -> None:
    (tmp_path / "a.txt").write_text("a")
    signed = esig.sign_asic(
        [tmp_path / "a.txt"], tmp_path / f"c.{form}", esig_trust_services.signer.device(),
        form=form, level=level,  # type: ignore[arg-type]
        timestamp=TimestampService(url=esig_trust_services.tsa_url)
        if level is not BaselineLevel.B_B else None,
    )  # fmt: skip
    report = esig.verify_asic(
        signed.path, trust=[esig_trust_services.root_certificate], allow_fetching=True
    )
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, report.to_text()
    conformance = sig.conformance
    assert conformance is not None and conformance.reached is reached
    if next_level is None:
        assert conformance.conforms and conformance.missing == ()
        assert "CAdES conformance: B-LTA reached" in report.to_text()
        assert "<strong>CAdES conformance:</strong> B-LTA reached" in report.to_html()
    else:
        assert conformance.claimed is None
        assert [(g.level, g.code) for g in conformance.missing] == [(next_level, code)]
        line = f"CAdES conformance: {reached.value} reached; {next_level.value} needs: "
        assert line in report.to_text()


def test_xades_container_signatures_get_a_xades_level_not_a_cades_one(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    (tmp_path / "a.txt").write_text("a")
    signed = esig.sign_asic(
        [tmp_path / "a.txt"], tmp_path / "x.asice", esig_trust_services.signer.device(),
        signature_format="xades",
    )  # fmt: skip
    report = esig.verify_asic(signed.path, trust=[esig_trust_services.root_certificate])
    conformance = report.signatures[0].conformance
    assert conformance is not None
    assert conformance.subfilter == "http://uri.etsi.org/01903/v1.3.2#"  # XAdES, EN 319 132-1
    assert conformance.reached is BaselineLevel.B_B
    assert "CAdES conformance" not in report.to_text()
    assert "XAdES conformance: B-B reached" in report.to_text()
    assert [f.name for f in report.signatures[0].covered_files] == ["a.txt"]
