"""Fuzzing esig's readers: every mutated input ends in a report or an EsigError, in < 5 s.

Targets: signed PDFs (verify), detached CMS signatures (verify), certificates (load and
profile) and trusted-list XML (read). Mutations: byte flips, truncation, splicing two
inputs, ByteRange and /Contents edits, huge numbers, deep nesting, duplicated xref
sections and trailers, and XML entity tricks. Inputs are never modified: a PDF verified
from a file is compared byte for byte afterwards. ``make fuzz`` runs the long profile
and prints the figures (cases, errors by type, slowest case, peak RSS).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given
from hypothesis import strategies as st

import esig
from esig.certificates import load_certificates
from esig.demo import sample_pdf
from esig.errors import EsigError
from esig.issuance import IssuedCertificate, TestPKI
from esig.profiles import CertificateProfile
from esig.testing.trusted_lists import (
    ProviderSpec,
    ServiceSpec,
    StatusSpec,
    TrustServiceStatus,
    build_trusted_list,
    make_tlso,
    sign_trusted_list,
)
from esig.trust.trusted_lists import read_trusted_list
from tests.fuzz._profile import FUZZ, PROFILE

REGRESSIONS = Path(__file__).parent / "regressions"

# hypothesis warns that a 40 kB PDF makes a long repr of a failing case: that is the point
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")


@dataclass
class Figures:
    """What the run saw, per target."""

    cases: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    slowest: dict[str, float] = field(default_factory=dict)

    def run(self, target: str, call: Callable[[], object]) -> None:
        """Call ``call``; an EsigError is a refusal, anything else escapes (a failure)."""
        start = time.perf_counter()
        try:
            call()
        except EsigError as exc:
            self.refused[f"{target}: {type(exc).__name__}"] += 1
        finally:
            elapsed = time.perf_counter() - start
            self.cases[target] += 1
            self.slowest[target] = max(self.slowest.get(target, 0.0), elapsed)


FIGURES = Figures()


@pytest.fixture(scope="module", autouse=True)
def _print_figures() -> Iterator[None]:
    yield
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nfuzz figures (profile {PROFILE}): {sum(FIGURES.cases.values())} cases")
    for target, count in sorted(FIGURES.cases.items()):
        print(f"  {target:<12} {count:>7} cases, slowest {FIGURES.slowest[target]:.3f} s")
    for kind, count in sorted(FIGURES.refused.items()):
        print(f"  refused      {count:>7} {kind}")
    print(f"  peak RSS of this process: {peak_mib:.0f} MiB")


# --- inputs made once -------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI()


@pytest.fixture(scope="module")
def person(pki: TestPKI) -> IssuedCertificate:
    return pki.issue_person("Anna", "de Vries")


@pytest.fixture(scope="module")
def signed_pdfs(pki: TestPKI, person: IssuedCertificate) -> list[bytes]:
    once = esig.sign_pdf_bytes(sample_pdf(), person.device())
    twice = esig.sign_pdf_bytes(once, pki.issue_person("Bert", "Jansen").device())
    return [once, twice]


@pytest.fixture(scope="module")
def detached(person: IssuedCertificate) -> tuple[bytes, Path]:
    folder = Path(tempfile.mkdtemp(prefix="esig-fuzz-"))
    content = folder / "content.txt"
    content.write_bytes(b"The contract, as agreed.\n" * 20)
    result = esig.sign_detached(content, folder / "content.txt.p7s", person.device())
    return result.path.read_bytes(), content


@pytest.fixture(scope="module")
def trusted_list(pki: TestPKI) -> bytes:
    tlso = make_tlso()
    granted = StatusSpec(TrustServiceStatus.GRANTED, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    services = [ServiceSpec("Test CA", pki.intermediate.certificate, history=(granted,))]
    return sign_trusted_list(build_trusted_list([ProviderSpec("Test Provider", services)]), tlso)


# --- mutations --------------------------------------------------------------------------

_NUMBER = re.compile(rb"(?<![\w.])\d{1,10}(?![\w.])")
_NESTING = (b"[", b"<<", b"<a>")


@st.composite
def mutated(draw: st.DrawFn, originals: list[bytes]) -> bytes:
    """One input from ``originals``, with one to three mutations applied."""
    data = draw(st.sampled_from(originals))
    for _ in range(draw(st.integers(1, 3))):
        data = draw(_mutation(data, originals))
    return data


@st.composite
def _mutation(draw: st.DrawFn, data: bytes, originals: list[bytes]) -> bytes:
    if not data:
        return draw(st.sampled_from(originals))[: draw(st.integers(0, 64))]
    size = len(data)
    kind = draw(
        st.sampled_from(
            ["flip", "truncate", "splice", "number", "nest", "duplicate", "byterange", "contents"]
        )
    )
    at = draw(st.integers(0, size - 1))
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if kind == "truncate":
        return data[:at]
    if kind == "splice":
        other = draw(st.sampled_from(originals))
        return data[:at] + other[draw(st.integers(0, max(len(other) - 1, 0))) :]
    if kind == "number":
        numbers = list(_NUMBER.finditer(data))
        if not numbers:
            return data
        match = draw(st.sampled_from(numbers))
        huge = draw(st.sampled_from([b"99999999999999999999999", b"-1", b"0", b"4294967296"]))
        return data[: match.start()] + huge + data[match.end() :]
    if kind == "nest":
        opener = draw(st.sampled_from(_NESTING))
        return data[:at] + opener * draw(st.integers(100, 5000)) + data[at:]
    if kind == "duplicate":
        tail = data[data.rfind(b"xref") :] if b"xref" in data else data[-200:]
        return data + tail * draw(st.integers(1, 3))
    if kind == "byterange":
        match = re.search(rb"/ByteRange\s*\[[^\]]*\]", data)
        if match is None:
            return data
        values = draw(st.lists(st.integers(-(2**40), 2**40), min_size=0, max_size=6))
        text = b"/ByteRange [" + b" ".join(str(v).encode() for v in values) + b"]"
        return data[: match.start()] + text + data[match.end() :]
    # contents: rewrite part of the signature's hex string
    start = data.find(b"/Contents <")
    if start < 0:
        return data
    start += len(b"/Contents <") + draw(st.integers(0, 4000))
    junk = draw(st.binary(min_size=1, max_size=64))
    return data[:start] + junk.hex().encode() + data[start + len(junk) * 2 :]


# --- targets ----------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_fuzz_verify_pdf(data: st.DataObject, signed_pdfs: list[bytes], pki: TestPKI) -> None:
    document = data.draw(mutated(signed_pdfs))
    from_file = data.draw(st.booleans())
    if not from_file:
        FIGURES.run("pdf", lambda: esig.verify_pdf(document, trust=[pki.root.certificate]))
        return
    with tempfile.TemporaryDirectory(prefix="esig-fuzz-") as folder:
        path = Path(folder) / "input.pdf"
        path.write_bytes(document)
        FIGURES.run("pdf", lambda: esig.verify_pdf(path, trust=[pki.root.certificate]))
        assert path.read_bytes() == document  # inputs are never modified


@FUZZ
@given(data=st.data())
def test_fuzz_verify_detached_cms(
    data: st.DataObject, detached: tuple[bytes, Path], pki: TestPKI
) -> None:
    signature, content = detached
    blob = data.draw(mutated([signature]))
    FIGURES.run("cms", lambda: esig.verify_detached(blob, content, trust=[pki.root.certificate]))


@FUZZ
@given(data=st.data())
def test_fuzz_certificates(data: st.DataObject, person: IssuedCertificate) -> None:
    der = person.certificate.public_bytes(Encoding.DER)
    pem = person.certificate.public_bytes(Encoding.PEM)
    blob = data.draw(mutated([der, pem]))

    def read() -> None:
        for cert in load_certificates(blob):
            CertificateProfile.from_certificate(cert)

    FIGURES.run("certificate", read)


_ENTITY_TRICKS = [
    # billion laughs: internal entities expanding exponentially
    b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&" + bytes([97 + i]) + b";" * 1) * 1
        for i in range(8)
    )
    + b"]><TrustServiceStatusList>&i;</TrustServiceStatusList>",
    # an external entity that would read a local file
    b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<TrustServiceStatusList>&x;</TrustServiceStatusList>",
    # an external DTD
    b'<?xml version="1.0"?><!DOCTYPE t SYSTEM "http://127.0.0.1:9/evil.dtd">'
    b"<TrustServiceStatusList/>",
]


@FUZZ
@given(data=st.data())
def test_fuzz_trusted_list_xml(data: st.DataObject, trusted_list: bytes) -> None:
    xml = data.draw(mutated([trusted_list, *_ENTITY_TRICKS]))
    with tempfile.TemporaryDirectory(prefix="esig-fuzz-") as folder:
        path = Path(folder) / "tl.xml"
        path.write_bytes(xml)
        FIGURES.run("tl-xml", lambda: read_trusted_list(path))


@pytest.mark.parametrize("trick", _ENTITY_TRICKS, ids=["billion-laughs", "external", "dtd"])
def test_xml_entity_tricks_are_refused(tmp_path: Path, trick: bytes) -> None:
    path = tmp_path / "tl.xml"
    path.write_bytes(trick)
    with pytest.raises(EsigError) as refused:
        read_trusted_list(path)
    assert "root:" not in str(refused.value)  # /etc/passwd was not read


# --- inputs that once escaped -----------------------------------------------------------


_KINDS = {".pdf", ".p7s", ".der", ".xml"}
_REPLAYS = sorted(p for p in REGRESSIONS.iterdir() if p.suffix in _KINDS)


def _replay(path: Path, root: object) -> object:
    """Read a saved input the way its target does, chosen by its suffix."""
    if path.suffix == ".pdf":
        report = esig.verify_pdf(path, trust=[root])
        assert report.signatures or report.problems
        return report
    if path.suffix == ".p7s":  # detached CMS over NAME.p7s.content
        content = path.with_name(path.name + ".content")
        return esig.verify_detached(path.read_bytes(), content, trust=[root])
    if path.suffix == ".der":
        return [CertificateProfile.from_certificate(c) for c in load_certificates(path)]
    return read_trusted_list(path)


@pytest.mark.parametrize("path", _REPLAYS, ids=lambda p: p.name if isinstance(p, Path) else p)
def test_regression_files_end_in_a_report_or_an_esig_error(path: Path, pki: TestPKI) -> None:
    before = path.read_bytes()
    with contextlib.suppress(EsigError):
        _replay(path, pki.root.certificate)
    assert path.read_bytes() == before


def test_the_regression_folder_holds_every_kind() -> None:
    assert {p.suffix for p in _REPLAYS} == _KINDS
