"""Documents on which pyHanko's parser raises end in a report or an EsigError, never a traceback.

Two classes seen in real-world files: a trailer whose /Encrypt is not a dictionary
(pyHanko raises ``PdfReadError: Encryption settings must be a dictionary`` from
``reader.encrypted``), and a damaged startxref offset that sends pyHanko's offset
correction to a seek before the start of the file (``OSError: [Errno 22]`` on a file,
``ValueError: negative seek value`` in memory). Each is judged signature by signature
from the raw bytes.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

import esig
from esig._pyhanko.salvage import salvage_signatures
from esig.demo import sample_pdf
from esig.errors import CorruptDocumentError
from esig.issuance import TestPKI
from esig.verification import CheckId, Indication, Outcome


def _append_trailer(data: bytes, extra: bytes) -> bytes:
    """An incremental update with an empty xref section and ``extra`` in its trailer."""
    prev = int(data.rsplit(b"startxref", 1)[1].split()[0])
    offset = len(data)
    return data + (
        b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 13 /Root 1 0 R /Prev %d %s >>\n"
        b"startxref\n%d\n%%%%EOF\n" % (prev, extra, offset)
    )


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


@pytest.fixture(scope="module")
def five_signatures(pki: TestPKI) -> bytes:
    data = sample_pdf()
    for index in range(5):
        data = esig.sign_pdf_bytes(data, pki.issue_person("Signer", f"N{index}").device())
    return data


def _cli_verify(path: Path, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig", "verify", str(path), "--trust", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("encrypt", [b"/Encrypt 5", b"/Encrypt [1 2]", b"/Encrypt 60 0 R"])
def test_encrypt_entry_that_is_no_dictionary(
    pki: TestPKI, tmp_path: Path, esig_root_pem: Path, encrypt: bytes
) -> None:
    signed = esig.sign_pdf_bytes(sample_pdf(), pki.issue_person("Anna", "de Vries").device())
    broken = _append_trailer(signed, encrypt)

    report = esig.verify_pdf(broken, trust=[pki.root.certificate])
    assert any("/Encrypt" in problem for problem in report.problems), report.problems
    assert len(report.signatures) == 1
    sig = report.signatures[0]
    # The signed revision is intact (the update only appended a trailer), but the file
    # as a whole cannot be read: never passed, never a crash.
    assert sig.indication is Indication.INDETERMINATE
    assert sig.find(CheckId.SIGNED_DATA)[0].outcome is not Outcome.FAILED

    with pytest.raises(CorruptDocumentError, match=r"Encryption settings|/Encrypt"):
        esig.sign_pdf_bytes(broken, pki.issue_person("Bert", "Jansen").device())

    path = tmp_path / "broken.pdf"
    path.write_bytes(broken)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    proc = _cli_verify(path, esig_root_pem)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert "/Encrypt" in proc.stdout
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("startxref", [b"2", b"0", b"4"])
def test_damaged_startxref_is_judged_signature_by_signature(
    five_signatures: bytes, pki: TestPKI, tmp_path: Path, startxref: bytes
) -> None:
    head, _ = five_signatures.rsplit(b"startxref", 1)
    broken = head + b"startxref\n" + startxref + b"\n%%EOF\n"

    report = esig.verify_pdf(broken, trust=[pki.root.certificate])
    assert report.problems and "recovered" in report.problems[0]
    assert [s.signer.display for s in report.signatures] == [f"Signer N{i}" for i in range(5)]
    # The first four signed revisions are untouched; the last one's range covers the
    # damaged offset, so its digest no longer matches.
    for sig in report.signatures[:4]:
        assert sig.indication is Indication.INDETERMINATE
        assert sig.find(CheckId.SIGNED_DATA)[0].outcome is not Outcome.FAILED
    last = report.signatures[4]
    assert last.indication is Indication.TOTAL_FAILED
    assert last.find(CheckId.SIGNED_DATA)[0].outcome is Outcome.FAILED

    path = tmp_path / "five.pdf"  # from a file, pyHanko's seek raises OSError instead
    path.write_bytes(broken)
    from_file = esig.verify_pdf(path, trust=[pki.root.certificate])
    assert [s.indication for s in from_file.signatures] == [s.indication for s in report.signatures]
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))
    proc = _cli_verify(path, root)
    assert proc.returncode == 1 and proc.stderr == ""
    assert "5 signature(s) were recovered" in proc.stdout
    assert path.read_bytes() == broken


_BOUNDED_VERIFY = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
import esig
report = esig.verify_pdf(sys.argv[1], trust=[sys.argv[2]])
print(" ".join(signature.indication.value for signature in report.signatures))
"""


def test_a_cross_reference_stream_declaring_billions_of_entries_does_not_fill_memory(
    tmp_path: Path, pki: TestPKI
) -> None:
    # pyHanko's lenient reader fills every declared entry the stream does not hold:
    # a 40 kB document with /Index [... 4294967296] took more than 20 GB before the bound.
    data = esig.sign_pdf_bytes(sample_pdf(), pki.issue_person("Anna", "de Vries").device())
    data = esig.sign_pdf_bytes(data, pki.issue_person("Bert", "Jansen").device())
    last = list(re.finditer(rb"/Index \[([^\]]*)\]", data))[-1]  # the second signer's revision
    counts = last.group(1).split()
    counts[-1] = b"4294967296"
    damaged = data[: last.start()] + b"/Index [" + b" ".join(counts) + b"]" + data[last.end() :]
    path = tmp_path / "declares-billions.pdf"
    path.write_bytes(damaged)
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))

    done = subprocess.run(
        [sys.executable, "-c", _BOUNDED_VERIFY, str(path), str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == ""
    # the first signer's revision is intact; the second's own bytes were changed
    assert done.stdout.split() == ["TOTAL-PASSED", "TOTAL-FAILED"]
    assert path.read_bytes() == damaged


def test_a_signature_recovered_from_raw_bytes_keeps_its_certificate_binding(
    pki: TestPKI,
) -> None:
    # The raw-bytes path (no revision parses on its own) read only the digest and the
    # signature value; the level text then claimed the signed attributes did not bind
    # the signer's certificate, which esig's signatures always do.
    signed = esig.sign_pdf_bytes(sample_pdf(), pki.issue_person("Anna", "de Vries").device())
    (recovered,) = salvage_signatures(signed, "a test")
    assert recovered.digest_matches and recovered.signature_valid
    assert recovered.signer_certificate_bound
    assert recovered.signer_cert is not None
    assert recovered.signer_cert.subject.rfc4514_string().startswith("CN=Anna de Vries")


def test_a_later_revision_that_does_not_parse_leaves_earlier_signatures_fully_judged(
    pki: TestPKI,
) -> None:
    # A bogus incremental update appended after two signatures: each signed revision is
    # still a PDF of its own, so certificate paths are validated there; what follows
    # cannot be examined, so nothing passes, and nothing is called tampered.
    data = sample_pdf()
    for name in ("Anna", "Bert"):
        data = esig.sign_pdf_bytes(data, pki.issue_person(name, "Jansen").device())
    broken = data + b"\nstartxref\n2\n%%EOF\n"

    report = esig.verify_pdf(broken, trust=[pki.root.certificate])

    assert [s.signer.display for s in report.signatures if s.signer] == [
        "Anna Jansen",
        "Bert Jansen",
    ]
    assert "judged in the revision it signed" in report.problems[0]
    assert "points outside it" in report.problems[0]
    for sig in report.signatures:
        assert sig.find(CheckId.CERTIFICATE)[0].outcome is Outcome.PASSED
        assert sig.find(CheckId.INTEGRITY)[0].outcome is Outcome.PASSED
        assert sig.find(CheckId.MODIFICATIONS)[0].outcome is Outcome.INDETERMINATE
        assert sig.indication is Indication.INDETERMINATE
