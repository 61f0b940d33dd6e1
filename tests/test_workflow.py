"""Several signers in order: prepared fields, certification (DocMDP), field locks (FieldMDP).

Real parts: software keys, SoftHSM2 tokens (``esig_softhsm_token``), the CSC server
(``esig_csc_server``); the judges are esig's verifier, pyHanko's validator, poppler's
``pdfsig`` and ``mutool sign -v``.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image, ImageDraw

import esig
from esig.devices.base import SignatureCreationDevice
from esig.errors import InputError
from esig.issuance import TestPKI
from esig.signing import (
    CertificationError,
    DocPermission,
    FieldLock,
    SignatureFieldSpec,
    VisibleSignature,
    prepare_document,
    signature_fields,
)
from esig.testing import require_tool
from esig.testing.signers import TestSigners
from esig.verification.report import Attack, CheckId, Outcome

if TYPE_CHECKING:
    from esig.testing.csc import LocalCscService
    from esig.testing.softhsm import SoftHsmToken

pytestmark = pytest.mark.real


def _run(tool: str, *args: str) -> str:
    done = subprocess.run(
        [require_tool(tool), *args], capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout + done.stderr


def _boxes(count: int) -> list[tuple[float, float, float, float]]:
    return [
        (40 + (i % 2) * 270, 40 + (i // 2) * 90, 290 + (i % 2) * 270, 120 + (i // 2) * 90)
        for i in range(count)
    ]


def _pyhanko_verdicts(path: Path, roots: list) -> dict[str, tuple[bool, bool, bool | None]]:
    """PyHanko's own validator: (intact, valid, docmdp_ok) per field."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from esig._pyhanko.signer import to_asn1

    out = {}
    with path.open("rb") as handle:
        reader = PdfFileReader(handle)
        for sig in reader.embedded_regular_signatures:
            context = ValidationContext(trust_roots=[to_asn1(c) for c in roots])
            status = validate_pdf_signature(sig, context)
            out[sig.field_name] = (status.intact, status.valid, status.docmdp_ok)
    return out


def _modifications(report: esig.VerificationReport) -> dict[str, Outcome]:
    return {
        s.field_name: next(f.outcome for f in s.findings if f.check is CheckId.MODIFICATIONS)
        for s in report.signatures
    }


DeviceFactory = Callable[[], SignatureCreationDevice]


@pytest.fixture
def devices(
    esig_signers: TestSigners,
    esig_softhsm_token: SoftHsmToken,
    esig_csc_server: LocalCscService,
) -> dict[str, DeviceFactory]:
    return {
        "software": esig_signers.person.device,
        "company": esig_signers.company_officer.device,
        "softhsm-rsa": lambda: esig_softhsm_token.open_device("rsa-signer"),
        "softhsm-ec": lambda: esig_softhsm_token.open_device("ec-signer"),
        "csc-rsa": lambda: esig_csc_server.device(esig_csc_server.rsa_credential_id),
        "csc-ec": lambda: esig_csc_server.device(esig_csc_server.ec_credential_id),
    }


@pytest.fixture
def roots(esig_pki: TestPKI, esig_csc_server: LocalCscService) -> list:
    return [esig_pki.root.certificate, esig_csc_server.root_certificate]


ORDERS = {
    2: ["software", "softhsm-rsa"],
    3: ["softhsm-ec", "csc-rsa", "software"],
    5: ["csc-ec", "software", "softhsm-rsa", "company", "csc-rsa"],
}


@pytest.mark.parametrize("count", sorted(ORDERS))
def test_signers_in_order_each_earlier_signature_stays_valid(
    count: int,
    devices: dict[str, DeviceFactory],
    roots: list,
    esig_sample_pdf: Path,
    tmp_path: Path,
) -> None:
    names = [f"Signer{i + 1}" for i in range(count)]
    specs = [
        SignatureFieldSpec(name=n, page=1, box=b, lock=FieldLock.include(n))
        for n, b in zip(names, _boxes(count), strict=True)
    ]
    prepared = prepare_document(esig_sample_pdf, tmp_path / "prepared.pdf", specs)
    assert [f.name for f in prepared.fields] == names
    assert not any(f.signed for f in prepared.fields)

    current = prepared.path
    for index, (name, kind) in enumerate(zip(names, ORDERS[count], strict=True)):
        out = tmp_path / f"step{index + 1}.pdf"
        device = devices[kind]()
        try:
            signed = esig.sign_pdf(
                current,
                out,
                device,
                field_name=name,
                certify=DocPermission.FORM_FILLING if index == 0 else None,
            )
        finally:
            close = getattr(device, "close", None)
            if close is not None:
                close()
        assert signed.field_name == name
        assert signed.visible
        assert (signed.certification is DocPermission.FORM_FILLING) == (index == 0)
        # every signature so far, earlier ones included, passes every judge
        report = esig.verify_pdf(out, trust=roots, allow_fetching=True)
        assert [s.field_name for s in report.signatures] == names[: index + 1]
        assert report.passed, report.to_text()
        assert set(_modifications(report).values()) == {Outcome.PASSED}
        assert _run("pdfsig", str(out)).count("Signature is Valid.") == index + 1
        verdicts = _pyhanko_verdicts(out, roots)
        assert all(v[0] and v[1] and v[2] is not False for v in verdicts.values()), verdicts
        current = out

    mutool = _run("mutool", "sign", "-v", str(current))
    assert mutool.count("The document is unchanged since signing.") == 1
    assert mutool.count("Digest error") == 0
    fields = signature_fields(current)
    assert all(f.signed for f in fields)


def _drawn_signature(path: Path) -> Path:
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(10, 80), (80, 20), (150, 70), (290, 30)], fill=(0, 0, 160, 255), width=6)
    image.save(path)
    return path


def test_three_signers_certify_drawn_and_company(
    esig_signers: TestSigners,
    esig_softhsm_token: SoftHsmToken,
    esig_pki: TestPKI,
    esig_sample_pdf: Path,
    tmp_path: Path,
) -> None:
    """The issue's "done when": certify + an approval with a drawn image + company identity."""
    prepared = prepare_document(
        esig_sample_pdf,
        tmp_path / "prepared.pdf",
        [
            SignatureFieldSpec(name="Author", page=1, box=(40, 40, 290, 120)),
            SignatureFieldSpec(
                name="Approval", page=1, box=(310, 40, 560, 120), lock=FieldLock.include("Approval")
            ),
            SignatureFieldSpec(name="Company", page=1, box=(40, 140, 290, 220)),
        ],
    )
    first = esig.sign_pdf(
        prepared.path,
        tmp_path / "1.pdf",
        esig_signers.person.device(),
        field_name="Author",
        certify=DocPermission.FORM_FILLING,
        reason="Author",
    )
    image = _drawn_signature(tmp_path / "drawn.png")
    with esig_softhsm_token.open_device("rsa-signer") as token:
        second = esig.sign_pdf(
            first.path,
            tmp_path / "2.pdf",
            token,
            appearance=VisibleSignature(field="Approval", image=image),
            reason="Approved",
        )
    third = esig.sign_pdf(
        second.path,
        tmp_path / "3.pdf",
        esig_signers.company_officer.device(),
        field_name="Company",
        reason="For the company",
    )
    report = esig.verify_pdf(third.path, trust=[esig_pki.root.certificate])
    assert report.passed, report.to_text()
    assert [s.field_name for s in report.signatures] == ["Author", "Approval", "Company"]
    assert set(_modifications(report).values()) == {Outcome.PASSED}
    assert _run("pdfsig", str(third.path)).count("Signature is Valid.") == 3
    verdicts = _pyhanko_verdicts(third.path, [esig_pki.root.certificate])
    assert all(v[0] and v[1] for v in verdicts.values())
    text = _run("pdftotext", "-f", "1", "-l", "1", str(third.path), "-")
    assert "On behalf of Acme Bonaire N.V." in text
    assert "Function: Director" in text
    assert "Signed by Anna de Vries" in text
    images = _run("pdfimages", "-list", "-f", "1", "-l", "1", str(third.path))
    kinds = [line.split()[2] for line in images.splitlines()[2:] if line.strip()]
    assert kinds.count("image") == 1


def test_no_changes_certification_refuses_a_later_signature(
    esig_signers: TestSigners, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    certified = esig.sign_pdf(
        esig_sample_pdf,
        tmp_path / "c.pdf",
        esig_signers.person.device(),
        certify=DocPermission.NO_CHANGES,
    )
    out = tmp_path / "approval.pdf"
    with pytest.raises(CertificationError, match="forbids all changes") as caught:
        esig.sign_pdf(certified.path, out, esig_signers.company_officer.device())
    assert caught.value.permission is DocPermission.NO_CHANGES
    assert not out.exists()
    with pytest.raises(CertificationError):
        prepare_document(certified.path, tmp_path / "p.pdf", [SignatureFieldSpec(name="X")])


def test_certification_must_come_first(
    esig_signers: TestSigners, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    signed = esig.sign_pdf(esig_sample_pdf, tmp_path / "a.pdf", esig_signers.person.device())
    with pytest.raises(CertificationError, match="first signature"):
        esig.sign_pdf(
            signed.path,
            tmp_path / "b.pdf",
            esig_signers.seal.device(),
            certify=DocPermission.FORM_FILLING,
        )


def _sign_ignoring_certification(
    source: Path, output: Path, device: SignatureCreationDevice
) -> None:
    """What a tool that ignores DocMDP does: pyHanko with its certification check off."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from esig._pyhanko.signer import DeviceSigner

    class CarelessSigner(signers.PdfSigner):
        def _enforce_certification_constraints(self, reader: object) -> None:
            return None

    writer = IncrementalPdfFileWriter(io.BytesIO(source.read_bytes()))
    meta = signers.PdfSignatureMetadata(
        field_name="Late", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    buffer = io.BytesIO()
    asyncio.run(
        CarelessSigner(meta, signer=DeviceSigner(device)).async_sign_pdf(writer, output=buffer)
    )
    output.write_bytes(buffer.getvalue())


@pytest.mark.parametrize(
    ("permission", "certification_outcome"),
    [(DocPermission.NO_CHANGES, Outcome.FAILED), (DocPermission.FORM_FILLING, Outcome.PASSED)],
)
def test_signature_added_where_certification_forbids_it_fails(
    permission: DocPermission,
    certification_outcome: Outcome,
    esig_signers: TestSigners,
    esig_pki: TestPKI,
    esig_sample_pdf: Path,
    tmp_path: Path,
) -> None:
    certified = esig.sign_pdf(
        esig_sample_pdf, tmp_path / "c.pdf", esig_signers.person.device(), certify=permission
    )
    late = tmp_path / "late.pdf"
    _sign_ignoring_certification(certified.path, late, esig_signers.company_officer.device())
    report = esig.verify_pdf(late, trust=[esig_pki.root.certificate])
    outcomes = _modifications(report)
    assert outcomes[certified.field_name] is certification_outcome
    assert outcomes["Late"] is Outcome.PASSED
    verdicts = _pyhanko_verdicts(late, [esig_pki.root.certificate])
    assert verdicts[certified.field_name][2] is (permission is not DocPermission.NO_CHANGES)
    if certification_outcome is Outcome.FAILED:
        assert not report.passed
        finding = next(f for f in report.signatures[0].findings if f.check is CheckId.MODIFICATIONS)
        assert finding.attack is Attack.CERTIFIED_DOCUMENT_CHANGED


@pytest.mark.parametrize(
    ("lock", "second_outcome"),
    [(FieldLock.all(), Outcome.FAILED), (FieldLock.include("Second"), Outcome.PASSED)],
)
def test_field_lock_judges_later_signatures(
    lock: FieldLock,
    second_outcome: Outcome,
    esig_signers: TestSigners,
    esig_pki: TestPKI,
    esig_sample_pdf: Path,
    tmp_path: Path,
) -> None:
    prepared = prepare_document(
        esig_sample_pdf,
        tmp_path / "p.pdf",
        [
            SignatureFieldSpec(name="First"),
            SignatureFieldSpec(name="Second", lock=lock),
            SignatureFieldSpec(name="Third"),
        ],
    )
    assert [f.lock for f in prepared.fields] == [None, lock, None]
    current = prepared.path
    for index, (name, signer) in enumerate(
        [
            ("First", esig_signers.person),
            ("Second", esig_signers.seal),
            ("Third", esig_signers.company_officer),
        ]
    ):
        out = tmp_path / f"{index}.pdf"
        esig.sign_pdf(current, out, signer.device(), field_name=name)
        current = out
    report = esig.verify_pdf(current, trust=[esig_pki.root.certificate])
    outcomes = _modifications(report)
    assert outcomes == {"First": Outcome.PASSED, "Second": second_outcome, "Third": Outcome.PASSED}
    assert report.passed is (second_outcome is Outcome.PASSED)


def test_a_field_locked_when_prepared_cannot_get_a_second_lock(
    esig_signers: TestSigners, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    prepared = prepare_document(
        esig_sample_pdf,
        tmp_path / "p.pdf",
        [SignatureFieldSpec(name="Locked", lock=FieldLock.all())],
    )
    out = tmp_path / "signed.pdf"
    with pytest.raises(InputError, match=r"'Locked' already has a lock.*--lock"):
        esig.sign_pdf(
            prepared.path,
            out,
            esig_signers.person.device(),
            field_name="Locked",
            lock_fields=FieldLock.all(),
        )
    assert not out.exists()
    # Signed without a second lock, the lock set when it was prepared applies.
    esig.sign_pdf(prepared.path, out, esig_signers.person.device(), field_name="Locked")
    assert [f.lock for f in signature_fields(out)] == [FieldLock.all()]


def test_prepare_refuses_bad_fields_and_leaves_input_alone(
    esig_sample_pdf: Path, tmp_path: Path
) -> None:
    before = esig_sample_pdf.read_bytes()
    out = tmp_path / "p.pdf"
    cases = [
        ([SignatureFieldSpec(name="A", page=2)], "Page 2 does not exist"),
        ([SignatureFieldSpec(name="A", box=(500, 700, 900, 800))], "outside page 1"),
        ([SignatureFieldSpec(name="A"), SignatureFieldSpec(name="A")], "already has"),
        ([], "at least one"),
    ]
    for specs, message in cases:
        with pytest.raises(InputError, match=message):
            prepare_document(esig_sample_pdf, out, specs)
        assert not out.exists()
    assert esig_sample_pdf.read_bytes() == before
    with pytest.raises(ValueError, match="lower left"):
        SignatureFieldSpec(name="A", box=(300, 300, 100, 100))
    with pytest.raises(ValueError, match="period"):
        SignatureFieldSpec(name="a.b")
    with pytest.raises(ValueError, match="at least one field"):
        FieldLock(scope=FieldLock.all().scope.__class__("include"))


def test_in_memory_signing_takes_appearance_certification_and_lock(
    esig_signers: TestSigners, esig_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    certified = esig.sign_pdf_bytes(
        esig_sample_pdf.read_bytes(),
        esig_signers.person.device(),
        appearance=VisibleSignature(page=1, box=(50, 50, 250, 120)),
        certify=DocPermission.NO_CHANGES,
        lock_fields=FieldLock.all(),
    )
    path = tmp_path / "certified.pdf"
    path.write_bytes(certified)
    [field] = signature_fields(path)
    assert field.signed and field.box is not None and field.lock == FieldLock.all()
    assert esig.verify_pdf(certified, trust=[esig_pki.root.certificate]).passed
    with pytest.raises(CertificationError):
        esig.sign_pdf_bytes(certified, esig_signers.seal.device())
