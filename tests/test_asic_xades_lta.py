"""XAdES in ASiC containers at B-LT and B-LTA: signed, extended, renewed, judged offline.

The long-term data and archive timestamps sit inside each ``META-INF/signatures*.xml``
(EN 319 162-1 §4.4.3.2, EN 319 132-1 §5.5); xmlsec1 still verifies each extracted
signature with the data files beside it.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]

import esig
from esig.errors import InputError
from esig.signing import BaselineLevel, TimestampService
from esig.testing import require_tool
from esig.testing.services import LocalTrustServices
from esig.verification import CheckId, SignatureReport

pytestmark = pytest.mark.real
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NAMES = ("invoice.xml", "notes v1.txt")


@pytest.fixture(scope="module")
def tsa(esig_trust_services: LocalTrustServices) -> TimestampService:
    return TimestampService(url=esig_trust_services.tsa_url)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("asicx-lta")
    made = []
    for name, data in zip(
        NAMES, (b"<invoice total='9'/>\n", b"two lines\nof notes\n"), strict=True
    ):
        (folder / name).write_bytes(data)
        made.append(folder / name)
    return made


def sign(files: list[Path], out: Path, services: LocalTrustServices, **kwargs: object) -> Path:
    esig.sign_asic(files, out, services.signer.device(), signature_format="xades", **kwargs)  # type: ignore[arg-type]
    return out


def only(path: Path, services: LocalTrustServices) -> SignatureReport:
    report = esig.verify_asic(path, trust=[services.root_certificate])  # offline
    (signature,) = report.signatures
    return signature


def properties(container: Path, name: str = "META-INF/signatures.xml") -> list[str]:
    with zipfile.ZipFile(container) as archive:
        root = etree.fromstring(archive.read(name))
    found = root.find(f".//{{{XADES}}}UnsignedSignatureProperties")
    return [] if found is None else [etree.QName(e).localname for e in found]


def xmlsec_verify(container: Path, folder: Path, services: LocalTrustServices) -> None:
    with zipfile.ZipFile(container) as archive:
        archive.extractall(folder)
    root, chain = folder / "root.pem", folder / "chain.pem"
    root.write_bytes(services.root_certificate.public_bytes(Encoding.PEM))
    chain.write_bytes(services.intermediate_certificate.public_bytes(Encoding.PEM))
    maps = [a for n in NAMES if (folder / n).exists() for a in (f"--url-map:{quote(n)}", n)]
    done = subprocess.run(
        [
            require_tool("xmlsec1"), "--verify", "--trusted-pem", str(root),
            "--untrusted-pem", str(chain), "--id-attr:Id", "SignedProperties",
            "--id-attr:Id", "KeyInfo", *maps, "META-INF/signatures.xml",
        ],
        cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("form", ["asice", "asics"])
def test_b_lta_container_verifies_offline_and_xmlsec1_agrees(
    form: str,
    files: list[Path],
    tmp_path: Path,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> None:
    chosen = files if form == "asice" else files[:1]
    out = sign(chosen, tmp_path / f"b.{form}", esig_trust_services, form=form,
               level=BaselineLevel.B_LTA, timestamp=tsa)  # fmt: skip
    assert properties(out) == ["SignatureTimeStamp", "CertificateValues", "RevocationValues",
                               "TimeStampValidationData", "ArchiveTimeStamp"]  # fmt: skip
    signature = only(out, esig_trust_services)
    assert signature.passed, signature.findings
    conformance = signature.conformance
    assert conformance is not None and conformance.reached is BaselineLevel.B_LTA
    assert conformance.conforms
    archive = [f for f in signature.find(CheckId.TIMESTAMP) if "archive timestamp" in f.message]
    assert [f.outcome.value for f in archive] == ["passed"]
    xmlsec_verify(out, tmp_path / "x", esig_trust_services)


def test_b_lt_container_reaches_b_lt(
    files: list[Path],
    tmp_path: Path,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> None:
    out = sign(files, tmp_path / "lt.asice", esig_trust_services, level=BaselineLevel.B_LT,
               timestamp=tsa)  # fmt: skip
    assert "ArchiveTimeStamp" not in properties(out) and "RevocationValues" in properties(out)
    signature = only(out, esig_trust_services)
    assert signature.passed, signature.findings
    assert signature.conformance is not None
    assert signature.conformance.reached is BaselineLevel.B_LT


def test_a_changed_file_in_a_b_lta_container_fails(
    files: list[Path],
    tmp_path: Path,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> None:
    out = sign(files, tmp_path / "c.asice", esig_trust_services, level=BaselineLevel.B_LTA,
               timestamp=tsa)  # fmt: skip
    bad = tmp_path / "bad.asice"
    with zipfile.ZipFile(out) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, b"<invoice total='90'/>\n" if info.filename == NAMES[0] else data)
    signature = only(bad, esig_trust_services)
    assert not signature.passed
    (integrity,) = signature.find(CheckId.INTEGRITY)
    assert integrity.sub_indication == "HASH_FAILURE" and NAMES[0] in integrity.message


@pytest.mark.parametrize("start", [BaselineLevel.B_B, BaselineLevel.B_T])
def test_extend_to_lta_then_renew(
    start: BaselineLevel,
    files: list[Path],
    tmp_path: Path,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> None:
    stamp = tsa if start is BaselineLevel.B_T else None
    signed = sign(files, tmp_path / "s.asice", esig_trust_services, level=start, timestamp=stamp)
    before = signed.read_bytes()
    lta = tmp_path / "lta.asice"
    done = esig.extend_asic(signed, lta, timestamp=tsa)
    assert signed.read_bytes() == before  # the input is untouched
    assert done.extended_signatures == ("META-INF/signatures.xml",) and not done.renewed
    assert done.archive_manifest is None
    with zipfile.ZipFile(signed) as old, zipfile.ZipFile(lta) as new:
        assert old.namelist() == new.namelist()
        for name in NAMES:
            assert old.read(name) == new.read(name)
    first = only(lta, esig_trust_services)
    assert first.passed, first.findings
    assert first.conformance is not None and first.conformance.reached is BaselineLevel.B_LTA
    renewed = tmp_path / "renewed.asice"
    again = esig.extend_asic(lta, renewed, timestamp=tsa)
    assert again.renewed
    assert properties(renewed).count("ArchiveTimeStamp") == 2
    second = only(renewed, esig_trust_services)
    assert second.passed, second.findings
    archive = [f for f in second.find(CheckId.TIMESTAMP) if "archive timestamp" in f.message]
    assert [f.outcome.value for f in archive] == ["passed", "passed"]
    xmlsec_verify(renewed, tmp_path / "x", esig_trust_services)


def test_extension_refuses_a_broken_signature_and_cades_b_lt(
    files: list[Path],
    tmp_path: Path,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> None:
    signed = sign(files, tmp_path / "s.asice", esig_trust_services)
    bad = tmp_path / "bad.asice"
    with zipfile.ZipFile(signed) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            new.writestr(info, b"changed" if info.filename == NAMES[1] else old.read(info))
    with pytest.raises(InputError):
        esig.extend_asic(bad, tmp_path / "out.asice", timestamp=tsa)
    assert not (tmp_path / "out.asice").exists()
    cades = tmp_path / "c.asice"
    esig.sign_asic(files, cades, esig_trust_services.signer.device())
    with pytest.raises(InputError, match="CAdES is extended to LTA"):
        esig.extend_asic(cades, tmp_path / "out.asice", level=BaselineLevel.B_LT)


def test_cli_signs_and_extends_xades_containers(
    files: list[Path], tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    signed = sign(files, tmp_path / "s.asice", esig_trust_services)
    done = subprocess.run(
        [sys.executable, "-m", "esig.cli", "extend", str(signed), "-o", str(tmp_path / "e.asice"),
         "--level", "LTA", "--tsa", esig_trust_services.tsa_url],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "B-LTA" in done.stdout and "signatures.xml" in done.stdout
    assert only(tmp_path / "e.asice", esig_trust_services).passed
