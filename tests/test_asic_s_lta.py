"""ASiC-S with CAdES at B-LTA (EN 319 162-1 §4.3.3): archive-time-stamp-v3 in the signature.

ASiC-S takes no archive manifest: as DSS does (``ASiCWithCAdESService``: the archive
manifest is for ASiC-E), the CAdES signature itself reaches B-LTA with an
``archive-time-stamp-v3`` attribute (EN 319 122-1 §5.5.3). Judged by OpenSSL (``openssl
cms -verify`` of the signature, ``openssl ts -verify`` of the archive token against the
message imprint esig computed; the same computation gives DSS's imprint on DSS's own
container), by esig's verifier (changing the file, the signature's timestamp or the
token fails) and by renewal.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives.serialization import Encoding

import esig
from esig.signing import BaselineLevel, TimestampService
from esig.testing.services import LocalTrustServices
from esig.verification import CheckId, Indication, Outcome, SubIndication
from tests.test_asic_lta import openssl, rewrite

DATA = Path(__file__).parent / "data" / "asic"
SIGNATURE = "META-INF/signature.p7s"
ATS_V3 = "0.4.0.1733.2.4"

pytestmark = pytest.mark.real


def _read(container: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(container) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


def _archive_tokens(der: bytes) -> list[bytes]:
    """The archive-time-stamp-v3 tokens of a CAdES signature, read with asn1crypto."""
    signer = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    return [
        value.dump()
        for attribute in signer["unsigned_attrs"] or ()
        if attribute["type"].dotted == ATS_V3
        for value in attribute["values"]
    ]


@pytest.fixture(scope="module")
def tsa(esig_trust_services: LocalTrustServices) -> TimestampService:
    return TimestampService(url=esig_trust_services.tsa_url)


@pytest.fixture(scope="module")
def lta(
    tmp_path_factory: pytest.TempPathFactory,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> Path:
    folder = tmp_path_factory.mktemp("asics-lta")
    (folder / "contract.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(4096))
    result = esig.sign_asic(
        [folder / "contract.pdf"],
        folder / "signed.asics",
        esig_trust_services.signer.device(),
        form="asics",
        level=BaselineLevel.B_LTA,
        timestamp=tsa,
    )
    assert result.level is BaselineLevel.B_LTA and result.manifest is None
    return result.path


def test_no_archive_manifest_one_archive_timestamp_in_the_signature(lta: Path) -> None:
    entries = _read(lta)
    assert set(entries) == {"mimetype", "contract.pdf", SIGNATURE}
    assert len(_archive_tokens(entries[SIGNATURE])) == 1


def test_openssl_verifies_the_signature_and_the_archive_token(
    lta: Path, tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    root = tmp_path / "root.pem"
    root.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    ca = tmp_path / "ca.pem"
    ca.write_bytes(esig_trust_services.intermediate_certificate.public_bytes(Encoding.PEM))
    with zipfile.ZipFile(lta) as archive:
        archive.extractall(tmp_path)
    signature = tmp_path / SIGNATURE
    done = openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature),
        "-content", str(tmp_path / "contract.pdf"), "-CAfile", str(root),
        "-purpose", "any", "-out", os.devnull,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # B-LT material in the SignedData: revocation values
    printed = openssl("cms", "-cmsout", "-print", "-inform", "DER", "-in", str(signature))
    assert "crls:" in printed.stdout and "ocsp" in printed.stdout.lower()
    # the archive token: OpenSSL checks its signature, its TSA's path and that its imprint
    # is the one esig computes (EN 319 122-1 §5.5.3) from the file and the signature
    (token,) = _archive_tokens(signature.read_bytes())
    (tmp_path / "ats.tst").write_bytes(token)
    from esig._pyhanko.cades_archive import expected_imprint

    data = (tmp_path / "contract.pdf").read_bytes()
    imprint = expected_imprint(signature.read_bytes(), 1, hashlib.sha256(data).digest())
    done = openssl(
        "ts", "-verify", "-in", str(tmp_path / "ats.tst"), "-token_in", "-digest",
        imprint.hex(), "-CAfile", str(root), "-untrusted", str(ca),
    )  # fmt: skip
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stderr
    # over another file, the imprint differs and OpenSSL refuses the token
    other = expected_imprint(signature.read_bytes(), 1, hashlib.sha256(data + b"x").digest())
    done = openssl(
        "ts", "-verify", "-in", str(tmp_path / "ats.tst"), "-token_in", "-digest",
        other.hex(), "-CAfile", str(root), "-untrusted", str(ca),
    )  # fmt: skip
    assert done.returncode != 0


def test_esig_verifies_b_lta(lta: Path, esig_trust_services: LocalTrustServices) -> None:
    report = esig.verify_asic(lta, trust=[esig_trust_services.root_certificate])
    assert report.problems == ()
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, [f.message for f in sig.findings]
    archive = [f for f in sig.findings if "archive-time-stamp-v3" in f.message]
    assert len(archive) == 1 and archive[0].outcome is Outcome.PASSED
    assert sig.conformance is not None
    assert sig.conformance.reached is BaselineLevel.B_LTA and sig.conformance.conforms


def _flip_in_signature_timestamp(der: bytes) -> bytes:
    """The signature with one bit of its signature timestamp's TSA signature flipped."""
    info = cms.ContentInfo.load(der)
    signer = info["content"]["signer_infos"][0]
    token = signer["unsigned_attrs"][0]["values"][0]
    value = token["content"]["signer_infos"][0]["signature"].native
    assert signer["unsigned_attrs"][0]["type"].native == "signature_time_stamp_token"
    start = der.index(value)
    return der[:start] + bytes([value[0] ^ 1]) + der[start + 1 :]


@pytest.mark.parametrize("entry", ["contract.pdf", "signature timestamp", "archive token"])
def test_tampering_fails_the_archive_timestamp(
    lta: Path, tmp_path: Path, esig_trust_services: LocalTrustServices, entry: str
) -> None:
    entries = _read(lta)
    if entry == "contract.pdf":
        change = {entry: entries[entry] + b"%%EOF"}
    elif entry == "signature timestamp":
        change = {SIGNATURE: _flip_in_signature_timestamp(entries[SIGNATURE])}
    else:
        der = entries[SIGNATURE]
        (token,) = _archive_tokens(der)
        # the token's TSTInfo time changed: its own signature no longer verifies
        at = der.index(token) + token.index(b"\x18\x0f") + 5
        change = {SIGNATURE: der[:at] + bytes([der[at] ^ 1]) + der[at + 1 :]}
    tampered = rewrite(lta, tmp_path / "tampered.asics", change)
    report = esig.verify_asic(tampered, trust=[esig_trust_services.root_certificate])
    (sig,) = report.signatures
    assert sig.indication is not Indication.TOTAL_PASSED
    archive = [f for f in sig.findings if "archive-time-stamp-v3" in f.message]
    assert archive and archive[0].outcome is Outcome.FAILED, [f.message for f in archive]
    assert archive[0].sub_indication in {
        SubIndication.HASH_FAILURE,
        SubIndication.SIG_CRYPTO_FAILURE,
        SubIndication.FORMAT_FAILURE,
    }
    assert sig.conformance is not None and sig.conformance.reached is not BaselineLevel.B_LTA
    assert sig.conformance.claimed is BaselineLevel.B_LTA and not sig.conformance.conforms


def test_extend_b_t_then_renew(
    tmp_path: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    target = tmp_path / "a.txt"
    target.write_text("a")
    signed = esig.sign_asic(
        [target], tmp_path / "t.asics", esig_trust_services.signer.device(), form="asics",
        level=BaselineLevel.B_T, timestamp=tsa,
    )  # fmt: skip
    anchors = [esig_trust_services.root_certificate]
    before = esig.verify_asic(signed.path, trust=anchors).signatures[0].conformance
    assert before is not None and before.reached is BaselineLevel.B_T and before.claimed is None
    assert [g.level for g in before.missing] == [BaselineLevel.B_LT]
    original = signed.path.read_bytes()
    first = esig.extend_asic(signed.path, tmp_path / "lta.asics", timestamp=tsa)
    assert signed.path.read_bytes() == original
    assert first.archive_manifest is None and first.timestamp_file == SIGNATURE
    assert first.extended_signatures == (SIGNATURE,) and not first.renewed
    second = esig.extend_asic(first.path, tmp_path / "renewed.asics", timestamp=tsa)
    assert second.renewed and second.extended_signatures == ()
    tokens = _archive_tokens(_read(second.path)[SIGNATURE])
    assert len(tokens) == 2
    # the first archive token got its TSA's validation data before the second covered it
    assert len(tokens[0]) > len(_archive_tokens(_read(first.path)[SIGNATURE])[0])
    report = esig.verify_asic(second.path, trust=anchors)
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_PASSED, [f.message for f in sig.findings]
    archive = [f for f in sig.findings if "archive-time-stamp-v3" in f.message]
    assert [f.outcome for f in archive] == [Outcome.PASSED, Outcome.PASSED]
    assert sig.conformance is not None and sig.conformance.reached is BaselineLevel.B_LTA


def test_dss_asic_s_b_lta_archive_timestamp_checks_out(tmp_path: Path) -> None:
    source = DATA / "dss1984.asics"
    report = esig.verify_asic(source)
    (sig,) = report.signatures
    archive = [f for f in sig.findings if f.check is CheckId.TIMESTAMP and "v3" in f.message]
    # DSS's PKI is not trusted here: the token is sound but indeterminate, never failed
    assert len(archive) == 1 and archive[0].outcome is Outcome.INDETERMINATE, archive
    assert archive[0].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    changed = tmp_path / "changed.asics"
    shutil.copy(source, changed)
    entries = _read(source)
    rewrite(source, changed, {"TEST-DOC.txt": entries["TEST-DOC.txt"] + b"!"})
    report = esig.verify_asic(changed)
    archive = [f for f in report.signatures[0].findings if "v3" in f.message]
    assert archive[0].outcome is Outcome.FAILED
    assert archive[0].sub_indication is SubIndication.HASH_FAILURE


def _pem_files(folder: Path, services: LocalTrustServices) -> tuple[Path, Path, Path, Path]:
    """The signer's key and certificate, its issuer and the root, as PEM files."""
    from cryptography.hazmat.primitives import serialization

    folder.mkdir(exist_ok=True)
    issued = services.signer
    files = {
        "key.pem": issued.private_key.private_bytes(
            Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "cert.pem": issued.certificate.public_bytes(Encoding.PEM),
        "chain.pem": services.intermediate_certificate.public_bytes(Encoding.PEM),
        "root.pem": services.root_certificate.public_bytes(Encoding.PEM),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    key, cert, chain, root = (folder / name for name in files)
    return key, cert, chain, root


def test_cli_signs_asics_at_b_lta_and_renews_it(
    tmp_path: Path, lta: Path, esig_trust_services: LocalTrustServices
) -> None:
    from tests.test_asic import esig_cli

    root = tmp_path / "root.pem"
    root.write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    renewed = tmp_path / "renewed.asics"
    done = esig_cli("extend", str(lta), "-o", str(renewed), "--level", "LTA",
                    "--tsa", esig_trust_services.tsa_url)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "Renewed the archive timestamp" in done.stdout
    assert "archive-time-stamp-v3 in META-INF/signature.p7s" in done.stdout
    assert len(_archive_tokens(_read(renewed)[SIGNATURE])) == 2
    done = esig_cli("verify", str(renewed), "--trust", str(root))
    assert done.returncode == 0, done.stdout
    assert "CAdES conformance: B-LTA reached" in done.stdout
    # --format asics --level B-LTA is offered, with CAdES and with XAdES
    (tmp_path / "a.txt").write_text("a")
    key, cert, chain, _ = _pem_files(tmp_path / "pem", esig_trust_services)
    common = ["--key", str(key), "--cert", str(cert), "--chain", str(chain),
              "--tsa", esig_trust_services.tsa_url, "--level", "B-LTA",
              "--trust", str(root)]  # fmt: skip
    out = tmp_path / "a.asics"
    done = esig_cli("sign", str(tmp_path / "a.txt"), "--format", "asics", "-o", str(out), *common)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "ASiC-S CAdES B-LTA" in done.stdout
    assert len(_archive_tokens(_read(out)[SIGNATURE])) == 1
    done = esig_cli("sign", str(tmp_path / "a.txt"), "--format", "asics-xades", "-o",
                    str(tmp_path / "x.asics"), *common)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    report = esig.verify_asic(tmp_path / "x.asics", trust=[root])
    assert report.passed, report.to_text()
    conformance = report.signatures[0].conformance
    assert conformance is not None and conformance.reached is BaselineLevel.B_LTA


def test_dss_asic_e_signature_with_its_own_archive_timestamp(tmp_path: Path) -> None:
    source = DATA / "asice-cades-lta-atst-v3.sce"
    report = esig.verify_asic(source)
    (sig,) = report.signatures
    archive = [f for f in sig.findings if "archive-time-stamp-v3" in f.message]
    assert len(archive) == 1 and archive[0].outcome is Outcome.INDETERMINATE, archive
    # DSS's PKI is not esig's: the imprint matches, the TSA is not trusted
    assert archive[0].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    manifest = "META-INF/ASiCManifest001.xml"
    text = _read(source)[manifest]
    changed = rewrite(
        source, tmp_path / "changed.sce", {manifest: text.replace(b"sample", b"Sample")}
    )
    archive = [
        f for f in esig.verify_asic(changed).signatures[0].findings if "time-stamp-v3" in f.message
    ]
    assert archive[0].outcome is Outcome.FAILED
    assert archive[0].sub_indication is SubIndication.HASH_FAILURE


def test_b_lta_signs_after_asn1crypto_cached_its_names(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    """asn1crypto caches its name-to-OID map on first use; esig registers its two
    attributes later, when it first signs at B-LTA, so it builds them by OID (found by
    benchmarks/asic.py, which signs detached CAdES first)."""
    import subprocess
    import sys

    key, cert, chain, root = _pem_files(tmp_path, esig_trust_services)
    (tmp_path / "a.txt").write_text("a")
    script = (
        "import sys\n"
        "from asn1crypto import cms\n"
        "import esig._pyhanko  # pyHanko registers its own attributes on import\n"
        "cms.CMSAttributeType('content_type')  # the name map is cached now\n"
        "import esig\n"
        "from esig.devices import SoftwareKey\n"
        "from esig.signing import BaselineLevel, TimestampService\n"
        "device = SoftwareKey.from_pem(sys.argv[1], sys.argv[2], sys.argv[6:])\n"
        "esig.sign_asic([sys.argv[3]], sys.argv[4], device, form='asics',\n"
        "    level=BaselineLevel.B_LTA, timestamp=TimestampService(url=sys.argv[5]))\n"
    )
    out = tmp_path / "a.asics"
    done = subprocess.run(
        [sys.executable, "-c", script, str(key), str(cert), str(tmp_path / "a.txt"), str(out),
         esig_trust_services.tsa_url, str(chain), str(root)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(_archive_tokens(_read(out)[SIGNATURE])) == 1
