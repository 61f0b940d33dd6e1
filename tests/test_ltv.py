"""PAdES B-T, B-LT and B-LTA against real local services; extending signed PDFs; faults.

The TSA, OCSP responder and CRLs are certomancer's Animator on 127.0.0.1
(``esig_trust_services``). Every result is judged three times: by esig, by pyHanko's
validator (offline, from the document security store alone), and by poppler's pdfsig.
Faults come from a real HTTP server that misbehaves on purpose (``tests/_faulty.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from esig.demo import sample_pdf
from esig.devices.base import DeviceEvidence, DeviceKind, DigestAlgorithm
from esig.devices.software import SoftwareKey
from esig.errors import InputError, ServiceError, ServiceKind
from esig.signing import (
    BaselineLevel,
    BaselineRequest,
    PadesLevel,
    TimestampService,
    ValidationServices,
    extend_pdf,
    sign_pdf,
    sign_pdf_bytes,
)
from esig.signing.batch import sign_many
from esig.testing import require_tool
from esig.testing.services import LocalTrustServices
from esig.verification import SubIndication, verify_pdf
from tests._faulty import closed_port_url, device_pointing_at, misbehaving_server

pytestmark = pytest.mark.real

LEVELS = (PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA)


# --- judges -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PyHankoView:
    """What pyHanko says about a PDF, validating offline from its DSS only."""

    signatures_ok: tuple[bool, ...]
    signature_timestamps_trusted: tuple[bool, ...]
    document_timestamps_ok: tuple[bool, ...]
    dss_certs: int
    dss_ocsps: int
    dss_crls: int
    lta_passed: bool


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


async def _pyhanko_view(path: Path, root: x509.Certificate) -> PyHankoView:
    with path.open("rb") as handle:
        reader = PdfFileReader(handle)
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except NoDSSFoundError:
            # No validation data in the document (B-B, B-T): fetch it, as any validator would.
            counts = (0, 0, 0)
            context = ValidationContext(trust_roots=[_asn1(root)], allow_fetching=True)
        else:
            counts = (len(dss.certs), len(dss.ocsps), len(dss.crls))
            context = dss.as_validation_context(
                {
                    "trust_roots": [_asn1(root)],
                    "allow_fetching": False,
                    "revocation_mode": "hard-fail",
                }
            )
        signatures, stamps = [], []
        for sig in reader.embedded_regular_signatures:
            status = await async_validate_pdf_signature(sig, context, context)
            signatures.append(status.bottom_line)
            ts = status.timestamp_validity
            stamps.append(bool(ts is not None and ts.intact and ts.valid and ts.trusted))
        doc_stamps = []
        for ts_sig in reader.embedded_timestamp_signatures:
            ts_status = await async_validate_pdf_timestamp(ts_sig, validation_context=context)
            doc_stamps.append(ts_status.intact and ts_status.valid and ts_status.trusted)
        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=[_asn1(root)]),
            revinfo_policy=CertRevTrustPolicy(
                RevocationCheckingPolicy(
                    ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                    intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                )
            ),
        )
        spec = PdfSignatureValidationSpec(
            SignatureValidationSpec(
                cert_validation_policy=policy,
                revinfo_gathering_policy=RevocationInfoGatheringSpec(
                    online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
                ),
            )
        )
        lta = await ades_lta_validation(reader.embedded_regular_signatures[0], spec)
        return PyHankoView(
            signatures_ok=tuple(signatures),
            signature_timestamps_trusted=tuple(stamps),
            document_timestamps_ok=tuple(doc_stamps),
            dss_certs=counts[0],
            dss_ocsps=counts[1],
            dss_crls=counts[2],
            lta_passed=lta.ades_subindic.status is AdESStatus.PASSED,
        )


def pyhanko_view(path: Path, root: x509.Certificate) -> PyHankoView:
    return asyncio.run(_pyhanko_view(path, root))


def pdfsig_verdicts(path: Path) -> list[str]:
    """pdfsig's 'Signature Validation' line for each regular signature."""
    done = subprocess.run(
        [require_tool("pdfsig"), str(path)], capture_output=True, text=True, check=False
    )
    lines = [ln.strip() for ln in done.stdout.splitlines()]
    verdicts = []
    for index, line in enumerate(lines):
        if line.startswith("- Signature Type:") and "unknown" not in line:
            verdicts += [
                ln.removeprefix("- Signature Validation: ")
                for ln in lines[index:]
                if ln.startswith("- Signature Validation:")
            ][:1]
    return verdicts


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tsa(esig_trust_services: LocalTrustServices) -> TimestampService:
    return TimestampService(url=esig_trust_services.tsa_url, timeout=10)


@pytest.fixture(scope="module")
def signed(
    tmp_path_factory: pytest.TempPathFactory,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> dict[BaselineLevel, Path]:
    """The sample PDF signed once at each level (B-B included)."""
    folder = tmp_path_factory.mktemp("ltv")
    source = folder / "sample.pdf"
    source.write_bytes(sample_pdf())
    device = esig_trust_services.signer.device()
    made = {}
    for level in PadesLevel:
        out = folder / f"{level.value}.pdf"
        result = sign_pdf(
            source,
            out,
            device,
            level=level,
            timestamp=tsa if level.timestamped else None,
            reason="LTV test",
        )
        assert result.level is level
        made[level] = out
    return made


# --- batches ------------------------------------------------------------------------------


def test_a_batch_at_b_lt_embeds_validation_data_in_every_document(
    tmp_path: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    source = tmp_path / "sample.pdf"
    source.write_bytes(sample_pdf())
    pairs = [(source, tmp_path / f"out-{i}.pdf") for i in range(3)]
    results = sign_many(
        pairs, esig_trust_services.signer.device(), level=PadesLevel.B_LT, timestamp=tsa
    )
    assert [r.ok for r in results] == [True, True, True], [r.error for r in results]
    for result in results:
        assert result.document is not None and result.document.level is PadesLevel.B_LT
        report = verify_pdf(result.output, trust=[esig_trust_services.root_certificate])
        assert report.passed, report.to_text()
        (signature,) = report.signatures
        assert signature.signing_time_source.value == "timestamp"
        assert asyncio.run(
            _pyhanko_view(result.output, esig_trust_services.root_certificate)
        ).dss_ocsps


def test_a_batch_at_b_t_without_tsa_is_refused_before_any_document_is_read(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    def pairs() -> Iterator[tuple[Path, Path]]:
        raise AssertionError("no document may be read before the request is checked")
        yield tmp_path / "a.pdf", tmp_path / "b.pdf"

    with pytest.raises(InputError, match="time-stamping service"):
        sign_many(pairs(), esig_trust_services.signer.device(), level=PadesLevel.B_T)


# --- the request is checked first ---------------------------------------------------------


def test_levels_parse_forgivingly() -> None:
    assert BaselineLevel("LTA") is BaselineLevel.B_LTA
    assert BaselineLevel("b_lt") is BaselineLevel.B_LT
    assert PadesLevel("B-T") is BaselineLevel.B_T
    assert [lvl.rank for lvl in BaselineLevel] == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        BaselineLevel("C")


@pytest.mark.parametrize("level", LEVELS)
def test_a_timestamped_level_without_tsa_fails_when_built(level: BaselineLevel) -> None:
    with pytest.raises(InputError, match="needs a time-stamping service"):
        BaselineRequest(level=level)


def test_services_the_level_does_not_use_are_refused() -> None:
    tsa = TimestampService(url="http://127.0.0.1:9/tsa")
    with pytest.raises(InputError, match="uses none"):
        BaselineRequest(level=BaselineLevel.B_B, timestamp=tsa)
    with pytest.raises(InputError, match="embeds no validation data"):
        BaselineRequest(level=BaselineLevel.B_T, timestamp=tsa, validation=ValidationServices())
    with pytest.raises(InputError, match="http"):
        TimestampService(url="ftp://example.org/tsa")


class _MustNotSign(SoftwareKey):
    def sign_digest(self, digest: bytes, algorithm: DigestAlgorithm) -> bytes:
        raise AssertionError("the device was used although the request was invalid")

    @property
    def evidence(self) -> DeviceEvidence:
        return DeviceEvidence(
            kind=DeviceKind.FAKE,
            description="must not sign",
            key_extractable=True,
            authentication_per_use=False,
            qscd_claimed=False,
        )


def test_b_lta_without_tsa_fails_before_the_device_or_the_files(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    issued = esig_trust_services.signer
    device = _MustNotSign(issued.private_key, issued.certificate, issued.chain)
    missing = tmp_path / "does-not-exist.pdf"
    with pytest.raises(InputError, match="B-LTA needs a time-stamping service"):
        sign_pdf(missing, tmp_path / "out.pdf", device, level=PadesLevel.B_LTA)
    with pytest.raises(InputError, match="B-T needs"):
        sign_pdf_bytes(b"%PDF-1.7", device, level=PadesLevel.B_T)
    assert list(tmp_path.iterdir()) == []


# --- B-T, B-LT, B-LTA: three judges --------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_level_validates_in_esig(
    level: BaselineLevel, signed: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    root = esig_trust_services.root_certificate
    offline = verify_pdf(signed[level], trust=[root])
    if level.long_term:
        report = offline  # the embedded validation data is enough
    else:
        # B-T carries no revocation data: unknown offline (TRY_LATER), checked by fetching
        assert offline.signatures[0].sub_indication is SubIndication.TRY_LATER
        report = verify_pdf(signed[level], trust=[root], allow_fetching=True)
    assert report.passed, report.to_text()
    (signature,) = report.signatures
    assert signature.certificate_path is not None
    assert signature.certificate_path.status.value == "trusted"


@pytest.mark.parametrize("level", LEVELS)
def test_level_validates_in_pyhanko_offline(
    level: BaselineLevel, signed: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    view = pyhanko_view(signed[level], esig_trust_services.root_certificate)
    assert view.signatures_ok == (True,)
    # B-T and up carry a signature timestamp from the TSA, trusted via the same root.
    assert view.signature_timestamps_trusted == (True,)
    if level.long_term:
        assert view.dss_ocsps >= 1, "B-LT needs OCSP responses in the DSS"
        assert view.dss_crls >= 1, "B-LT needs CRLs in the DSS"
        assert view.dss_certs >= 3
    else:
        assert (view.dss_ocsps, view.dss_crls) == (0, 0)
    if level is BaselineLevel.B_LTA:
        assert view.document_timestamps_ok == (True,)
        assert view.lta_passed, "pyHanko's AdES LTA validation, from the DSS alone"
    else:
        assert view.document_timestamps_ok == ()


@pytest.mark.parametrize("level", LEVELS)
def test_level_validates_in_pdfsig(level: BaselineLevel, signed: dict[BaselineLevel, Path]) -> None:
    assert pdfsig_verdicts(signed[level]) == ["Signature is Valid."]


def test_b_b_has_neither_timestamp_nor_dss(
    signed: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    view = pyhanko_view(signed[BaselineLevel.B_B], esig_trust_services.root_certificate)
    assert view.signatures_ok == (True,)
    assert view.signature_timestamps_trusted == (False,)
    assert (view.dss_ocsps, view.dss_crls, view.document_timestamps_ok) == (0, 0, ())


def test_b_lt_with_explicit_trust_and_in_memory(
    esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    data = sign_pdf_bytes(
        sample_pdf(),
        esig_trust_services.signer.device(),
        level=PadesLevel.B_LT,
        timestamp=tsa,
        validation=ValidationServices(trust=[esig_trust_services.root_certificate], timeout=5),
    )
    report = verify_pdf(data, trust=[esig_trust_services.root_certificate])
    assert report.passed, report.to_text()


# --- extending signed documents --------------------------------------------------------------


def test_extend_b_b_to_lta_and_renew(
    tmp_path: Path,
    signed: dict[BaselineLevel, Path],
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> None:
    root = esig_trust_services.root_certificate
    source = signed[BaselineLevel.B_B]
    before = sha256(source)
    once = extend_pdf(source, tmp_path / "lta.pdf", level=PadesLevel.B_LTA, timestamp=tsa)
    assert sha256(source) == before, "the input is never modified"
    # B-B has no trusted time: a first document timestamp gives B-T, then its validation
    # data and an archive timestamp over everything give B-LTA (EN 319 142-1).
    assert (once.signatures, once.document_timestamps) == (2, 2)

    view = pyhanko_view(once.path, root)
    assert view.signatures_ok == (True,)
    assert view.document_timestamps_ok == (True, True)
    assert view.dss_ocsps >= 1 and view.dss_crls >= 1
    first = verify_pdf(once.path, trust=[root])
    assert first.passed, first.to_text()
    conformance = first.signatures[0].conformance
    assert conformance is not None and conformance.reached is BaselineLevel.B_LTA
    assert pdfsig_verdicts(once.path) == ["Signature is Valid."]

    # Renew the archive timestamp: validation data for the first one, then a second.
    twice = extend_pdf(
        once.path,
        tmp_path / "lta2.pdf",
        timestamp=tsa,
        validation=ValidationServices(trust=[root]),
    )
    assert (twice.signatures, twice.document_timestamps) == (3, 3)
    view = pyhanko_view(twice.path, root)
    assert view.signatures_ok == (True,)
    assert view.document_timestamps_ok == (True, True, True)
    assert view.dss_ocsps > 1
    report = verify_pdf(twice.path, trust=[root])
    assert report.passed, report.to_text()
    assert report.signatures[0].modifications.name == "LTA_UPDATES"
    assert pdfsig_verdicts(twice.path) == ["Signature is Valid."]
    assert twice.path.read_bytes().startswith(once.path.read_bytes()), "incremental update"


def test_extend_an_lta_signature_again(
    tmp_path: Path,
    signed: dict[BaselineLevel, Path],
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> None:
    root = esig_trust_services.root_certificate
    renewed = extend_pdf(signed[BaselineLevel.B_LTA], tmp_path / "renewed.pdf", timestamp=tsa)
    assert renewed.document_timestamps == 2
    view = pyhanko_view(renewed.path, root)
    assert view.signatures_ok == (True,)
    assert view.document_timestamps_ok == (True, True)
    assert view.lta_passed
    assert verify_pdf(renewed.path, trust=[root]).passed


def test_extend_to_b_lt_adds_validation_data_only(
    tmp_path: Path, signed: dict[BaselineLevel, Path], esig_trust_services: LocalTrustServices
) -> None:
    result = extend_pdf(signed[BaselineLevel.B_T], tmp_path / "lt.pdf", level=PadesLevel.B_LT)
    assert result.document_timestamps == 0
    view = pyhanko_view(result.path, esig_trust_services.root_certificate)
    assert view.signatures_ok == (True,)
    assert view.dss_ocsps >= 1 and view.dss_crls >= 1
    assert view.document_timestamps_ok == ()


def test_extend_a_pdf_signed_by_someone_else(
    tmp_path: Path, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    """A PDF signed by plain pyHanko (adbe.pkcs7.detached, no esig involved)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    issued = esig_trust_services.signer
    key_pem = tmp_path / "key.pem"
    key_pem.write_bytes(
        issued.private_key.private_bytes(
            Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_pem = tmp_path / "cert.pem"
    cert_pem.write_bytes(issued.certificate.public_bytes(Encoding.PEM))
    chain_pem = tmp_path / "chain.pem"
    chain_pem.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in issued.chain))
    signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(key_pem), str(cert_pem), ca_chain_files=(str(chain_pem),)
    )
    assert signer is not None
    foreign = tmp_path / "foreign.pdf"
    with foreign.open("wb") as out:
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(sample_pdf())),
            signers.PdfSignatureMetadata(
                field_name="Theirs", subfilter=fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED
            ),
            signer=signer,
            output=out,
        )
    result = extend_pdf(foreign, tmp_path / "foreign-lta.pdf", timestamp=tsa)
    view = pyhanko_view(result.path, esig_trust_services.root_certificate)
    assert view.signatures_ok == (True,)
    assert view.document_timestamps_ok == (True, True), "one for B-T, one archive timestamp"
    assert pdfsig_verdicts(result.path) == ["Signature is Valid."]


def test_extend_refuses_unsigned_documents_and_bad_requests(
    tmp_path: Path, esig_sample_pdf: Path, tsa: TimestampService
) -> None:
    with pytest.raises(InputError, match="no signature"):
        extend_pdf(esig_sample_pdf, tmp_path / "out.pdf", timestamp=tsa)
    with pytest.raises(InputError, match="B-LTA needs"):
        extend_pdf(esig_sample_pdf, tmp_path / "out.pdf")
    with pytest.raises(InputError, match="B-LT or B-LTA"):
        extend_pdf(esig_sample_pdf, tmp_path / "out.pdf", level=PadesLevel.B_T, timestamp=tsa)
    assert not (tmp_path / "out.pdf").exists()


# --- faults: a real server that misbehaves ---------------------------------------------------


def _assert_nothing_written(folder: Path, source: Path, digest: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [source.name]
    assert sha256(source) == digest


TSA_FAULTS = {
    "500": "answered HTTP 500",
    "garbage-tsa": "not an RFC 3161 time-stamp response",
    "garbage": "not with a time-stamp reply",
    "slow": "did not answer within 0.5 s",
}


@pytest.fixture(scope="module")
def faulty() -> Iterator[str]:
    with misbehaving_server() as base:
        yield base


@pytest.mark.parametrize("mode", [*TSA_FAULTS, "refused"])
@pytest.mark.parametrize("level", [PadesLevel.B_T, PadesLevel.B_LTA])
def test_tsa_fault_stops_signing(
    tmp_path: Path,
    faulty: str,
    mode: str,
    level: BaselineLevel,
    esig_trust_services: LocalTrustServices,
) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(sample_pdf())
    digest = sha256(source)
    url = closed_port_url("/tsa") if mode == "refused" else f"{faulty}/{mode}"
    with pytest.raises(ServiceError) as caught:
        sign_pdf(
            source,
            tmp_path / "out.pdf",
            esig_trust_services.signer.device(),
            level=level,
            timestamp=TimestampService(url=url, timeout=0.5),
        )
    error = caught.value
    assert error.service == url
    assert error.kind is ServiceKind.TSA
    assert url in str(error)
    assert TSA_FAULTS.get(mode, "connection refused") in str(error)
    _assert_nothing_written(tmp_path, source, digest)


REVOCATION_FAULTS = {
    ("ocsp", "500"): "answered HTTP 500",
    ("ocsp", "garbage-ocsp"): "not an OCSP response",
    ("ocsp", "slow"): "did not answer within 0.5 s",
    ("crl", "garbage-crl"): "not a CRL",
    ("crl", "500"): "answered HTTP 500",
}


@pytest.mark.parametrize(("service", "mode"), [*REVOCATION_FAULTS, ("ocsp", "refused")])
def test_revocation_service_fault_stops_b_lt_signing(
    tmp_path: Path,
    faulty: str,
    service: str,
    mode: str,
    esig_trust_services: LocalTrustServices,
    tsa: TimestampService,
) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(sample_pdf())
    digest = sha256(source)
    url = closed_port_url("/ocsp") if mode == "refused" else f"{faulty}/{mode}/{service}"
    device, root = device_pointing_at(**{f"{service}_url": url})
    with pytest.raises(ServiceError) as caught:
        sign_pdf(
            source,
            tmp_path / "out.pdf",
            device,
            level=PadesLevel.B_LT,
            timestamp=tsa,
            validation=ValidationServices(
                trust=[root, esig_trust_services.root_certificate], timeout=0.5
            ),
        )
    error = caught.value
    assert error.service == url
    assert error.kind is (ServiceKind.OCSP if service == "ocsp" else ServiceKind.CRL)
    assert REVOCATION_FAULTS.get((service, mode), "connection refused") in str(error)
    _assert_nothing_written(tmp_path, source, digest)


def test_tsa_fault_stops_extension(
    tmp_path: Path, faulty: str, signed: dict[BaselineLevel, Path]
) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(signed[BaselineLevel.B_B].read_bytes())
    digest = sha256(source)
    with pytest.raises(ServiceError, match="answered HTTP 500") as caught:
        extend_pdf(source, tmp_path / "out.pdf", timestamp=TimestampService(url=f"{faulty}/500"))
    assert caught.value.kind is ServiceKind.TSA
    _assert_nothing_written(tmp_path, source, digest)


def test_ocsp_fault_stops_extension(
    tmp_path: Path, faulty: str, esig_trust_services: LocalTrustServices, tsa: TimestampService
) -> None:
    url = f"{faulty}/slow/ocsp"
    device, root = device_pointing_at(ocsp_url=url)
    plain = tmp_path.parent / f"{tmp_path.name}-plain.pdf"
    plain.write_bytes(sample_pdf())
    source = tmp_path / "in.pdf"
    sign_pdf(plain, source, device)
    digest = sha256(source)
    with pytest.raises(ServiceError, match=r"did not answer within 0\.5 s") as caught:
        extend_pdf(
            source,
            tmp_path / "out.pdf",
            timestamp=tsa,
            validation=ValidationServices(
                trust=[root, esig_trust_services.root_certificate], timeout=0.5
            ),
        )
    assert (caught.value.kind, caught.value.service) == (ServiceKind.OCSP, url)
    _assert_nothing_written(tmp_path, source, digest)


# --- the command line -------------------------------------------------------------------------


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


@pytest.fixture(scope="module")
def signer_files(
    tmp_path_factory: pytest.TempPathFactory, esig_trust_services: LocalTrustServices
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ltv-cli")
    issued = esig_trust_services.signer
    files = {
        "key": folder / "key.pem",
        "cert": folder / "cert.pem",
        "interm": folder / "interm.pem",
        "root": folder / "root.pem",
    }
    files["key"].write_bytes(
        issued.private_key.private_bytes(
            Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    files["cert"].write_bytes(issued.certificate.public_bytes(Encoding.PEM))
    files["interm"].write_bytes(
        esig_trust_services.intermediate_certificate.public_bytes(Encoding.PEM)
    )
    files["root"].write_bytes(esig_trust_services.root_certificate.public_bytes(Encoding.PEM))
    return files


def _key_args(files: dict[str, Path]) -> list[str]:
    return [
        "--key", str(files["key"]), "--cert", str(files["cert"]),
        "--chain", str(files["interm"]), "--chain", str(files["root"]),
    ]  # fmt: skip


def test_cli_sign_lta_then_extend(
    tmp_path: Path,
    esig_sample_pdf: Path,
    signer_files: dict[str, Path],
    esig_trust_services: LocalTrustServices,
) -> None:
    tsa_url = esig_trust_services.tsa_url
    out = tmp_path / "lta.pdf"
    done = esig_cli(
        "sign", str(esig_sample_pdf), "-o", str(out), *_key_args(signer_files),
        "--level", "B-LTA", "--tsa", tsa_url, "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["level"] == "B-LTA"
    extended = tmp_path / "lta2.pdf"
    done = esig_cli("extend", str(out), "-o", str(extended), "--level", "LTA", "--tsa", tsa_url)
    assert done.returncode == 0, done.stderr
    assert "2 document timestamp(s)" in done.stdout
    done = esig_cli("verify", str(extended), "--trust", str(signer_files["root"]))
    assert done.returncode == 0, done.stdout


def test_cli_refuses_b_t_without_tsa_before_opening_the_key(
    tmp_path: Path, esig_sample_pdf: Path
) -> None:
    done = esig_cli(
        "sign", str(esig_sample_pdf), "-o", str(tmp_path / "out.pdf"),
        "--key", str(tmp_path / "missing.pem"), "--cert", str(tmp_path / "missing.pem"),
        "--level", "B-T",
    )  # fmt: skip
    assert done.returncode == 2
    assert "needs a time-stamping service" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.pdf").exists()


def test_cli_names_the_failing_tsa(
    tmp_path: Path, esig_sample_pdf: Path, signer_files: dict[str, Path], faulty: str
) -> None:
    url = f"{faulty}/garbage-tsa"
    done = esig_cli(
        "sign", str(esig_sample_pdf), "-o", str(tmp_path / "out.pdf"), *_key_args(signer_files),
        "--level", "B-T", "--tsa", url,
    )  # fmt: skip
    assert done.returncode == 2
    assert url in done.stderr and "time-stamping service" in done.stderr
    assert not (tmp_path / "out.pdf").exists()
