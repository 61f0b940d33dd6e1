"""ASiC-E and ASiC-S with CAdES (ETSI EN 319 162-1): judged by zipfile, OpenSSL and DSS's files.

Containers are signed at B-B, B-T and B-LT against the local trust services, with a
software key, a SoftHSM2 token and a CSC service; a second signer is added; files are
changed, removed and added after signing; hostile ZIP files are refused.
B-LTA (archive manifests) is tested in tests/test_asic_lta.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]

import esig
from esig.asic import AsicForm, ManifestError, ZipLimits, container_form, parse_manifest
from esig.errors import InputError, OutputError
from esig.signing import BaselineLevel, TimestampService
from esig.testing import require_tool
from esig.testing.certomancer_config import Label
from esig.testing.services import LocalTrustServices
from esig.verification import CheckId, Indication, Outcome, SubIndication

DATA = Path(__file__).parent / "data" / "asic"
LEVELS = (BaselineLevel.B_B, BaselineLevel.B_T, BaselineLevel.B_LT)


def openssl_verify(p7s: Path, content: Path, root_pem: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            require_tool("openssl"), "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(p7s), "-content", str(content), "-CAfile", str(root_pem),
            "-purpose", "any", "-out", os.devnull,
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


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


@pytest.fixture(scope="module")
def root_pem(
    tmp_path_factory: pytest.TempPathFactory, esig_trust_services: LocalTrustServices
) -> Path:
    path = tmp_path_factory.mktemp("asic-root") / "root.pem"
    path.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("asic-files")
    made = []
    for name, data in (
        ("invoice.xml", b"<invoice total='12.50'/>\n"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + os.urandom(3 * (1 << 20))),
        ("contract v2.docx", b"PK\x03\x04 not really a docx"),
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
    folder = tmp_path_factory.mktemp("asic-signed")
    device = esig_trust_services.signer.device()
    before = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    made = {}
    for level in LEVELS:
        result = esig.sign_asic(
            files,
            folder / f"{level.value}.asice",
            device,
            level=level,
            timestamp=tsa if level.timestamped else None,
        )
        assert result.form is AsicForm.ASIC_E and result.level is level
        assert result.files == ("invoice.xml", "photo.png", "contract v2.docx")
        assert result.size == result.path.stat().st_size
        made[level] = result.path
    assert [hashlib.sha256(f.read_bytes()).hexdigest() for f in files] == before
    return made


# --- the container, as zipfile sees it ------------------------------------------------------


@pytest.mark.real
def test_mimetype_is_first_stored_and_plain(containers: dict[BaselineLevel, Path]) -> None:
    data = containers[BaselineLevel.B_B].read_bytes()
    # annex A: the media type readable at a fixed offset, without unzipping
    assert data[:4] == b"PK\x03\x04"
    name_length, extra_length = struct.unpack("<HH", data[26:30])
    assert data[30 : 30 + name_length] == b"mimetype"
    assert extra_length == 0
    assert data[38 : 38 + 31] == b"application/vnd.etsi.asic-e+zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.testzip() is None
        assert archive.namelist() == [
            "mimetype",
            "invoice.xml",
            "photo.png",
            "contract v2.docx",
            "META-INF/ASiCManifest.xml",
            "META-INF/signature.p7s",
        ]


@pytest.mark.real
def test_the_manifest_lists_every_file_with_its_digest(
    containers: dict[BaselineLevel, Path], files: list[Path]
) -> None:
    with zipfile.ZipFile(containers[BaselineLevel.B_B]) as archive:
        manifest = archive.read("META-INF/ASiCManifest.xml")
    root = etree.fromstring(manifest)
    ns = {"asic": "http://uri.etsi.org/02918/v1.2.1#", "ds": "http://www.w3.org/2000/09/xmldsig#"}
    assert root.tag == "{http://uri.etsi.org/02918/v1.2.1#}ASiCManifest"
    (sig_ref,) = root.findall("asic:SigReference", ns)
    assert sig_ref.get("URI") == "META-INF/signature.p7s"
    refs = root.findall("asic:DataObjectReference", ns)
    assert [r.get("URI") for r in refs] == ["invoice.xml", "photo.png", "contract%20v2.docx"]
    for ref, path in zip(refs, files, strict=True):
        method = ref.find("ds:DigestMethod", ns).get("Algorithm")
        assert method == "http://www.w3.org/2001/04/xmlenc#sha256"
        value = base64.b64decode(ref.find("ds:DigestValue", ns).text)
        assert value == hashlib.sha256(path.read_bytes()).digest()
    assert refs[0].get("MimeType") == "application/xml"


@pytest.mark.real
@pytest.mark.parametrize("level", LEVELS)
def test_openssl_verifies_the_signature_over_the_manifest(
    tmp_path: Path, level: BaselineLevel, containers: dict[BaselineLevel, Path], root_pem: Path
) -> None:
    folder = unzip(containers[level], tmp_path)
    done = openssl_verify(
        folder / "META-INF/signature.p7s", folder / "META-INF/ASiCManifest.xml", root_pem
    )
    assert done.returncode == 0, done.stderr
    assert "Verification successful" in done.stderr
    manifest = folder / "META-INF/ASiCManifest.xml"
    manifest.write_bytes(manifest.read_bytes().replace(b"invoice.xml", b"invoice.xmL"))
    done = openssl_verify(folder / "META-INF/signature.p7s", manifest, root_pem)
    assert done.returncode != 0


# --- esig verifies ------------------------------------------------------------------------


@pytest.mark.real
@pytest.mark.parametrize("level", LEVELS)
def test_esig_verifies_the_container(
    level: BaselineLevel,
    containers: dict[BaselineLevel, Path],
    esig_trust_services: LocalTrustServices,
) -> None:
    root = esig_trust_services.root_certificate
    report = esig.verify_asic(containers[level], trust=[root], allow_fetching=not level.long_term)
    assert report.passed, report.to_text()
    assert report.problems == ()
    (signature,) = report.signatures
    assert signature.field_name == "META-INF/signature.p7s"
    assert signature.signer is not None and signature.signer.display == "Anna de Vries"
    (signed,) = signature.find(CheckId.SIGNED_DATA)
    assert signed.outcome is Outcome.PASSED
    assert "3 files" in signed.message and "contract v2.docx" in signed.message
    (container,) = signature.find(CheckId.FORMAT)
    assert container.outcome is Outcome.PASSED
    assert signature.level.eidas_level.value == "AES"
    assert signature.level.level.value == ("AES" if level.long_term else "SES")


@pytest.mark.real
def test_a_file_changed_after_signing_fails(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    changed = rewrite(
        containers[BaselineLevel.B_LT],
        tmp_path / "changed.asice",
        change={"invoice.xml": b"<invoice total='99.50'/>\n"},
    )
    report = esig.verify_asic(changed, trust=[esig_trust_services.root_certificate])
    (signature,) = report.signatures
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.HASH_FAILURE
    (integrity,) = signature.find(CheckId.INTEGRITY)
    assert integrity.outcome is Outcome.FAILED and "invoice.xml changed after signing" in (
        integrity.message
    )
    (modified,) = signature.find(CheckId.MODIFICATIONS)
    assert modified.outcome is Outcome.FAILED
    assert signature.level.level.value not in {"AES", "QES"}


@pytest.mark.real
def test_a_removed_file_is_signed_data_not_found(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    removed = rewrite(
        containers[BaselineLevel.B_LT], tmp_path / "removed.asice", change={"photo.png": None}
    )
    report = esig.verify_asic(removed, trust=[esig_trust_services.root_certificate])
    (signature,) = report.signatures
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    (signed,) = signature.find(CheckId.SIGNED_DATA)
    assert "photo.png" in signed.message


@pytest.mark.real
def test_a_file_no_signature_covers_is_reported(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    added = rewrite(
        containers[BaselineLevel.B_LT],
        tmp_path / "added.asice",
        add=(("amendment.txt", b"the price is doubled"),),
    )
    report = esig.verify_asic(added, trust=[esig_trust_services.root_certificate])
    # the signature still holds for what it signed; the unsigned file is named
    assert report.passed
    assert report.problems == ("Files no signature covers: amendment.txt",)
    (signature,) = report.signatures
    (unsigned,) = signature.find(CheckId.FORMAT)
    assert unsigned.outcome is Outcome.INFO
    assert "amendment.txt" in unsigned.message
    assert {str(c) for c in unsigned.citations} == {"BES art. 3(a)", "BES art. 3(g)"}
    assert "amendment.txt" in report.to_text()


@pytest.mark.real
def test_a_changed_manifest_fails_and_an_unreadable_one_is_a_format_failure(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    source = containers[BaselineLevel.B_LT]
    with zipfile.ZipFile(source) as archive:
        manifest = archive.read("META-INF/ASiCManifest.xml")
    trust = [esig_trust_services.root_certificate]
    edited = rewrite(
        source,
        tmp_path / "edited.asice",
        change={"META-INF/ASiCManifest.xml": manifest.replace(b"application/xml", b"text/xml")},
    )
    (signature,) = esig.verify_asic(edited, trust=trust).signatures
    assert signature.sub_indication is SubIndication.HASH_FAILURE
    broken = rewrite(
        source, tmp_path / "broken.asice", change={"META-INF/ASiCManifest.xml": b"bla"}
    )
    (signature,) = esig.verify_asic(broken, trust=trust).signatures
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.FORMAT_FAILURE


# --- a second signer ----------------------------------------------------------------------


@pytest.mark.real
def test_a_second_signer_keeps_the_first_valid(
    tmp_path: Path,
    containers: dict[BaselineLevel, Path],
    esig_trust_services: LocalTrustServices,
    root_pem: Path,
    tsa: TimestampService,
) -> None:
    services = esig_trust_services
    first = containers[BaselineLevel.B_LT]
    before = first.read_bytes()
    second = services.issued(Label.SHORT_LIVED_SIGNER).device()
    result = esig.add_asic_signature(
        first, tmp_path / "both.asice", second, level=BaselineLevel.B_LT, timestamp=tsa
    )
    assert first.read_bytes() == before  # the input is never modified
    assert result.signature_file == "META-INF/signature2.p7s"
    assert result.manifest == "META-INF/ASiCManifest2.xml"
    report = esig.verify_asic(result.path, trust=[services.root_certificate])
    assert report.passed, report.to_text()
    assert [s.field_name for s in report.signatures] == [
        "META-INF/signature.p7s",
        "META-INF/signature2.p7s",
    ]
    folder = unzip(result.path, tmp_path / "both")
    for sig, manifest in (("signature", "ASiCManifest"), ("signature2", "ASiCManifest2")):
        done = openssl_verify(
            folder / f"META-INF/{sig}.p7s", folder / f"META-INF/{manifest}.xml", root_pem
        )
        assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(first) as old, zipfile.ZipFile(result.path) as new:
        for name in old.namelist():
            assert old.read(name) == new.read(name)
        assert new.namelist()[0] == "mimetype"
    with pytest.raises(OutputError, match="must not overwrite"):
        esig.add_asic_signature(first, first, second)


@pytest.mark.real
def test_a_third_signer_after_a_file_was_added_covers_it(
    tmp_path: Path, containers: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    added = rewrite(
        containers[BaselineLevel.B_B], tmp_path / "added.asice", add=(("annex.txt", b"annex"),)
    )
    result = esig.add_asic_signature(
        added, tmp_path / "signed.asice", esig_trust_services.signer.device()
    )
    assert "annex.txt" in result.files
    report = esig.verify_asic(result.path, trust=[esig_trust_services.root_certificate])
    assert report.problems == ()
    first, second = report.signatures
    assert any("annex.txt" in f.message for f in first.find(CheckId.FORMAT))
    assert second.find(CheckId.FORMAT)[0].outcome is Outcome.PASSED


# --- ASiC-S -----------------------------------------------------------------------------------


@pytest.mark.real
def test_asic_s_signs_one_file_directly(
    tmp_path: Path,
    files: list[Path],
    esig_trust_services: LocalTrustServices,
    root_pem: Path,
    tsa: TimestampService,
) -> None:
    result = esig.sign_asic(
        [files[0]],
        tmp_path / "one.asics",
        esig_trust_services.signer.device(),
        form="asics",
        level=BaselineLevel.B_LT,
        timestamp=tsa,
    )
    assert result.form is AsicForm.ASIC_S and result.manifest is None
    with zipfile.ZipFile(result.path) as archive:
        assert archive.namelist() == ["mimetype", "invoice.xml", "META-INF/signature.p7s"]
        assert archive.read("mimetype") == b"application/vnd.etsi.asic-s+zip"
    folder = unzip(result.path, tmp_path / "one")
    done = openssl_verify(folder / "META-INF/signature.p7s", folder / "invoice.xml", root_pem)
    assert done.returncode == 0, done.stderr
    report = esig.verify_asic(result.path, trust=[esig_trust_services.root_certificate])
    assert report.passed, report.to_text()
    changed = rewrite(result.path, tmp_path / "changed.asics", change={"invoice.xml": b"<x/>"})
    report = esig.verify_asic(changed, trust=[esig_trust_services.root_certificate])
    assert report.signatures[0].sub_indication is SubIndication.HASH_FAILURE
    with pytest.raises(InputError, match="one file"):
        esig.sign_asic(
            files, tmp_path / "two.asics", esig_trust_services.signer.device(), form="asics"
        )
    with pytest.raises(InputError, match="ASiC-S container holds one signature"):
        esig.add_asic_signature(
            result.path, tmp_path / "again.asics", esig_trust_services.signer.device()
        )


# --- refused before anything is done --------------------------------------------------------


def test_bad_requests_are_refused_before_the_device(tmp_path: Path, esig_device: object) -> None:
    target = tmp_path / "a.txt"
    target.write_text("a")
    device = esig_device
    # B-LTA (tests/test_asic_lta.py, tests/test_asic_s_lta.py) needs a TSA, and an added
    # signature is refused
    with pytest.raises(InputError, match="time-stamping service"):
        esig.sign_asic([target], tmp_path / "x.asice", device, level=BaselineLevel.B_LTA)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="time-stamping service"):
        esig.sign_asic(
            [target], tmp_path / "x.asics", device, form="asics",  # type: ignore[arg-type]
            level=BaselineLevel.B_LTA,
        )  # fmt: skip
    tsa = TimestampService(url="http://127.0.0.1:9/tsa")
    with pytest.raises(InputError, match="extend_asic"):
        esig.add_asic_signature(
            tmp_path / "none.asice", tmp_path / "x.asice", device,  # type: ignore[arg-type]
            level=BaselineLevel.B_LTA, timestamp=tsa,
        )  # fmt: skip
    with pytest.raises(InputError, match="time-stamping service"):
        esig.sign_asic([target], tmp_path / "x.asice", device, level=BaselineLevel.B_T)  # type: ignore[arg-type]
    other = tmp_path / "sub"
    other.mkdir()
    (other / "a.txt").write_text("b")
    with pytest.raises(InputError, match="both be named"):
        esig.sign_asic([target, other / "a.txt"], tmp_path / "x.asice", device)  # type: ignore[arg-type]
    with pytest.raises(OutputError, match="must not overwrite"):
        esig.sign_asic([target], target, device)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "sub"]


# --- hostile ZIP files ---------------------------------------------------------------------


def _zip(path: Path, entries: list[tuple[str, bytes]], *, mimetype: bool = True) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            if mimetype:
                archive.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.etsi.asic-e+zip")
            for name, data in entries:
                info = zipfile.ZipInfo("placeholder")
                info.filename = name  # ZipInfo would normalise the name
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    return path


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.txt", "climbs out"),
        ("META-INF/../../evil.txt", "climbs out"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/evil.txt", "absolute"),
        ("dir\\evil.txt", "backslash"),
    ],
)
def test_path_traversal_names_are_refused(tmp_path: Path, name: str, why: str) -> None:
    path = _zip(tmp_path / "evil.asice", [(name, b"x")])
    with pytest.raises(InputError, match=why):
        esig.verify_asic(path)


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "dup.asice", [("a.txt", b"shown"), ("a.txt", b"signed")])
    with pytest.raises(InputError, match="twice"):
        esig.verify_asic(path)


def test_a_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.asice", [("zeros.bin", bytes(64 << 20))])
    assert path.stat().st_size < 200_000
    with pytest.raises(InputError, match="ZIP bomb"):
        esig.verify_asic(path)


def test_too_many_entries_and_too_large_are_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "many.asice", [(f"f{i}.txt", b"x") for i in range(20)])
    with pytest.raises(InputError, match="entries"):
        esig.verify_asic(path, limits=ZipLimits(max_entries=10))
    with pytest.raises(InputError, match="at most 1000"):
        esig.verify_asic(
            _zip(tmp_path / "big.asice", [("big.bin", os.urandom(5000))]),
            limits=ZipLimits(max_total_size=1000),
        )


def test_not_a_container_is_an_input_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.asice"
    text.write_text("not a zip")
    with pytest.raises(InputError, match="not a ZIP"):
        esig.verify_asic(text)
    plain = _zip(tmp_path / "plain.zip", [("a.txt", b"a")], mimetype=False)
    with pytest.raises(InputError, match="not an ASiC container"):
        esig.verify_asic(plain)
    assert container_form(plain) is None and container_form(text) is None


def test_manifests_are_parsed_without_entities_or_network() -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<asic:ASiCManifest xmlns:asic="http://uri.etsi.org/02918/v1.2.1#">'
        b'<asic:SigReference URI="META-INF/signature.p7s"/>'
        b'<asic:DataObjectReference URI="&x;"><DigestMethod '
        b'xmlns="http://www.w3.org/2000/09/xmldsig#" '
        b'Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue '
        b'xmlns="http://www.w3.org/2000/09/xmldsig#">AAAA</DigestValue>'
        b"</asic:DataObjectReference></asic:ASiCManifest>"
    )
    try:
        manifest = parse_manifest(hostile)
    except ManifestError:
        return
    assert "root:" not in manifest.references[0].uri


# --- DSS's containers, judged as DSS's tests judge them ------------------------------------


@pytest.mark.parametrize("name", ["onefile-ok.asice", "onefile-ok.asics"])
def test_dss_good_containers_are_intact(name: str) -> None:
    """DSS uses them as good containers; its test PKI is not ours and expired in 2020."""
    report = esig.verify_asic(DATA / name)
    (signature,) = report.signatures
    (integrity,) = signature.find(CheckId.INTEGRITY)
    assert integrity.outcome is Outcome.PASSED
    (signed,) = signature.find(CheckId.SIGNED_DATA)
    assert signed.outcome is Outcome.PASSED and "test.text" in signed.message
    assert signature.indication is Indication.INDETERMINATE  # no anchor for DSS's test PKI
    assert signature.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    # DSS writes mimetype last: reported, as DSS's policy informs, not failed
    assert report.problems == ("The mimetype entry is not the first entry of the ZIP file.",)
    assert container_form(DATA / name) is AsicForm(name.rsplit(".", 1)[1])


def test_dss_broken_reference_is_a_hash_failure() -> None:
    """ASiCEBrokenReferenceTest: FAILED / HASH_FAILURE, one of the references not intact."""
    (signature,) = esig.verify_asic(DATA / "brokenReference.asice").signatures
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.HASH_FAILURE
    (integrity,) = signature.find(CheckId.INTEGRITY)
    assert integrity.message.startswith("test.text changed after signing")


def test_dss_removed_reference_is_signed_data_not_found() -> None:
    """ASiCERemovedReferenceTest: INDETERMINATE / SIGNED_DATA_NOT_FOUND."""
    (signature,) = esig.verify_asic(DATA / "removedReference.asice").signatures
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    (integrity,) = signature.find(CheckId.INTEGRITY)
    assert integrity.outcome is Outcome.PASSED  # the manifest itself is intact


def test_dss_altered_manifest_is_a_format_failure() -> None:
    """ASiCEBrokenRefAndCorruptedManifestTest: TOTAL_FAILED / FORMAT_FAILURE."""
    report = esig.verify_asic(DATA / "brokenReferenceAndAlteredManifest.asice")
    (signature,) = report.signatures
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.FORMAT_FAILURE
    # no original document: nothing in the container is covered
    assert "Files no signature covers: test.text, test2.text" in report.problems


@pytest.mark.real
def test_openssl_agrees_on_the_dss_containers(tmp_path: Path) -> None:
    """Integrity only (-noverify: DSS's test PKI is not trusted here)."""
    for name, content, ok in (
        ("onefile-ok.asice", "META-INF/ASiCManifest.xml", True),
        ("onefile-ok.asics", "test.text", True),
        ("brokenReferenceAndAlteredManifest.asice", "META-INF/ASiCManifest.xml", False),
    ):
        folder = unzip(DATA / name, tmp_path / name)
        (sig,) = (folder / "META-INF").glob("signature*.p7s")
        done = subprocess.run(
            [require_tool("openssl"), "cms", "-verify", "-binary", "-inform", "DER",
             "-in", str(sig), "-content", str(folder / content), "-noverify",
             "-out", os.devnull],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert (done.returncode == 0) is ok, (name, done.stderr)


# --- each kind of device ------------------------------------------------------------------------


@pytest.mark.real
@pytest.mark.parametrize("key_label", ["rsa-signer", "ec-signer"])
def test_a_token_key_signs_a_container(
    tmp_path: Path, files: list[Path], esig_softhsm_token: object, esig_pki: object, key_label: str
) -> None:
    pytest.importorskip("pkcs11")
    with esig_softhsm_token.open_device(key_label) as device:  # type: ignore[attr-defined]
        result = esig.sign_asic(files[:1], tmp_path / "token.asice", device)
    report = esig.verify_asic(result.path, trust=[esig_pki.root.certificate])  # type: ignore[attr-defined]
    assert report.passed, report.to_text()


@pytest.mark.real
def test_a_remote_credential_signs_a_container(
    tmp_path: Path, files: list[Path], esig_csc_server: object
) -> None:
    server = esig_csc_server
    device = server.device(server.ec_credential_id)  # type: ignore[attr-defined]
    result = esig.sign_asic(files[:1], tmp_path / "remote.asice", device)
    report = esig.verify_asic(
        result.path,
        trust=[server.root_certificate],  # type: ignore[attr-defined]
        allow_fetching=True,
    )
    assert report.passed, report.to_text()


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
def test_cli_sign_asice_then_verify(
    tmp_path: Path, files: list[Path], root_pem: Path, esig_trust_services: LocalTrustServices
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
    chain = tmp_path / "chain.pem"
    chain.write_bytes(esig_trust_services.intermediate_certificate.public_bytes(Encoding.PEM))
    bundle = tmp_path / "bundle.bin"  # recognised by its content, not its name
    done = esig_cli(
        "sign", *map(str, files), "--format", "asice", "-o", str(bundle), "--key", str(key),
        "--cert", str(cert), "--chain", str(chain), "--tsa", esig_trust_services.tsa_url,
        "--level", "B-LT", "--trust", str(root_pem),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Signed 3 files" in done.stdout and "ASiC-E CAdES B-LT" in done.stdout
    done = esig_cli("verify", str(bundle), "--trust", str(root_pem))
    assert done.returncode == 0, done.stdout
    assert done.stderr == ""
    assert "TOTAL-PASSED" in done.stdout and "contract v2.docx" in done.stdout
    changed = rewrite(bundle, tmp_path / "changed.asice", change={"invoice.xml": b"<x/>"})
    done = esig_cli("verify", str(changed), "--trust", str(root_pem), "--json")
    assert done.returncode == 1
    assert "HASH_FAILURE" in done.stdout
    # usage and input errors: exit 2, one line on stderr
    done = esig_cli(
        "sign", str(files[0]), "--format", "asice", "--key", str(key), "--cert", str(cert)
    )
    assert done.returncode == 2 and "-o FILE" in done.stderr
    done = esig_cli("verify", str(bundle), "--extract-signed", str(tmp_path / "x"))
    assert done.returncode == 2 and "any ZIP tool" in done.stderr
    evil = _zip(tmp_path / "evil.asice", [("../evil.txt", b"x")])
    done = esig_cli("verify", str(evil))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
