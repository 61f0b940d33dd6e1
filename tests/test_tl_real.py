"""Real EU trusted lists with their real XAdES signatures (issue 16 spike).

The data is in ``tests/data/tl_real/`` (see its README): the EU LOTL 248 of 2019 with the
Belgian, Cypriot and Danish lists it points to (from DSS), the EU LOTL 388 of 2026 (from
pyHanko), and the OJ C 276 (2019) LOTL signer certificates. The Belgian list 81 of 2026
and the real Belgian eID signature are read from the shared corpus.

What works is asserted plainly. What esig gets wrong on this real data is marked
``xfail(strict=True)`` with the reason, so each test flips to XPASS (and fails the run)
when the gap is closed; then remove the marker.

Lists whose scheme-operator certificate has expired since they were signed (the normal
state of any archived list: BE 43 and DK 22 here) are authenticated at their issue time
(``esig._pyhanko.tl_signature.issue_time``).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader

import esig
from esig.testing import real_part_missing
from esig.trust import (
    CertificateType,
    SignatureStatus,
    TrustedListError,
    TrustedListSource,
    TrustServiceStatus,
    read_trusted_list,
)

DATA = Path(__file__).resolve().parent / "data" / "tl_real"
DSS = DATA / "dss-2019"
LOTL_248 = DSS / "eu-lotl-248.xml"
BE_43 = DSS / "BE-43.xml"
CY_31 = DSS / "CY-31.xml"
DK_22 = DSS / "DK-22.xml"
LOTL_388 = DATA / "pyhanko-2026" / "eu-lotl-388.xml"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

UTC = dt.UTC
KREMER_SHA256 = "d2064fdd70f6982dcc516b86d9d5c56aea939417c624b2e478c0b29de54f8474"
EC_2023_SHA256 = "e0a620fbb6747362bb933ac44169d676a553444716cf5f31605f12a22b8396b1"
BE_SIGNING_TIME = dt.datetime(2020, 9, 5, 21, 37, 11, tzinfo=UTC)
"""The Belgian eID signature's signing time (its /M; the PDF carries a signature timestamp
of the same day)."""

# fmt: off
TERRITORIES = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "EU", "FI", "FR", "HR", "HU",
    "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI",
    "SK", "UK",
]
# fmt: on


@pytest.fixture(scope="module")
def oj_2019() -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates((DSS / "oj-2019-lotl-signers.pem").read_bytes())


def corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        real_part_missing(f"the corpus file {path}")
    return path


@pytest.fixture(scope="module")
def belgian_eid_chain() -> list[x509.Certificate]:
    """Patrick Kremer (Signature) and Citizen CA 201803, from the real Belgian eID PDF."""
    with corpus("dss/belgian_pki_multiple_ocsps.pdf").open("rb") as f:
        sig = PdfFileReader(f).embedded_signatures[0]
        leaf = sig.signer_cert
        issuer = next(
            c.chosen for c in sig.signed_data["certificates"] if c.chosen.subject == leaf.issuer
        )
        return [x509.load_der_x509_certificate(c.dump()) for c in (leaf, issuer)]


@pytest.fixture(scope="module")
def be_81_via_lotl_388() -> TrustedListSource:
    return TrustedListSource.from_files([corpus("trusted-lists/tsl-be-v6.xml")], lotl=LOTL_388)


# --- what works --------------------------------------------------------------------------


def test_the_2019_lotl_verifies_with_the_oj_2019_signer_certificates(
    oj_2019: list[x509.Certificate],
) -> None:
    assert len(oj_2019) == 8
    lotl = read_trusted_list(LOTL_248, tlso_certificates=oj_2019)
    assert (lotl.territory, lotl.sequence_number, lotl.version) == ("EU", 248, 5)
    assert lotl.issued == dt.datetime(2019, 9, 4, 8, tzinfo=UTC)
    assert lotl.next_update == dt.datetime(2020, 3, 4, tzinfo=UTC)
    assert lotl.signature.status is SignatureStatus.VERIFIED
    assert lotl.signature.signer_sha256 == KREMER_SHA256  # OJ 2019 #6, valid until 2028
    assert list(lotl.pointers) == TERRITORIES
    assert lotl.problems == ()


def test_the_2019_lotl_verifies_with_pyhankos_bundled_signers_too() -> None:
    # the Kremer certificate is still in pyHanko's latest.cert.pem
    lotl = read_trusted_list(LOTL_248)
    assert lotl.signature.status is SignatureStatus.VERIFIED
    assert lotl.signature.signer_sha256 == KREMER_SHA256


def test_the_cypriot_list_is_authenticated_by_its_lotl_pointer(
    oj_2019: list[x509.Certificate],
) -> None:
    # CY's TLSO certificate (CY-TSL Signer2) is valid until 2028: checking now works
    source = TrustedListSource.from_files([CY_31], lotl=LOTL_248, lotl_certificates=oj_2019)
    (cy,) = source.lists
    assert (cy.territory, cy.sequence_number) == ("CY", 31)
    assert cy.signature.status is SignatureStatus.VERIFIED
    assert cy.signature.signer == (
        "CN=CY-TSL Signer2,O=Department of Electronic Communications,C=CY"
    )
    assert source.lotl is not None and source.lotl.sequence_number == 248
    # without the LOTL nobody vouches for the list's signer
    with pytest.raises(TrustedListError, match="cannot be authenticated"):
        TrustedListSource.from_files([CY_31])


def test_the_2026_lotl_verifies_with_pyhankos_bundled_signers() -> None:
    lotl = read_trusted_list(LOTL_388)
    assert (lotl.territory, lotl.sequence_number, lotl.version) == ("EU", 388, 6)
    assert lotl.next_update == dt.datetime(2026, 11, 18, 12, 16, 35, tzinfo=UTC)
    assert lotl.signature.status is SignatureStatus.VERIFIED
    assert lotl.signature.signer_sha256 == EC_2023_SHA256
    assert list(lotl.pointers) == TERRITORIES


def test_the_2026_lotl_is_refused_with_only_the_2019_anchors(
    oj_2019: list[x509.Certificate],
) -> None:
    # its signer (EC 2023) was announced after OJ 2019: reaching it from those anchors
    # takes the pivot LOTLs, which esig does not follow (and which are not copied here)
    with pytest.raises(TrustedListError, match="does not verify with any"):
        TrustedListSource.from_files([], lotl=LOTL_388, lotl_certificates=oj_2019)


def test_the_2026_belgian_list_is_authenticated_by_the_2026_lotl(
    be_81_via_lotl_388: TrustedListSource,
) -> None:
    (be,) = be_81_via_lotl_388.lists
    assert (be.territory, be.sequence_number, be.version) == ("BE", 81, 6)
    assert be.signature.status is SignatureStatus.VERIFIED
    assert "Federale Overheidsdienst Economie" in (be.signature.signer or "")


def test_the_belgian_eid_certificate_is_qualified_by_the_2026_lists(
    be_81_via_lotl_388: TrustedListSource, belgian_eid_chain: list[x509.Certificate]
) -> None:
    q = be_81_via_lotl_388.qualification_at(
        belgian_eid_chain, BE_SIGNING_TIME, now=dt.datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert q.qualified is True
    assert q.certificate_type is CertificateType.ESIG
    assert q.qscd is True
    assert q.service_name == "CN=Belgium Root CA4, C=BE"
    assert q.territory == "BE" and q.list_sequence_number == 81
    assert q.status is TrustServiceStatus.GRANTED
    assert q.status_since == dt.datetime(2016, 6, 30, 22, tzinfo=UTC)
    assert q.list_signature is SignatureStatus.VERIFIED
    assert q.qualified_at_issuance is True
    # the leaf alone is not enough: the list holds the root (Belgium Root CA4), not
    # Citizen CA, so the issuer has to be in the chain given
    alone = be_81_via_lotl_388.qualification_at(belgian_eid_chain[:1], BE_SIGNING_TIME)
    assert alone.qualified is None


# --- lists signed by a since-expired TLSO certificate: checked at their issue time ---------


@pytest.mark.parametrize(("path", "territory"), [(BE_43, "BE"), (DK_22, "DK")])
def test_a_list_is_authenticated_at_its_issue_time(
    oj_2019: list[x509.Certificate], path: Path, territory: str
) -> None:
    source = TrustedListSource.from_files([path], lotl=LOTL_248, lotl_certificates=oj_2019)
    (tl,) = source.lists
    assert tl.territory == territory
    assert tl.signature.status is SignatureStatus.VERIFIED


def test_an_expired_tlso_certificate_is_not_called_a_broken_signature() -> None:
    tl = read_trusted_list(DK_22)
    assert tl.signature.integrity is True
    assert "changed after signing" not in (tl.signature.reason or "")


def test_allow_unsigned_accepts_an_intact_list_whose_signer_expired() -> None:
    source = TrustedListSource.from_files([DK_22], allow_unsigned=True)
    assert source.lists[0].signature.integrity is True


def test_the_whole_2019_set_loads_through_its_lotl(oj_2019: list[x509.Certificate]) -> None:
    source = TrustedListSource.from_files(
        [CY_31, BE_43, DK_22], lotl=LOTL_248, lotl_certificates=oj_2019
    )
    assert [(tl.territory, tl.signature.status) for tl in source.lists] == [
        ("CY", SignatureStatus.VERIFIED),
        ("BE", SignatureStatus.VERIFIED),
        ("DK", SignatureStatus.VERIFIED),
    ]


def test_the_belgian_eid_certificate_is_qualified_by_the_lists_of_its_time(
    oj_2019: list[x509.Certificate], belgian_eid_chain: list[x509.Certificate]
) -> None:
    # BE 43 (2019-06) is the Belgian list closest to the signing time (2020-09) in the data
    source = TrustedListSource.from_files([BE_43], lotl=LOTL_248, lotl_certificates=oj_2019)
    q = source.qualification_at(
        belgian_eid_chain, BE_SIGNING_TIME, now=BE_SIGNING_TIME + dt.timedelta(days=1)
    )
    assert q.qualified is True and q.qscd is True
    assert q.certificate_type is CertificateType.ESIG
    assert q.service_name == "CN=Belgium Root CA4, C=BE" and q.list_sequence_number == 43
    assert q.list_expired  # BE 43 was due 2019-12-13: a warning, still used


# --- what fails: the rest of the LOTL chain ---------------------------------------------------


@pytest.fixture
def tampered_cy(tmp_path: Path) -> Iterator[Path]:
    data = CY_31.read_bytes()
    marker = b"<TSLSequenceNumber>31<"
    assert marker in data
    changed = tmp_path / "CY-31-tampered.xml"
    changed.write_bytes(data.replace(marker, marker.replace(b"31", b"32"), 1))
    yield changed


def test_one_bad_list_does_not_sink_the_others(
    oj_2019: list[x509.Certificate], tampered_cy: Path
) -> None:
    # CY's signer is still valid, so only the changed byte makes the second copy fail
    source = TrustedListSource.from_files(
        [CY_31, tampered_cy], lotl=LOTL_248, lotl_certificates=oj_2019
    )
    assert [(tl.territory, tl.sequence_number) for tl in source.lists] == [("CY", 31)]
    (refusal,) = source.refused
    assert (refusal.territory, refusal.path) == ("CY", tampered_cy)
    assert refusal.signature is not None and refusal.signature.integrity is False
    # the refusal travels with every answer the source gives
    answer = source.qualification_at(oj_2019[:1], BE_SIGNING_TIME)
    assert f"the trusted list CY ({tampered_cy}) was refused and not consulted" in (
        answer.explanation
    )


def test_when_every_list_is_refused_loading_fails(
    oj_2019: list[x509.Certificate], tampered_cy: Path
) -> None:
    with pytest.raises(TrustedListError, match="is refused") as caught:
        TrustedListSource.from_files([tampered_cy], lotl=LOTL_248, lotl_certificates=oj_2019)
    assert caught.value.territory == "CY"


def test_an_expired_lotl_is_a_finding(
    be_81_via_lotl_388: TrustedListSource, belgian_eid_chain: list[x509.Certificate]
) -> None:
    # LOTL 388 was due 2026-11-18; BE 81 is due 2026-12-15, so on 2026-12-01 only the
    # LOTL has expired
    q = be_81_via_lotl_388.qualification_at(
        belgian_eid_chain, BE_SIGNING_TIME, now=dt.datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert q.list_expired is False
    assert "list of trusted lists that authenticated it (EU, sequence 388)" in q.explanation
    assert "2026-11-18" in q.explanation
    # before its NextUpdate, no such warning
    fresh = be_81_via_lotl_388.qualification_at(
        belgian_eid_chain, BE_SIGNING_TIME, now=dt.datetime(2026, 11, 1, tzinfo=UTC)
    )
    assert "list of trusted lists" not in fresh.explanation


def test_the_cli_takes_a_lotl_with_its_lists() -> None:
    pdf = corpus("dss/belgian_pki_multiple_ocsps.pdf")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "esig",
            "verify",
            str(pdf),
            "--trusted-list",
            str(LOTL_388),
            "--trusted-list",
            str(corpus("trusted-lists/tsl-be-v6.xml")),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert "is refused" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr  # judged: not QES without a trusted TSA (below)
    # the lists were consulted: the LOTL authenticated BE 81, whose Belgium Root CA4
    # service issued Citizen CA (carried in the CMS)
    assert "No service in the trusted lists consulted has issued" not in done.stdout
    assert "Belgium Root CA4" in done.stdout


def test_the_cli_refuses_two_lists_of_lists() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "esig", "verify", str(corpus("dss/belgian_pki_multiple_ocsps.pdf")),
         "--trusted-list", str(LOTL_388), "--trusted-list", str(LOTL_248)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    assert "2 lists of trusted lists were given" in done.stderr


# --- the lists' service certificates as trust anchors ----------------------------------
#
# Both timestamps of the Belgian eID PDF (the signature's, 2020-09-05 21:37:19, and the
# document timestamp) come from Universign Timestamping Unit 027, a French provider's TSA
# whose certificate expired on 2026-01-07. The Belgian list does not name it; the French
# list would, but it is not among the test data. Without a trusted TSA the signature time
# is not proven, and today its embedded OCSP responses (fresh for a minute in 2020) are
# stale: then no list can make it QES. ``standin_tsa_list`` stands in for the French list:
# a test list, signed by a test scheme operator, whose TSA/QTST service holds the real
# TSU 027 certificate taken from the signature's timestamp token.

TSA_027 = "Universign Timestamping Unit 027"


@pytest.fixture(scope="module")
def universign_tsu() -> x509.Certificate:
    """The real certificate of the TSA that timestamped the Belgian eID signature."""
    with corpus("dss/belgian_pki_multiple_ocsps.pdf").open("rb") as f:
        sig = PdfFileReader(f).embedded_regular_signatures[0]
        (attr,) = [
            a
            for a in sig.signer_info["unsigned_attrs"]
            if a["type"].native == "signature_time_stamp_token"
        ]
        token_certs = attr["values"][0]["content"]["certificates"]
        (tsu,) = [c.chosen for c in token_certs if TSA_027 in c.chosen.subject.human_friendly]
        return x509.load_der_x509_certificate(tsu.dump())


@pytest.fixture(scope="module")
def standin_tsa_list(
    tmp_path_factory: pytest.TempPathFactory, universign_tsu: x509.Certificate
) -> tuple[Path, Path]:
    """A signed test list with TSU 027 as a granted TSA/QTST service, and its TLSO (PEM)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from esig.testing.trusted_lists import (
        ProviderSpec,
        ServiceSpec,
        StatusSpec,
        build_trusted_list,
        make_tlso,
        sign_trusted_list,
    )
    from esig.trust.trusted_lists import ServiceType

    tlso = make_tlso()
    service = ServiceSpec(
        name=f"{TSA_027} (stand-in for the French list)",
        certificate=universign_tsu,
        service_type=ServiceType.TSA_QTST,
        history=(
            StatusSpec(TrustServiceStatus.GRANTED, since=dt.datetime(2016, 7, 1, tzinfo=UTC)),
        ),
    )
    xml = build_trusted_list([ProviderSpec("Universign (test stand-in)", (service,))])
    folder = tmp_path_factory.mktemp("standin")
    path, pem = folder / "tl-standin.xml", folder / "tlso.pem"
    path.write_bytes(sign_trusted_list(xml, tlso))
    pem.write_bytes(tlso.certificate.public_bytes(Encoding.PEM))
    return path, pem


def _belgian_report(**settings: object) -> esig.VerificationReport:
    return esig.verify_pdf(corpus("dss/belgian_pki_multiple_ocsps.pdf"), **settings)  # type: ignore[arg-type]


def test_the_belgian_eid_signature_is_qes_once_its_french_tsa_is_listed(
    standin_tsa_list: tuple[Path, Path],
) -> None:
    # no trust anchor given: the lists' service certificates are the only ones
    tl, tlso = standin_tsa_list
    source = TrustedListSource.from_files(
        [corpus("trusted-lists/tsl-be-v6.xml"), tl],
        lotl=LOTL_388,
        tlso_certificates=x509.load_pem_x509_certificates(tlso.read_bytes()),
    )
    report = _belgian_report(trusted_lists=source)
    sig = report.signatures[0]
    assert sig.level.level.value == "QES", sig.level.summary
    # the moment judged is the timestamp's, not now
    assert sig.signing_time_source.value == "timestamp"
    assert sig.signing_time is not None
    assert sig.signing_time.date() == dt.date(2020, 9, 5)
    qualified = next(
        r for r in sig.level.results if r.requirement.id.value == "qes.recognised_provider"
    )
    assert "At the moment judged (2020-09-05" in qualified.evidence
    assert sig.level.label.value == "QESig"
    answer = sig.trusted_list_qualification
    assert answer is not None and answer.certificate_qualification is not None
    assert answer.certificate_qualification.value == "QC for eSig with QSCD"
    assert answer.moment.date() == dt.date(2020, 9, 5)
    # it is the Belgian list that made the path trusted: Belgium Root CA4 is its anchor
    path = sig.certificate_path
    assert path is not None and path.status.value == "trusted"
    assert [c.subject.common_name for c in path.chain] == [
        "Patrick Kremer (Signature)", "Citizen CA", "Belgium Root CA4",
    ]  # fmt: skip
    assert path.trust_anchor_source is not None
    assert path.trust_anchor_source.startswith("the trusted list BE #81, service")
    assert "Belgium Root CA4" in path.trust_anchor_source
    assert "which made it a trust anchor" in path.message
    # and the stand-in list's TSA/QTST certificate made the timestamp trusted
    stamp = next(f for f in sig.findings if f.check.value == "timestamp")
    assert stamp.outcome.value == "passed" and TSA_027 in stamp.message
    assert report.trust_anchors == ()  # the report lists the anchors given: none


def test_with_the_belgian_list_alone_its_french_tsa_is_untrusted_and_it_is_not_qes(
    be_81_via_lotl_388: TrustedListSource,
) -> None:
    sig = _belgian_report(trusted_lists=be_81_via_lotl_388).signatures[0]
    assert sig.level.level.value == "SES"
    assert sig.signing_time_source.value == "claimed by the signer"
    stamp = next(f for f in sig.findings if f.check.value == "timestamp")
    assert "is not trusted" in stamp.message and TSA_027 in stamp.message
    # the report names what is missing: the TSA's issuing CA, in no list consulted
    assert "its issuer, Universign Timestamping CA, is neither a trust anchor" in stamp.message
    # the list gave the path its anchor, but judged now the 2020 OCSP responses are stale
    path = sig.certificate_path
    assert path is not None and path.status.value != "trusted"
    assert "No path from the signer's certificate to a trust anchor" not in path.message
    assert "stale" in next(f.message for f in sig.findings if f.check.value == "revocation")
    # the list finds Citizen CA's service through the CMS's certificates (the chain is
    # not validated): its answer is reported, but the level stays below AES, so not QES
    recognised = next(
        r for r in sig.level.results if r.requirement.id.value == "qes.recognised_provider"
    )
    assert "Belgium Root CA4" in recognised.evidence
    identifies = next(
        r for r in sig.level.results if r.requirement.id.value == "aes.identifies_signatory"
    )
    assert identifies.status.value != "met"


def test_a_list_without_the_belgian_cas_does_not_make_the_path_trusted(
    oj_2019: list[x509.Certificate], standin_tsa_list: tuple[Path, Path]
) -> None:
    # DK 22 (authenticated by LOTL 248) and the TSA stand-in: the TSA is trusted, the
    # signer's chain reaches no anchor
    tl, tlso = standin_tsa_list
    source = TrustedListSource.from_files(
        [DK_22, tl],
        lotl=LOTL_248,
        lotl_certificates=oj_2019,
        tlso_certificates=x509.load_pem_x509_certificates(tlso.read_bytes()),
    )
    assert source.service_certificates  # DK's services are anchors
    sig = _belgian_report(trusted_lists=source).signatures[0]
    assert sig.level.level.value != "QES"
    path = sig.certificate_path
    assert path is not None
    assert path.status.value == "no path to a trust anchor"
    assert path.trust_anchor_source is None
    assert next(f for f in sig.findings if f.check.value == "certificate").outcome.value != "passed"


def test_a_trust_anchor_you_give_still_counts_beside_the_lists(
    be_81_via_lotl_388: TrustedListSource, universign_tsu: x509.Certificate
) -> None:
    # you trust the TSA yourself; the Belgian list gives the signer's root
    report = _belgian_report(trust=[universign_tsu], trusted_lists=be_81_via_lotl_388)
    sig = report.signatures[0]
    assert sig.level.level.value == "QES", sig.level.summary
    assert sig.signing_time_source.value == "timestamp"
    assert [a.subject.common_name for a in report.trust_anchors] == [TSA_027]
    assert sig.certificate_path is not None
    assert (sig.certificate_path.trust_anchor_source or "").startswith("the trusted list BE #81")
    # a root you give yourself is yours, even when a list names it too
    root = next(
        c for c in be_81_via_lotl_388.service_certificates
        if c.subject.rfc4514_string() == "CN=Belgium Root CA4,C=BE"
    )  # fmt: skip
    mine = _belgian_report(trust=[universign_tsu, root], trusted_lists=be_81_via_lotl_388)
    path = mine.signatures[0].certificate_path
    assert path is not None and path.status.value == "trusted"
    assert path.trust_anchor_source is None
    assert mine.signatures[0].level.level.value == "QES"


def test_the_cli_trusts_the_lists_service_certificates(standin_tsa_list: tuple[Path, Path]) -> None:
    tl, tlso = standin_tsa_list
    be = corpus("trusted-lists/tsl-be-v6.xml")
    done = subprocess.run(
        [sys.executable, "-m", "esig", "verify", str(corpus("dss/belgian_pki_multiple_ocsps.pdf")),
         "--trusted-list", str(LOTL_388), "--trusted-list", str(be),
         "--trusted-list", str(tl), "--tlso", str(tlso), "--json"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout[-2000:]
    import json

    sig = json.loads(done.stdout)["signatures"][0]
    assert sig["level"]["level"] == "QES"
    assert sig["certificate_path"]["trust_anchor_source"].startswith("the trusted list BE #81")


def test_reading_a_real_list_raises_no_library_warning(oj_2019: list[x509.Certificate]) -> None:
    """LOTL 248 names certificates whose policy text cryptography reads leniently, with a
    warning: esig reads them with the warning caught, so an application sees none."""
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        lotl = read_trusted_list(LOTL_248, tlso_certificates=oj_2019)
    assert lotl.signature.status is SignatureStatus.VERIFIED
    assert [f"{w.category.__name__}: {w.message}" for w in seen] == []
