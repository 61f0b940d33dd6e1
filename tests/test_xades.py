"""XAdES for XML documents: signed with every device kind, judged by signxml and xmlsec1.

The wrapping attacks are built from genuinely signed documents (signed by signxml with a
reference to an element's Id, as other signers do), then rearranged the way an attacker
would; each keeps a signature value that verifies, and each must fail by name.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree  # type: ignore[import-untyped]
from signxml import CanonicalizationMethod, SignatureReference, XMLVerifier
from signxml.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

import esig
from esig.errors import InputError
from esig.issuance import IssuedCertificate, KeyType, TestPKI
from esig.signing import BaselineLevel, TimestampService
from esig.testing import require_tool
from esig.testing.services import LocalTrustServices
from esig.verification import Attack, CheckId, Outcome, SigningTimeSource, SubIndication

if TYPE_CHECKING:
    from esig.devices.base import SignatureCreationDevice
    from esig.testing.csc import LocalCscService
    from esig.testing.softhsm import SoftHsmToken

DS = "http://www.w3.org/2000/09/xmldsig#"
DATA = Path(__file__).parent / "data" / "xades"
INVOICE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<invoice xmlns="urn:example:invoice" number="2024-17">\n'
    b'  <buyer>Bob</buyer>\n  <total currency="EUR">12.50</total>\n</invoice>\n'
)


@pytest.fixture
def invoice(tmp_path: Path) -> Path:
    path = tmp_path / "invoice.xml"
    path.write_bytes(INVOICE)
    return path


def pem(tmp_path: Path, *certs: object) -> Path:
    path = tmp_path / f"certs-{len(list(tmp_path.iterdir()))}.pem"
    path.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in certs))  # type: ignore[attr-defined]
    return path


def xmlsec_verify(
    signed: Path, root: Path, intermediates: Path
) -> subprocess.CompletedProcess[str]:
    """xmlsec1 --verify; a detached signature's relative URI resolves against its folder."""
    return subprocess.run(
        [
            require_tool("xmlsec1"), "--verify", "--trusted-pem", str(root),
            "--untrusted-pem", str(intermediates), "--id-attr:Id", "SignedProperties",
            "--id-attr:Id", "KeyInfo", str(signed),
        ],
        cwd=signed.parent,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def sign_and_judge(
    tmp_path: Path,
    source: Path,
    device: SignatureCreationDevice,
    root: object,
    *,
    level: BaselineLevel = BaselineLevel.B_B,
    timestamp: TimestampService | None = None,
) -> Path:
    """Sign enveloped, then let signxml and xmlsec1 judge the result."""
    out = tmp_path / f"signed-{level.value}.xml"
    made = esig.sign_xml(source, out, device, level=level, timestamp=timestamp)
    assert made.path == out and made.size == out.stat().st_size and made.level is level
    assert source.read_bytes() == INVOICE
    data = out.read_bytes()
    results = XAdESVerifier().verify(
        data, x509_cert=device.certificate, expect_config=XAdESSignatureConfiguration()
    )
    assert b"12.50" in results[0].signed_data
    done = xmlsec_verify(out, pem(tmp_path, root), pem(tmp_path, *device.chain))
    assert done.returncode == 0, done.stderr
    assert "SignedInfo References (ok/all): 3/3" in done.stderr
    return out


# --- round trips with each device kind ------------------------------------------------------


@pytest.mark.parametrize("key_type", [KeyType.RSA_2048, KeyType.EC_P256])
def test_software_key_round_trip(tmp_path: Path, invoice: Path, key_type: KeyType) -> None:
    pki = TestPKI(key_type)
    signer = pki.issue_person("Anna", "de Vries")
    out = sign_and_judge(tmp_path, invoice, signer.device(), pki.root.certificate)
    report = esig.verify_xml(out, trust=[pki.root.certificate])
    assert report.passed, report.to_text()
    (sig,) = report.signatures
    assert sig.signer is not None and sig.signer.display == "Anna de Vries"
    assert sig.signing_time_source is SigningTimeSource.CLAIMED
    (covered,) = sig.find(CheckId.SIGNED_DATA)
    assert "the whole document except its own signature" in covered.message
    assert sig.level.eidas_level.value == "AES"
    # the signed document is the input with a signature, nothing else changed
    assert b'<total currency="EUR">12.50</total>' in out.read_bytes()


def test_changed_content_is_a_hash_failure(tmp_path: Path, invoice: Path) -> None:
    pki = TestPKI()
    device = pki.issue_person("Anna", "de Vries").device()
    out = tmp_path / "signed.xml"
    esig.sign_xml(invoice, out, device)
    out.write_bytes(out.read_bytes().replace(b"12.50", b"99.50"))
    report = esig.verify_xml(out, trust=[pki.root.certificate])
    assert not report.passed
    assert report.signatures[0].sub_indication is SubIndication.HASH_FAILURE
    with pytest.raises(Exception, match="Digest mismatch"):
        XAdESVerifier().verify(out.read_bytes(), x509_cert=device.certificate)


@pytest.mark.real
def test_b_t_carries_a_timestamp_over_the_signature_value(
    tmp_path: Path, invoice: Path, esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    device = services.signer.device()
    tsa = TimestampService(url=services.tsa_url)
    out = sign_and_judge(
        tmp_path, invoice, device, services.root_certificate, level=BaselineLevel.B_T, timestamp=tsa
    )
    report = esig.verify_xml(out, trust=[services.root_certificate], allow_fetching=True)
    assert report.passed, report.to_text()
    (sig,) = report.signatures
    assert sig.signing_time_source is SigningTimeSource.TIMESTAMP
    (stamp,) = sig.find(CheckId.TIMESTAMP)
    assert stamp.outcome is Outcome.PASSED
    # the timestamp covers the signature value: change it and the timestamp no longer matches
    root = etree.fromstring(out.read_bytes())
    value = root.find(f".//{{{DS}}}SignatureValue")
    value.text = value.text[:-4] + ("AAA=" if not value.text.endswith("AAA=") else "BBB=")
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(etree.tostring(root))
    report = esig.verify_xml(tampered, trust=[services.root_certificate], allow_fetching=True)
    assert not report.passed
    assert report.signatures[0].find(CheckId.TIMESTAMP)[0].outcome is not Outcome.PASSED


def test_b_t_and_up_need_their_service(tmp_path: Path, invoice: Path) -> None:
    device = TestPKI().issue_person("Anna", "de Vries").device()
    with pytest.raises(InputError):
        esig.sign_xml(invoice, tmp_path / "a.xml", device, level=BaselineLevel.B_T)
    with pytest.raises(InputError, match="time-stamping service"):
        esig.sign_xml(invoice, tmp_path / "b.xml", device, level=BaselineLevel.B_LTA)
    with pytest.raises(InputError, match="packaging"):
        esig.sign_xml(invoice, tmp_path / "c.xml", device, packaging="enveloping")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoice.xml"]


@pytest.mark.real
@pytest.mark.parametrize("key_label", ["rsa-signer", "ec-signer"])
def test_pkcs11_token_signs_xades(
    tmp_path: Path, invoice: Path, esig_softhsm_token: SoftHsmToken, key_label: str
) -> None:
    root = esig_softhsm_token.chain[-1]
    with esig_softhsm_token.open_device(key_label) as device:
        out = sign_and_judge(tmp_path, invoice, device, root)
    report = esig.verify_xml(out, trust=[root])
    assert report.passed, report.to_text()


@pytest.mark.real
def test_remote_csc_credential_signs_xades(
    tmp_path: Path, invoice: Path, esig_csc_server: LocalCscService
) -> None:
    server = esig_csc_server
    device = server.device(server.ec_credential_id)
    out = sign_and_judge(tmp_path, invoice, device, server.root_certificate)
    report = esig.verify_xml(out, trust=[server.root_certificate], allow_fetching=True)
    assert report.passed, report.to_text()


# --- detached -------------------------------------------------------------------------------


def test_detached_signature_names_the_file_and_its_digest(tmp_path: Path) -> None:
    pki = TestPKI()
    device = pki.issue_person("Anna", "de Vries").device()
    content = tmp_path / "contract v2.pdf"
    content.write_bytes(os.urandom(3 * (1 << 20) + 17))
    sig = tmp_path / "contract.xades.xml"
    made = esig.sign_xml(content, sig, device, packaging="detached")
    assert made.packaging is esig.XadesPackaging.DETACHED
    root = etree.fromstring(sig.read_bytes())
    assert root.tag == f"{{{DS}}}Signature"
    uris = [r.get("URI") for r in root.iter(f"{{{DS}}}Reference")]
    assert uris[0] == "contract%20v2.pdf"
    assert b"application/pdf" in sig.read_bytes()  # DataObjectFormat's MimeType
    data = content.read_bytes()
    XAdESVerifier().verify(
        sig.read_bytes(), x509_cert=device.certificate, uri_resolver=lambda _: data
    )
    done = xmlsec_verify(sig, pem(tmp_path, pki.root.certificate), pem(tmp_path, *device.chain))
    assert done.returncode == 0, done.stderr
    report = esig.verify_xml(sig, trust=[pki.root.certificate], detached_content=content)
    assert report.passed, report.to_text()
    assert "contract v2.pdf" in report.signatures[0].find(CheckId.SIGNED_DATA)[0].message
    missing = esig.verify_xml(sig, trust=[pki.root.certificate])
    assert missing.signatures[0].sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    content.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    changed = esig.verify_xml(sig, trust=[pki.root.certificate], detached_content=content)
    assert changed.signatures[0].sub_indication is SubIndication.HASH_FAILURE


# --- the parser: no entities, no DTD --------------------------------------------------------

XXE = b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>\n'


def test_entities_and_dtds_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "xxe.xml"
    bad.write_bytes(XXE)
    device = TestPKI().issue_person("Anna", "de Vries").device()
    with pytest.raises(InputError, match="DTD"):
        esig.sign_xml(bad, tmp_path / "out.xml", device)
    with pytest.raises(InputError, match="DTD"):
        esig.verify_xml(bad)
    with pytest.raises(InputError, match="not well-formed"):
        esig.verify_xml(b"<r><unclosed></r>")


def test_a_signed_document_is_not_signed_again(tmp_path: Path, invoice: Path) -> None:
    device = TestPKI().issue_person("Anna", "de Vries").device()
    esig.sign_xml(invoice, tmp_path / "once.xml", device)
    with pytest.raises(InputError, match="already carries"):
        esig.sign_xml(tmp_path / "once.xml", tmp_path / "twice.xml", device)


# --- XML signature wrapping -----------------------------------------------------------------

EXCLUSIVE = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
ORDER = (
    b'<orders xmlns="urn:example:orders"><order Id="o1"><item>1 chair</item>'
    b"<price>49</price></order><note>deliver Monday</note></orders>"
)


@pytest.fixture
def signed_by_id() -> tuple[bytes, TestPKI, IssuedCertificate]:
    """A genuinely signed document whose data reference names one element: URI="#o1"."""
    pki = TestPKI()
    signer = pki.issue_person("Anna", "de Vries")
    root = etree.fromstring(ORDER)
    signed = XAdESSigner().sign(
        root,
        key=signer.private_key,
        cert=[signer.certificate, *signer.chain],
        # exclusive canonicalisation: the element's digest survives a move (as attackers need)
        reference_uri=[SignatureReference(URI="#o1", c14n_method=EXCLUSIVE)],
        always_add_key_value=False,
    )
    return etree.tostring(signed), pki, signer


def _attacked(data: bytes, attack: str) -> bytes:
    root = etree.fromstring(data)
    ns = "{urn:example:orders}"
    order = root.find(f"{ns}order")
    signature = root.find(f"{{{DS}}}Signature")
    forged = etree.fromstring(
        b'<order xmlns="urn:example:orders"><item>100 chairs</item><price>4900</price></order>'
    )
    if attack == "duplicate id":
        forged.set("Id", "o1")
        root.insert(0, forged)
    elif attack == "moved into object":
        # as an attacker writes it: the moved element declares its own namespace, so that
        # it digests the same once the enveloped-signature transform detaches the signature
        moved = etree.tostring(order, method="c14n", exclusive=True)
        root.replace(order, forged)
        text = etree.tostring(root)
        return text.replace(
            b"</ds:Signature>", b"<ds:Object>" + moved + b"</ds:Object></ds:Signature>"
        )
    elif attack == "moved to other parent":
        root.replace(order, forged)
        archive = etree.SubElement(root, f"{ns}archive")
        archive.append(order)
    elif attack == "unresolved":
        del order.attrib["Id"]
        order.set("Ref", "o1")
    elif attack == "two signatures":
        root.append(copy.deepcopy(signature))
    else:  # pragma: no cover
        raise AssertionError(attack)
    return etree.tostring(root)


def test_the_genuine_id_signature_passes(signed_by_id: tuple[bytes, TestPKI, object]) -> None:
    data, pki, _ = signed_by_id
    report = esig.verify_xml(data, trust=[pki.root.certificate])
    assert report.passed, report.to_text()
    (covered,) = report.signatures[0].find(CheckId.SIGNED_DATA)
    assert "the element /orders/order only" in covered.message


@pytest.mark.parametrize(
    ("attack", "named"),
    [
        ("duplicate id", "a second element carries the signed Id"),
        ("moved into object", "the signed element was moved"),
        ("moved to other parent", "the signed element was moved"),
        ("unresolved", "a reference resolves to nothing"),
        ("two signatures", "more than one signature"),
    ],
)
def test_wrapping_is_named_and_fails(
    signed_by_id: tuple[bytes, TestPKI, IssuedCertificate], attack: str, named: str
) -> None:
    data, pki, signer = signed_by_id
    attacked = _attacked(data, attack)
    report = esig.verify_xml(attacked, trust=[pki.root.certificate])
    assert not report.passed
    (sig, *_) = report.signatures
    (finding,) = sig.find(CheckId.SIGNED_DATA)
    assert finding.outcome is Outcome.FAILED
    assert finding.attack is Attack.XML_SIGNATURE_WRAPPING
    assert named in finding.message
    if attack in {"moved into object", "moved to other parent"}:
        # the moved element keeps its digest: the cryptography alone passes it
        signxml_view = XMLVerifier().verify(
            attacked, x509_cert=signer.certificate, expect_config=XAdESSignatureConfiguration()
        )
        assert any(b"1 chair" in r.signed_data for r in signxml_view)
        assert sig.find(CheckId.INTEGRITY)[0].outcome is Outcome.PASSED
        assert b"100 chairs" in attacked  # what a consumer reading /orders/order sees


# --- DSS's test files -------------------------------------------------------------------------


def test_dss_files_are_judged_as_dss_judges_them() -> None:
    """tests/data/xades/README.md: the files and the DSS tests that state the expectations."""
    valid = esig.verify_xml(DATA / "dss-signed.xml").signatures[0]
    assert valid.find(CheckId.INTEGRITY)[0].outcome is Outcome.PASSED
    assert valid.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND  # no anchor given
    no_ref = esig.verify_xml(DATA / "dss-signed-altered-refRemoved.xml").signatures[0]
    assert no_ref.find(CheckId.SIGNED_DATA)[0].sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    assert no_ref.sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    no_props = esig.verify_xml(DATA / "dss-signed-altered-signedPropsRemoved.xml").signatures[0]
    assert no_props.indication.value == "TOTAL-FAILED"
    assert no_props.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


# --- the command line -------------------------------------------------------------------------


def esig_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ESIG_PASSPHRASE": "test-passphrase"},
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_cli_sign_xades_then_verify_by_content(tmp_path: Path, invoice: Path) -> None:
    pki = TestPKI()
    signer = pki.issue_person("Anna", "de Vries")
    paths = pki.write(tmp_path / "pki", signer, b"test-passphrase")
    out = tmp_path / "invoice-signed.dat"  # the name says nothing: the content is sniffed
    done = esig_cli(
        "sign", str(invoice), "--format", "xades", "-o", str(out),
        "--p12", str(paths["signer_p12"]),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "XADES B-B" in done.stdout
    done = esig_cli("verify", str(out), "--trust", str(paths["root"]))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert "TOTAL-PASSED" in done.stdout
    out.write_bytes(out.read_bytes().replace(b"12.50", b"99.50"))
    done = esig_cli("verify", str(out), "--trust", str(paths["root"]))
    assert done.returncode == 1
    assert "HASH_FAILURE" in done.stdout
    (tmp_path / "xxe.xml").write_bytes(XXE)
    done = esig_cli("verify", str(tmp_path / "xxe.xml"))
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error:") and "DTD" in done.stderr
    done = esig_cli("sign", str(invoice), "--format", "xades", "-o", str(out), "--level", "B-LT")
    assert done.returncode == 2
