"""PAdES baseline conformance (EN 319 142-1): the level a file claims and the level it meets.

Every document here is signed for real: by esig against certomancer's Animator
(``esig_trust_services``: TSA, OCSP, CRLs on 127.0.0.1), or by pyHanko where a test needs
a document esig would never make (validation data for the signer only, a signing-time
attribute in a PAdES CMS). The odd documents are first shown to be valid signatures to
poppler's ``pdfsig``, so what the conformance check finds is the only thing wrong with
them. Files made by others come from the shared corpus.
"""

from __future__ import annotations

import io
import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import CAdESSignedAttributeProviderSpec, CMSSignedAttributes
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from esig import BaselineConformance, GapCode, SignatureReport, VerificationReport
from esig.demo import sample_pdf
from esig.issuance import IssuedCertificate
from esig.law import ETSI
from esig.signing import PadesLevel, TimestampService, extend_pdf, sign_pdf
from esig.testing import require_tool
from esig.testing.services import LocalTrustServices
from esig.verification import verify_pdf

pytestmark = pytest.mark.real


# --- helpers -----------------------------------------------------------------------------


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _get(url: str, data: bytes | None = None) -> bytes:
    headers = {"Content-Type": "application/ocsp-request"} if data is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        body: bytes = response.read()
    return body


def _ocsp(services: LocalTrustServices, cert: x509.Certificate) -> asn1_ocsp.OCSPResponse:
    """A real OCSP response from the Animator's responder about ``cert``."""
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, services.intermediate_certificate, hashes.SHA256())
        .build()
    )
    answer = _get(services.ocsp_url, request.public_bytes(Encoding.DER))
    return asn1_ocsp.OCSPResponse.load(answer)


def _pdfsig_valid(path: Path) -> list[str]:
    """pdfsig's 'Signature Validation' line per signature field, in order."""
    done = subprocess.run(
        [require_tool("pdfsig"), str(path)], capture_output=True, text=True, check=False
    )
    return [
        line.strip().removeprefix("- Signature Validation: ")
        for line in done.stdout.splitlines()
        if "Signature Validation:" in line
    ]


def _document_timestamp_valid(path: Path, root: x509.Certificate) -> bool:
    with path.open("rb") as handle:
        (stamp,) = PdfFileReader(handle).embedded_timestamp_signatures
        context = ValidationContext(trust_roots=[_asn1(root)], allow_fetching=True)
        status = validate_pdf_timestamp(stamp, validation_context=context)
        return bool(status.intact and status.valid and status.trusted)


def _only(report: VerificationReport) -> BaselineConformance:
    (signature,) = report.signatures
    assert signature.conformance is not None
    return signature.conformance


def _conformance(signature: SignatureReport) -> BaselineConformance:
    assert signature.conformance is not None
    return signature.conformance


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tsa(esig_trust_services: LocalTrustServices) -> TimestampService:
    return TimestampService(url=esig_trust_services.tsa_url, timeout=10)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("conformance")
    (path / "sample.pdf").write_bytes(sample_pdf())
    return path


@pytest.fixture(scope="module")
def signed(
    folder: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> dict[PadesLevel, Path]:
    """The sample signed by esig once at each level."""
    device = esig_trust_services.signer.device()
    made = {}
    for level in PadesLevel:
        out = folder / f"{level.value}.pdf"
        sign_pdf(
            folder / "sample.pdf",
            out,
            device,
            level=level,
            timestamp=tsa if level.timestamped else None,
        )
        made[level] = out
    return made


def _lta_with_chosen_validation_data(
    source: Path, out: Path, services: LocalTrustServices, *, with_tsa_data: bool
) -> Path:
    """B-T → a DSS with the signer's validation data (and the TSA's, if asked) → a doc TS.

    Built with pyHanko's own DSS API: the signer's chain, an OCSP response about the
    signer (and, with ``with_tsa_data``, about the TSA), the root's CRL for the
    intermediate. The intermediate's CRL is left out on purpose: it would cover the
    TSA's certificate too.
    """
    chain = [services.signer.certificate, services.intermediate_certificate]
    chain.append(services.root_certificate)
    ocsps = [_ocsp(services, services.signer.certificate)]
    certs = [_asn1(c) for c in chain]
    if with_tsa_data:
        ocsps.append(_ocsp(services, services.tsa_certificate))
        certs.append(_asn1(services.tsa_certificate))
    root_crl = asn1_crl.CertificateList.load(_get(services.root_crl_url))
    buffer = io.BytesIO(source.read_bytes())
    signature = PdfFileReader(buffer).embedded_regular_signatures[0]
    DocumentSecurityStore.add_dss(
        buffer, signature.pkcs7_content, certs=certs, ocsps=ocsps, crls=[root_crl]
    )
    stamper = signers.PdfTimeStamper(timestamper=HTTPTimeStamper(services.tsa_url))
    with out.open("wb") as handle:
        stamper.timestamp_pdf(IncrementalPdfFileWriter(buffer), "sha256", output=handle)
    return out


def _pyhanko_signer(issued: IssuedCertificate) -> signers.SimpleSigner:
    key = issued.private_key.private_bytes(  # type: ignore[union-attr]
        Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=_asn1(issued.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in issued.chain]),
    )


def _pades_by_pyhanko(folder: Path, issued: IssuedCertificate, *, signing_time: bool) -> Path:
    """A PAdES (ETSI.CAdES.detached) signature by pyHanko, with or without signing-time."""
    signer = _pyhanko_signer(issued)
    if signing_time:
        # CAdES' attribute set (signing-time included) in a PAdES signature.
        signer.signed_attr_prov_spec = CAdESSignedAttributeProviderSpec(
            attr_settings=CMSSignedAttributes(),
            signing_cert=signer.signing_cert,
            is_pades=False,
            timestamper=None,
        )
    out = folder / f"pyhanko-signing-time-{signing_time}.pdf"
    writer = IncrementalPdfFileWriter(io.BytesIO(sample_pdf()))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    with out.open("wb") as handle:
        signers.sign_pdf(writer, meta, signer=signer, output=handle)
    return out


# --- each level, as esig makes it ----------------------------------------------------------


@pytest.mark.parametrize("level", list(PadesLevel))
def test_each_level_claims_and_reaches_itself(
    level: PadesLevel, signed: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    report = verify_pdf(signed[level], trust=[esig_trust_services.root_certificate])
    conformance = _only(report)
    assert (conformance.claimed, conformance.reached) == (level, level)
    assert conformance.missing == ()
    assert conformance.conforms
    assert conformance.summary == f"{level.value} reached"
    assert f"PAdES conformance: {level.value} reached" in report.to_text()


def test_the_b_b_signature_has_no_signing_time_and_has_m(
    signed: dict[PadesLevel, Path],
) -> None:
    """pyHanko's reading of the same file agrees with what the check relies on."""
    with signed[PadesLevel.B_B].open("rb") as handle:
        sig = PdfFileReader(handle).embedded_regular_signatures[0]
        names = {a["type"].native for a in sig.signer_info["signed_attrs"]}
        assert "signing_time" not in names
        assert {"content_type", "message_digest", "signing_certificate_v2"} <= names
        assert "/M" in sig.sig_object


def test_extending_b_t_raises_the_level(
    signed: dict[PadesLevel, Path],
    folder: Path,
    tsa: TimestampService,
    esig_trust_services: LocalTrustServices,
) -> None:
    root = esig_trust_services.root_certificate
    lt = extend_pdf(signed[PadesLevel.B_T], folder / "bt-to-lt.pdf", level=PadesLevel.B_LT)
    assert _only(verify_pdf(lt.path, trust=[root])).reached is PadesLevel.B_LT
    lta = extend_pdf(lt.path, folder / "lt-to-lta.pdf", timestamp=tsa)
    assert _only(verify_pdf(lta.path, trust=[root])).reached is PadesLevel.B_LTA
    renewed = extend_pdf(lta.path, folder / "renewed.pdf", timestamp=tsa)
    assert renewed.document_timestamps == 2
    conformance = _only(verify_pdf(renewed.path, trust=[root]))
    assert (conformance.claimed, conformance.reached) == (PadesLevel.B_LTA, PadesLevel.B_LTA)


# --- a B-LTA document whose DSS lacks the TSA's revocation data -----------------------------


def test_lta_without_the_tsa_revocation_data_reaches_only_b_t(
    signed: dict[PadesLevel, Path], folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    path = _lta_with_chosen_validation_data(
        signed[PadesLevel.B_T], folder / "lta-no-tsa-data.pdf", services, with_tsa_data=False
    )
    # A real signature (pdfsig) and a real document timestamp (pyHanko; pdfsig does not
    # check document timestamps).
    assert _pdfsig_valid(path)[0] == "Signature is Valid."
    assert _document_timestamp_valid(path, services.root_certificate)

    report = verify_pdf(path, trust=[services.root_certificate])
    conformance = _only(report)
    assert (conformance.claimed, conformance.reached) == (PadesLevel.B_LTA, PadesLevel.B_T)
    assert not conformance.conforms
    tsa_name = services.tsa_certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[
        0
    ].value
    lt_gaps = [g for g in conformance.missing if g.level is PadesLevel.B_LT]
    assert [g.code for g in lt_gaps] == [GapCode.REVOCATION_MISSING]
    assert lt_gaps[0].message == (
        f"the DSS has no revocation data (OCSP response or CRL) for the TSA certificate "
        f"'CN={tsa_name}'"
    )
    assert lt_gaps[0].citation == ETSI.CLAUSE_6_3
    lta_gaps = [g for g in conformance.missing if g.level is PadesLevel.B_LTA]
    assert [g.code for g in lta_gaps] == [GapCode.ARCHIVE_DATA_INCOMPLETE]
    assert lta_gaps[0].citation == ETSI.CLAUSE_6_3_Y
    # Nothing is said about the signer: its data is there.
    assert all("signer" not in g.message for g in conformance.missing)
    text = report.to_text()
    assert "PAdES conformance: B-T reached; claims B-LTA: the DSS has no revocation data" in text
    assert f"TSA certificate &#x27;CN={tsa_name}&#x27;" in report.to_html()


def test_the_same_construction_with_the_tsa_data_reaches_b_lta(
    signed: dict[PadesLevel, Path], folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    path = _lta_with_chosen_validation_data(
        signed[PadesLevel.B_T], folder / "lta-with-tsa-data.pdf", services, with_tsa_data=True
    )
    conformance = _only(verify_pdf(path, trust=[services.root_certificate]))
    assert (conformance.claimed, conformance.reached) == (PadesLevel.B_LTA, PadesLevel.B_LTA)
    assert conformance.missing == ()


def test_a_trust_anchor_needs_no_revocation_data(
    signed: dict[PadesLevel, Path], folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    """The intermediate, given as trust anchor, needs no CRL; a leaf still needs its data."""
    services = esig_trust_services
    path = _lta_with_chosen_validation_data(
        signed[PadesLevel.B_T], folder / "lta-anchor.pdf", services, with_tsa_data=False
    )
    conformance = _only(verify_pdf(path, trust=[services.intermediate_certificate]))
    assert conformance.reached is PadesLevel.B_T
    assert [g.code for g in conformance.missing if g.level is PadesLevel.B_LT] == [
        GapCode.REVOCATION_MISSING
    ]


# --- B-B requirements -------------------------------------------------------------------------


def test_a_signing_time_attribute_breaks_b_b(
    folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    path = _pades_by_pyhanko(folder, esig_trust_services.signer, signing_time=True)
    assert _pdfsig_valid(path) == ["Signature is Valid."]
    with path.open("rb") as handle:
        sig = PdfFileReader(handle).embedded_regular_signatures[0]
        assert "signing_time" in {a["type"].native for a in sig.signer_info["signed_attrs"]}

    conformance = _only(verify_pdf(path, trust=[esig_trust_services.root_certificate]))
    assert conformance.claimed is PadesLevel.B_B
    assert conformance.reached is None
    assert [g.code for g in conformance.missing] == [GapCode.SIGNING_TIME]
    assert "signing-time attribute" in conformance.missing[0].message
    assert conformance.summary.startswith("no baseline level reached; claims B-B: the CMS ")


def test_the_same_pyhanko_signature_without_signing_time_is_b_b(
    folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    path = _pades_by_pyhanko(folder, esig_trust_services.signer, signing_time=False)
    conformance = _only(verify_pdf(path, trust=[esig_trust_services.root_certificate]))
    assert (conformance.claimed, conformance.reached) == (PadesLevel.B_B, PadesLevel.B_B)


# --- several signatures, each judged on its own --------------------------------------------


def test_each_signature_of_a_document_gets_its_own_verdict(
    signed: dict[PadesLevel, Path], folder: Path, esig_trust_services: LocalTrustServices
) -> None:
    services = esig_trust_services
    second = folder / "lt-then-b-b.pdf"
    sign_pdf(signed[PadesLevel.B_LT], second, services.signer.device(), level=PadesLevel.B_B)
    report = verify_pdf(second, trust=[services.root_certificate])
    first, last = (_conformance(s) for s in report.signatures)
    assert (first.claimed, first.reached) == (PadesLevel.B_LT, PadesLevel.B_LT)
    # The DSS was written before the second signature: it claims nothing for it.
    assert (last.claimed, last.reached) == (PadesLevel.B_B, PadesLevel.B_B)


def test_json_round_trip_keeps_the_conformance(
    signed: dict[PadesLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    report = verify_pdf(signed[PadesLevel.B_LT], trust=[esig_trust_services.root_certificate])
    data = json.loads(report.model_dump_json())
    (signature,) = data["signatures"]
    assert signature["conformance"]["reached"] == "B-LT"
    assert signature["conformance"]["summary"] == "B-LT reached"
    assert VerificationReport.model_validate_json(report.model_dump_json()) == report


# --- files made by others ---------------------------------------------------------------------


def test_pkcs7_signatures_are_not_pades_baseline(corpus: Path) -> None:
    report = verify_pdf(corpus / "revisions" / "two-fields-signed-twice-adobe.pdf")
    assert len(report.signatures) == 2
    for signature in report.signatures:
        conformance = _conformance(signature)
        assert (conformance.claimed, conformance.reached, conformance.missing) == (None, None, ())
        assert not conformance.is_baseline
        assert conformance.summary.startswith("not a PAdES baseline signature (PKCS#7/adbe")
    assert "PAdES conformance: not a PAdES baseline signature" in report.to_text()


def test_the_belgian_eid_document(corpus: Path) -> None:
    """Claims B-LTA (signature timestamp, DSS, document timestamp over it), but the DSS
    has no revocation data for the TSA's issuing CA: B-T is what it fully meets."""
    report = verify_pdf(corpus / "dss" / "belgian_pki_multiple_ocsps.pdf")
    conformance = _only(report)
    assert (conformance.claimed, conformance.reached) == (PadesLevel.B_LTA, PadesLevel.B_T)
    (lt_gap,) = [g for g in conformance.missing if g.level is PadesLevel.B_LT]
    assert lt_gap.code is GapCode.REVOCATION_MISSING
    assert "'CN=Universign Timestamping CA' in the TSA's chain" in lt_gap.message
    # The signer's own chain (Citizen CA) is covered by the embedded OCSP responses.
    assert all("signer" not in g.message for g in conformance.missing)


def test_a_dss_sample_signature_is_b_b(corpus: Path) -> None:
    conformance = _only(verify_pdf(corpus / "dss" / "pdf-signed-original.pdf"))
    assert (conformance.claimed, conformance.reached) == (PadesLevel.B_B, PadesLevel.B_B)
