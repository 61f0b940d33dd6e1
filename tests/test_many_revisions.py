"""A signed PDF saved thousands of times after signing: the verdict and the DSS history.

An editor that saves after each change leaves one revision per save. esig reads the
history of the DSS (which revisions wrote validation data) revision by revision; these
tests check that what it finds is still right on such files, and that extending one to
B-LT after the updates is recognised. Its speed on them is measured by
``benchmarks/revisions.py`` (esig stays linear; pyHanko's own validator is quadratic).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import esig
from esig.demo import sample_pdf
from esig.errors import InputError
from esig.issuance import TestPKI
from esig.model.baseline import BaselineLevel
from esig.signing import TimestampService, ValidationServices
from esig.testing.documents import with_incremental_updates
from esig.testing.services import LocalTrustServices

pytestmark = pytest.mark.real


def test_a_signature_followed_by_thousands_of_saves_still_passes() -> None:
    pki = TestPKI()
    signed = esig.sign_pdf_bytes(sample_pdf(), pki.issue_person("Ed", "Itor").device())
    edited = with_incremental_updates(signed, 3000)
    report = esig.verify_pdf(edited, trust=[pki.root.certificate])
    (sig,) = report.signatures
    assert sig.indication.value == "TOTAL-PASSED", report.to_text()
    assert sig.signed_range is not None
    assert sig.signed_range.total_revisions == sig.signed_range.revision + 3000
    assert not sig.signed_range.is_latest_revision


def test_validation_data_added_after_many_saves_counts_for_b_lt(
    tmp_path: Path, esig_trust_services: LocalTrustServices
) -> None:
    root = esig_trust_services.root_certificate
    tsa = TimestampService(url=esig_trust_services.tsa_url, timeout=10)
    signed = esig.sign_pdf_bytes(
        sample_pdf(), esig_trust_services.signer.device(), level=BaselineLevel.B_T, timestamp=tsa
    )
    source = tmp_path / "edited.pdf"
    source.write_bytes(with_incremental_updates(signed, 400))
    before = esig.verify_pdf(source, trust=[root]).signatures[0].conformance
    assert before is not None and before.reached is BaselineLevel.B_T
    extended = esig.extend_pdf(
        source,
        tmp_path / "lt.pdf",
        level=BaselineLevel.B_LT,
        validation=ValidationServices(trust=[root], timeout=10),
    )
    report = esig.verify_pdf(extended.path, trust=[root])
    conformance = report.signatures[0].conformance
    assert conformance is not None and conformance.reached is BaselineLevel.B_LT, report.to_text()
    # the same validation data written before the saves counts just the same
    early = tmp_path / "lt-then-edited.pdf"
    (tmp_path / "signed.pdf").write_bytes(signed)
    lt_first = esig.extend_pdf(
        tmp_path / "signed.pdf",
        tmp_path / "lt-first.pdf",
        level=BaselineLevel.B_LT,
        validation=ValidationServices(trust=[root], timeout=10),
    )
    early.write_bytes(with_incremental_updates(lt_first.path.read_bytes(), 400))
    again = esig.verify_pdf(early, trust=[root]).signatures[0].conformance
    assert again is not None and again.reached is BaselineLevel.B_LT


def test_a_file_without_a_classic_trailer_is_refused() -> None:
    with pytest.raises(InputError, match="no trailer"):
        with_incremental_updates(b"%PDF-1.7\nnot really a PDF\n", 3)
