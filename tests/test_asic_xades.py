"""ASiC-E and ASiC-S with XAdES (ETSI EN 319 162-1): judged by xmlsec1, signxml and DSS's files.

Containers are signed at B-B and B-T against the local trust services, with a software
key and a SoftHSM2 token; a second signer is added; files are changed, removed, added and
renamed after signing, and a signature is wrapped.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

import esig
from esig.asic import AsicForm, container_form
from esig.errors import InputError
from esig.signing import BaselineLevel, TimestampService
from esig.testing import require_tool
from esig.testing.services import LocalTrustServices
from esig.verification import Attack, CheckId, Indication, Outcome, SubIndication

DATA = Path(__file__).parent / "data" / "asic"
LEVELS = (BaselineLevel.B_B, BaselineLevel.B_T)
ASIC = "http://uri.etsi.org/02918/v1.2.1#"
DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NAMES = ("invoice.xml", "photo.png", "contract v2.docx")


def unzip(container: Path, folder: Path) -> Path:
    with zipfile.ZipFile(container) as archive:
        archive.extractall(folder)
    return folder


def rewrite(
    source: Path,
    target: Path,
    *,
    change: dict[str, bytes | None] | None = None,
    add: tuple[tuple[str, bytes], ...] = (),
) -> Path:
    """A copy of a container with entries replaced (bytes), removed (None) or added."""
    change = change or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change.get(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data)
        for name, data in add:
            new.writestr(name, data)
    return target


def xmlsec_verify(folder: Path, signature: str, root: Path, chain: Path) -> str:
    """xmlsec1 --verify on one extracted signature file; the data files mapped by URL."""
    maps = []
    for name in NAMES:
        if (folder / name).exists():
            maps += [f"--url-map:{quote(name)}", str(folder / name)]
    done = subprocess.run(
        [
            require_tool("xmlsec1"), "--verify", "--trusted-pem", str(root),
            "--untrusted-pem", str(chain), "--id-attr:Id", "SignedProperties",
            "--id-attr:Id", "KeyInfo", *maps, str(folder / signature),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stderr


@pytest.fixture(scope="module")
def pems(
    tmp_path_factory: pytest.TempPathFactory, esig_trust_services: LocalTrustServices
) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("asicx-pem")
    root, chain = folder / "root.pem", folder / "chain.pem"
    root.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    chain.write_bytes(esig_trust_services.intermediate_certificate.public_bytes(Encoding.PEM))
    return root, chain


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("asicx-files")
    made = []
    for name, data in zip(
        NAMES,
        (
            b"<invoice total='12.50'/>\n",
            b"\x89PNG\r\n\x1a\n" + os.urandom(1 << 20),
            b"PK\x03\x04 not really a docx",
        ),
        strict=True,
    ):
        (folder / name).write_bytes(data)
        made.append(folder / name)
    return made


@pytest.fixture(scope="module")
def tsa(esig_trust_services: LocalTrustServices) -> TimestampService:
    return TimestampService(url=esig_trust_services.tsa_url)


@pytest.fixture(scope="module")
def containers(
    tmp_path_factory: pytest.TempPathFactory,
    files: list[Path],
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> dict[BaselineLevel, Path]:
    folder = tmp_path_factory.mktemp("asicx-signed")
    device = esig_trust_services.signer.device()
    made = {}
    for level in LEVELS:
        result = esig.sign_asic(
            files,
            folder / f"{level.value}.asice",
            device,
            signature_format="xades",
            level=level,
            timestamp=tsa if level.timestamped else None,
        )
        assert result.form is AsicForm.ASIC_E and result.signature_format == "xades"
        assert result.signature_file == "META-INF/signatures.xml" and result.manifest is None
        assert result.files == NAMES and result.size == result.path.stat().st_size
        made[level] = result.path
    return made


def _signatures_xml(container: Path, name: str = "META-INF/signatures.xml") -> etree._Element:
    with zipfile.ZipFile(container) as archive:
        return etree.fromstring(archive.read(name))


# --- the container as the standard describes it ---------------------------------------------


def test_the_container_holds_xades_signatures_and_no_manifest(
    containers: dict[BaselineLevel, Path],
) -> None:
    with zipfile.ZipFile(containers[BaselineLevel.B_B]) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
    assert names[0] == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert names[1:] == [*NAMES, "META-INF/signatures.xml"]
    root = _signatures_xml(containers[BaselineLevel.B_B])
    assert root.tag == f"{{{ASIC}}}XAdESSignatures"
    (signature,) = root.findall(f"{{{DS}}}Signature")
    uris = [r.get("URI") for r in signature.iterfind(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")]
    assert uris[:3] == ["invoice.xml", "photo.png", "contract%20v2.docx"]
    formats = signature.findall(f".//{{{XADES}}}DataObjectFormat")
    assert [f.findtext(f"{{{XADES}}}MimeType") for f in formats][:2] == [
        "application/xml",
        "image/png",
    ]
    assert len(formats) == 3
    assert container_form(containers[BaselineLevel.B_B]) is AsicForm.ASIC_E


@pytest.mark.real
@pytest.mark.parametrize("level", LEVELS)
def test_esig_verifies_the_container(
    level: BaselineLevel,
    containers: dict[BaselineLevel, Path],
    esig_trust_services: LocalTrustServices,
) -> None:
    root = esig_trust_services.root_certificate
    report = esig.verify_asic(containers[level], trust=[root], allow_fetching=True)
    assert report.passed, report.to_text()
    assert report.problems == ()
    (signature,) = report.signatures
    assert signature.field_name == "META-INF/signatures.xml"
    assert signature.signer is not None and signature.signer.display == "Anna de Vries"
    (signed,) = signature.find(CheckId.SIGNED_DATA)
    assert signed.outcome is Outcome.PASSED
    assert "3 files" in signed.message and "contract v2.docx" in signed.message
    (container,) = signature.find(CheckId.FORMAT)
    assert container.outcome is Outcome.PASSED
    assert signature.level.eidas_level.value == "AES"


@pytest.mark.real
@pytest.mark.parametrize("level", LEVELS)
def test_xmlsec1_and_signxml_verify_each_signature(
    level: BaselineLevel,
    tmp_path: Path,
    containers: dict[BaselineLevel, Path],
    pems: tuple[Path, Path],
    esig_trust_services: LocalTrustServices,
) -> None:
    folder = unzip(containers[level], tmp_path / "x")
    said = xmlsec_verify(folder, "META-INF/signatures.xml", *pems)
    assert "SignedInfo References (ok/all): 5/5" in said  # 3 files, properties, key info
    data = (folder / "META-INF/signatures.xml").read_bytes()

    def resolve(uri: str) -> bytes:
        return (folder / uri.replace("%20", " ")).read_bytes()

    results = XAdESVerifier().verify(
        data,
        x509_cert=esig_trust_services.signer.certificate,
        expect_config=XAdESSignatureConfiguration(expect_references=5),
        uri_resolver=resolve,
    )
    assert len(results) == 5
    assert results[0].signed_data == (folder / "invoice.xml").read_bytes()


# --- attacks ------------------------------------------------------------------------------------


@pytest.mark.real
def test_a_changed_file_is_a_hash_failure_naming_it(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    changed = rewrite(
        containers[BaselineLevel.B_B], tmp_path / "c.asice", change={"invoice.xml": b"<x/>"}
    )
    (signature,) = esig.verify_asic(
        changed, trust=[esig_trust_services.root_certificate]
    ).signatures
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.HASH_FAILURE
    (integrity,) = signature.find(CheckId.INTEGRITY)
    assert integrity.message.startswith("invoice.xml changed after signing")


@pytest.mark.real
def test_a_removed_file_is_signed_data_not_found(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    removed = rewrite(
        containers[BaselineLevel.B_B], tmp_path / "r.asice", change={"photo.png": None}
    )
    (signature,) = esig.verify_asic(
        removed, trust=[esig_trust_services.root_certificate]
    ).signatures
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    (signed,) = signature.find(CheckId.SIGNED_DATA)
    assert "photo.png" in signed.message


@pytest.mark.real
def test_an_added_file_is_reported_as_unsigned(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    added = rewrite(
        containers[BaselineLevel.B_B], tmp_path / "a.asice", add=(("extra.txt", b"pay me"),)
    )
    report = esig.verify_asic(
        added, trust=[esig_trust_services.root_certificate], allow_fetching=True
    )
    (signature,) = report.signatures
    assert signature.indication is Indication.TOTAL_PASSED  # the signed files are intact
    assert "Files no signature covers: extra.txt" in report.problems
    assert any(
        "extra.txt" in f.message and f.outcome is Outcome.INFO
        for f in signature.find(CheckId.FORMAT)
    )


@pytest.mark.real
def test_a_reference_renamed_to_another_file_fails(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    root = _signatures_xml(containers[BaselineLevel.B_B])
    reference = root.find(f".//{{{DS}}}Reference[@URI='invoice.xml']")
    reference.set("URI", "contract%20v2.docx")
    forged = rewrite(
        containers[BaselineLevel.B_B],
        tmp_path / "n.asice",
        change={"META-INF/signatures.xml": etree.tostring(root, xml_declaration=True)},
    )
    report = esig.verify_asic(forged, trust=[esig_trust_services.root_certificate])
    (signature,) = report.signatures
    assert signature.indication is Indication.TOTAL_FAILED
    (integrity,) = signature.find(CheckId.INTEGRITY)
    assert integrity.outcome is Outcome.FAILED and "contract v2.docx" in integrity.message
    assert "Files no signature covers: invoice.xml" in report.problems


@pytest.mark.real
def test_a_wrapped_signature_is_named(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    """A forged SignedProperties beside the signed one, under the same Id: wrapping."""
    root = _signatures_xml(containers[BaselineLevel.B_B])
    signed = root.find(f".//{{{XADES}}}SignedProperties")
    forged = copy.deepcopy(signed)
    forged.find(f".//{{{XADES}}}SigningTime").text = "2001-01-01T00:00:00+00:00"
    holder = etree.SubElement(root.find(f"{{{DS}}}Signature"), f"{{{DS}}}Object")
    holder.append(forged)
    wrapped = rewrite(
        containers[BaselineLevel.B_B],
        tmp_path / "w.asice",
        change={"META-INF/signatures.xml": etree.tostring(root, xml_declaration=True)},
    )
    (signature,) = esig.verify_asic(
        wrapped, trust=[esig_trust_services.root_certificate]
    ).signatures
    assert not signature.passed
    (finding,) = signature.find(CheckId.SIGNED_DATA)
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.XML_SIGNATURE_WRAPPING
    assert "second element carries the signed Id" in finding.message


# --- more signers, ASiC-S, devices --------------------------------------------------------------


@pytest.mark.real
def test_a_second_signer_adds_signatures2_and_keeps_the_first_valid(
    tmp_path: Path,
    containers: dict[BaselineLevel, Path],
    esig_trust_services: LocalTrustServices,
    pems: tuple[Path, Path],
) -> None:
    first = containers[BaselineLevel.B_T]
    out = tmp_path / "two.asice"
    added = esig.add_asic_signature(first, out, esig_trust_services.signer.device())
    assert added.signature_file == "META-INF/signatures2.xml"
    assert added.signature_format == "xades" and added.manifest is None
    with zipfile.ZipFile(first) as old, zipfile.ZipFile(out) as new:
        for name in old.namelist():
            assert old.read(name) == new.read(name)
    report = esig.verify_asic(
        out, trust=[esig_trust_services.root_certificate], allow_fetching=True
    )
    assert report.passed, report.to_text()
    assert [s.field_name for s in report.signatures] == [
        "META-INF/signatures.xml",
        "META-INF/signatures2.xml",
    ]
    folder = unzip(out, tmp_path / "x")
    for name in ("META-INF/signatures.xml", "META-INF/signatures2.xml"):
        xmlsec_verify(folder, name, *pems)


@pytest.mark.real
def test_asic_s_with_xades_signs_one_file(
    tmp_path: Path,
    files: list[Path],
    esig_trust_services: LocalTrustServices,
    pems: tuple[Path, Path],
) -> None:
    made = esig.sign_asic(
        files[:1],
        tmp_path / "one.asics",
        esig_trust_services.signer.device(),
        signature_format="xades",
        form="asics",
    )
    assert made.form is AsicForm.ASIC_S and made.signature_file == "META-INF/signatures.xml"
    report = esig.verify_asic(
        made.path, trust=[esig_trust_services.root_certificate], allow_fetching=True
    )
    assert report.passed, report.to_text()
    assert container_form(made.path) is AsicForm.ASIC_S
    xmlsec_verify(unzip(made.path, tmp_path / "x"), "META-INF/signatures.xml", *pems)
    with pytest.raises(InputError, match="ASiC-S"):
        esig.add_asic_signature(
            made.path, tmp_path / "two.asics", esig_trust_services.signer.device()
        )


def test_bad_requests_are_refused(tmp_path: Path, files: list[Path], esig_device: object) -> None:
    with pytest.raises(InputError, match=r"(?i)time-stamping service"):
        esig.sign_asic(
            files, tmp_path / "x.asice", esig_device, signature_format="xades",  # type: ignore[arg-type]
            level=BaselineLevel.B_LTA,
        )  # fmt: skip
    with pytest.raises(InputError, match="'cades' or 'xades'"):
        esig.sign_asic(files, tmp_path / "x.asice", esig_device, signature_format="jades")  # type: ignore[arg-type]
    assert not (tmp_path / "x.asice").exists()


@pytest.mark.real
@pytest.mark.parametrize("key_label", ["rsa-signer", "ec-signer"])
def test_a_token_key_signs_a_xades_container(
    tmp_path: Path,
    files: list[Path],
    esig_softhsm_token: object,
    esig_pki: object,
    key_label: str,
) -> None:
    pytest.importorskip("pkcs11")
    with esig_softhsm_token.open_device(key_label) as device:  # type: ignore[attr-defined]
        result = esig.sign_asic(files, tmp_path / "token.asice", device, signature_format="xades")
    report = esig.verify_asic(result.path, trust=[esig_pki.root.certificate])  # type: ignore[attr-defined]
    assert report.passed, report.to_text()


# --- DSS's containers, judged as DSS's tests judge them ------------------------------------


@pytest.mark.parametrize(
    ("name", "signatures"),
    [("xades-onefile-ok.asice", 1), ("xades-multifiles-ok.asice", 2)],
)
def test_dss_good_xades_containers_are_intact(name: str, signatures: int) -> None:
    """DSS uses them as good containers; its test PKI is not ours and has expired."""
    report = esig.verify_asic(DATA / name)
    assert len(report.signatures) == signatures
    for signature in report.signatures:
        (integrity,) = signature.find(CheckId.INTEGRITY)
        assert integrity.outcome is Outcome.PASSED
        (signed,) = signature.find(CheckId.SIGNED_DATA)
        assert signed.outcome is Outcome.PASSED and "test.text" in signed.message
        assert signature.indication is Indication.INDETERMINATE  # no anchor for DSS's PKI
    assert report.problems == ("The mimetype entry is not the first entry of the ZIP file.",)


def test_dss_removed_document_is_signed_data_not_found() -> None:
    """ASiCEWithXAdESFileRemovedTest: 2 references found and intact, 1 not found."""
    (signature,) = esig.verify_asic(DATA / "xades-removed-doc.asice").signatures
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    (signed,) = signature.find(CheckId.SIGNED_DATA)
    assert "cacert.pem" in signed.message


@pytest.mark.real
def test_xmlsec1_agrees_on_the_dss_container(tmp_path: Path) -> None:
    """Integrity only (DSS's test PKI is not trusted here: --insecure)."""
    folder = unzip(DATA / "xades-onefile-ok.asice", tmp_path / "x")
    done = subprocess.run(
        [
            require_tool("xmlsec1"), "--verify", "--insecure", "--id-attr:Id", "SignedProperties",
            "--url-map:test.text", str(folder / "test.text"),
            str(folder / "META-INF/signatures001.xml"),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


# --- the command line ---------------------------------------------------------------------


def esig_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.real
def test_cli_sign_asice_xades_then_verify(
    tmp_path: Path,
    files: list[Path],
    pems: tuple[Path, Path],
    esig_trust_services: LocalTrustServices,
) -> None:
    issued = esig_trust_services.signer
    key = tmp_path / "key.pem"
    key.write_bytes(
        issued.private_key.private_bytes(
            Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert = tmp_path / "cert.pem"
    cert.write_bytes(issued.certificate.public_bytes(Encoding.PEM))
    bundle = tmp_path / "bundle.asice"
    done = esig_cli(
        "sign", *map(str, files), "--format", "asice-xades", "-o", str(bundle), "--key",
        str(key), "--cert", str(cert), "--chain", str(pems[1]), "--tsa",
        esig_trust_services.tsa_url, "--level", "B-T",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Signed 3 files" in done.stdout and "ASiC-E XAdES B-T" in done.stdout
    done = esig_cli("verify", str(bundle), "--trust", str(pems[0]), "--allow-fetching")
    assert done.returncode == 0, done.stdout
    assert done.stderr == ""
    assert "TOTAL-PASSED" in done.stdout and "contract v2.docx" in done.stdout
    changed = rewrite(bundle, tmp_path / "changed.asice", change={"invoice.xml": b"<x/>"})
    done = esig_cli("verify", str(changed), "--trust", str(pems[0]), "--json")
    assert done.returncode == 1 and "HASH_FAILURE" in done.stdout
