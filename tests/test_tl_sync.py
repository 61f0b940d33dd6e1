"""esig tl sync and the offline trusted-list cache (issue 16): real lists, a real HTTP server.

The folder path uses the real EU LOTL 248 of 2019 with the real Belgian, Cypriot and
Danish lists it points to, and the OJ 2019 LOTL signers (tests/data/tl_real). The URL path
serves lists built and signed with ``esig.testing.trusted_lists`` from ``http.server`` on
127.0.0.1, since the real LOTL's pointers lead to the real EU servers. Nothing here
touches the internet.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from esig.issuance import IssuedCertificate, TestPKI
from esig.testing import real_part_missing
from esig.testing.trusted_lists import (
    ListPointer,
    ListType,
    ProviderSpec,
    ServiceSpec,
    StatusSpec,
    build_list_of_lists,
    build_trusted_list,
    make_tlso,
    sign_trusted_list,
)
from esig.trust import (
    CachedFileKind,
    LotlSigners,
    SignatureStatus,
    TrustedListError,
    TrustServiceStatus,
    load_trusted_list_cache,
    sync_trusted_lists,
)
from esig.trust.tl_manifest import MANIFEST_NAME

DATA = Path(__file__).resolve().parent / "data" / "tl_real"
DSS = DATA / "dss-2019"
OJ_2019 = DSS / "oj-2019-lotl-signers.pem"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
UTC = dt.UTC
AT_2019 = dt.datetime(2019, 9, 10, tzinfo=UTC)
"""A moment when LOTL 248 and BE 43, CY 31, DK 22 were all current."""
NOW = dt.datetime.now(UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
LOTL_RULES = ("http://uri.etsi.org/TrstSvc/TrustedList/schemerules/EUlistofthelists",)


def snapshot(tmp_path: Path) -> Path:
    """A folder snapshot: the real 2019 files under names unlike their pointers' URLs."""
    folder = tmp_path / "snapshot"
    folder.mkdir(parents=True)
    for name in ("eu-lotl-248.xml", "BE-43.xml", "CY-31.xml", "DK-22.xml"):
        shutil.copy(DSS / name, folder / f"copy-of-{name.lower()}")
    return folder


@pytest.fixture(scope="module")
def oj_2019() -> LotlSigners:
    return LotlSigners.from_file(OJ_2019)


# --- the folder path, on real lists ------------------------------------------------------------


def test_a_real_folder_snapshot_syncs_and_loads_offline(
    tmp_path: Path, oj_2019: LotlSigners
) -> None:
    cache = tmp_path / "cache"
    result = sync_trusted_lists(
        cache, source=snapshot(tmp_path), lotl_certificates=oj_2019, now=AT_2019
    )
    manifest = result.manifest
    assert (manifest.lotl.territory, manifest.lotl.sequence_number) == ("EU", 248)
    assert manifest.lotl.signature is SignatureStatus.VERIFIED
    stored = {e.territory: e for e in manifest.lists if e.used}
    assert sorted(stored) == ["BE", "CY", "DK"]
    be = stored["BE"]
    assert (be.sequence_number, be.url) == (43, "https://tsl.belgium.be/tsl-be.xml")
    assert be.signature is SignatureStatus.VERIFIED and be.error is None
    assert (
        be.file is not None and (cache / be.file).read_bytes() == (DSS / "BE-43.xml").read_bytes()
    )
    assert be.size == (DSS / "BE-43.xml").stat().st_size and be.fetched is not None
    assert len(manifest.lists) == 31  # every XML pointer of LOTL 248 but the EU's own
    assert not result.complete  # 28 lists are not in the snapshot
    assert not [f for f in result.findings if "expired" in f]  # at their date, none had
    # the manifest on disk is the one returned, and nothing else is left behind
    on_disk = json.loads((cache / MANIFEST_NAME).read_text())
    assert on_disk["files"][0]["sha256"] == manifest.lotl.sha256
    assert not list(cache.rglob("*.part"))

    source = load_trusted_list_cache(cache, lotl_certificates=oj_2019)
    assert [(tl.territory, tl.sequence_number) for tl in source.lists] == [
        ("BE", 43),
        ("CY", 31),
        ("DK", 22),
    ]
    assert all(tl.signature.status is SignatureStatus.VERIFIED for tl in source.lists)
    assert source.lotl is not None and source.lotl.sequence_number == 248
    assert source.refused == ()
    assert "EU LOTL #248" in source.consulted and "BE #43, CY #31, DK #22" in source.consulted


def test_expired_lists_are_findings(tmp_path: Path, oj_2019: LotlSigners) -> None:
    result = sync_trusted_lists(
        tmp_path / "c",
        source=snapshot(tmp_path),
        lotl_certificates=oj_2019,
        now=dt.datetime(2020, 6, 1, tzinfo=UTC),
    )
    expired = [f for f in result.findings if "has expired" in f]
    assert len(expired) == 4 and "EU #248" in expired[0]
    assert "EXPIRED" in result.to_text()


def test_a_changed_cached_list_is_refused_by_territory_and_the_others_load(
    tmp_path: Path, oj_2019: LotlSigners
) -> None:
    cache = tmp_path / "cache"
    result = sync_trusted_lists(cache, source=snapshot(tmp_path), lotl_certificates=oj_2019)
    cy = next(e for e in result.manifest.lists if e.territory == "CY")
    assert cy.file is not None
    path = cache / cy.file
    path.write_bytes(
        path.read_bytes().replace(b"<TSLSequenceNumber>31<", b"<TSLSequenceNumber>32<")
    )
    source = load_trusted_list_cache(cache, lotl_certificates=oj_2019)
    assert [tl.territory for tl in source.lists] == ["BE", "DK"]
    (refusal,) = source.refused
    assert refusal.territory == "CY" and "changed since it was synced" in refusal.message
    assert "Refused: CY" in source.consulted


def test_a_tampered_list_in_the_snapshot_is_refused_by_territory(
    tmp_path: Path, oj_2019: LotlSigners
) -> None:
    folder = snapshot(tmp_path)
    cy = folder / "copy-of-cy-31.xml"
    cy.write_bytes(cy.read_bytes().replace(b"<TSLSequenceNumber>31<", b"<TSLSequenceNumber>32<"))
    cache = tmp_path / "cache"
    result = sync_trusted_lists(cache, source=folder, lotl_certificates=oj_2019)
    entry = next(e for e in result.manifest.lists if e.territory == "CY")
    assert entry.signature is SignatureStatus.NOT_VERIFIED and not entry.used
    assert entry.error is not None and entry.error.startswith("refused")
    source = load_trusted_list_cache(cache, lotl_certificates=oj_2019)
    assert [tl.territory for tl in source.lists] == ["BE", "DK"]
    assert [r.territory for r in source.refused] == ["CY"]


def test_wrong_lotl_signers_refuse_the_lotl_and_leave_the_cache(tmp_path: Path) -> None:
    stranger = LotlSigners(certificates=(make_tlso().certificate,), source="a stranger")
    cache = tmp_path / "cache"
    with pytest.raises(TrustedListError, match=r"list of trusted lists EU #248 .* is refused"):
        sync_trusted_lists(cache, source=snapshot(tmp_path), lotl_certificates=stranger)
    assert not (cache / MANIFEST_NAME).exists()
    # a good cache is not touched by a later sync whose LOTL is refused
    sync_trusted_lists(
        cache, source=snapshot(tmp_path / "x"), lotl_certificates=LotlSigners.from_file(OJ_2019)
    )
    before = (cache / MANIFEST_NAME).read_bytes()
    with pytest.raises(TrustedListError):
        sync_trusted_lists(cache, source=snapshot(tmp_path / "y"), lotl_certificates=stranger)
    assert (cache / MANIFEST_NAME).read_bytes() == before
    # and loading with the wrong anchors refuses the LOTL too
    with pytest.raises(TrustedListError, match=r"is refused.*a stranger"):
        load_trusted_list_cache(cache, lotl_certificates=stranger)


def test_the_bundled_lotl_signers_are_the_2026_set_of_lotl_388() -> None:
    bundled = LotlSigners.bundled()
    assert bundled.announcement == "https://eur-lex.europa.eu/eli/C/2026/1944/oj"
    assert len(bundled.certificates) == 6
    from esig._pyhanko.tl_lotl import read_lotl

    lotl = read_lotl(
        (DATA / "pyhanko-2026" / "eu-lotl-388.xml").read_bytes(), certificates=bundled.certificates
    )
    assert lotl.signature.status is SignatureStatus.VERIFIED
    assert {c.fingerprint for c in map(_hashed, lotl.announced_signers)} == {
        c.fingerprint for c in map(_hashed, bundled.certificates)
    }


class _hashed:
    def __init__(self, cert: x509.Certificate) -> None:
        from cryptography.hazmat.primitives import hashes

        self.fingerprint = cert.fingerprint(hashes.SHA256())


def test_a_folder_without_a_lotl_or_a_bad_source_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrustedListError, match="holds no list of trusted lists"):
        sync_trusted_lists(tmp_path / "c", source=tmp_path / "empty")
    with pytest.raises(TrustedListError, match="not an http"):
        sync_trusted_lists(tmp_path / "c", source="ftp://example.org/eu-lotl.xml")
    with pytest.raises(TrustedListError, match="not a trusted-list cache"):
        load_trusted_list_cache(tmp_path / "empty")


# --- a real HTTP server on 127.0.0.1 ------------------------------------------------------------


class _Server:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.stall = 0.0
        files = self.files
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/stall":
                    time.sleep(owner.stall)
                if self.path == "/huge":
                    self.send_response(200)
                    self.end_headers()  # no Content-Length: the size shows while reading
                    try:
                        for _ in range(4096):
                            self.wfile.write(b"<" * 65536)
                    except OSError:
                        pass
                    return
                body = files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.etsi.tsl+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Quiet(http.server.ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hung up on /huge

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def server() -> Iterator[_Server]:
    served = _Server()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(now=NOW - 50 * DAY)


def national(pki: TestPKI, territory: str, tlso: IssuedCertificate) -> bytes:
    service = ServiceSpec(
        f"{territory} Qualified CA",
        pki.intermediate.certificate,
        history=(StatusSpec(TrustServiceStatus.GRANTED, since=NOW - 60 * DAY),),
    )
    xml = build_trusted_list(
        [ProviderSpec(f"{territory} Trust", (service,))], territory=territory, issued=NOW - DAY
    )
    return sign_trusted_list(xml, tlso)


def lotl_pointer(url: str, certs: tuple[x509.Certificate, ...]) -> ListPointer:
    return ListPointer("EU", url, certs, list_type=ListType.EU_LIST_OF_THE_LISTS, rules=LOTL_RULES)


def test_sync_over_http_from_a_local_server(tmp_path: Path, server: _Server, pki: TestPKI) -> None:
    lotl_key, be_key, cy_key = (
        make_tlso("LOTL"),
        make_tlso("BE TLSO", territory="BE"),
        make_tlso("CY TLSO", territory="CY"),
    )
    server.files["/tl/be.xml"] = national(pki, "BE", be_key)
    server.files["/tl/cy.xml"] = national(pki, "CY", be_key)  # signed by the wrong operator
    lotl = build_list_of_lists(
        [
            lotl_pointer(server.url("/eu-lotl.xml"), (lotl_key.certificate,)),
            ListPointer("BE", server.url("/tl/be.xml"), (be_key.certificate,)),
            ListPointer("CY", server.url("/tl/cy.xml"), (cy_key.certificate,)),
            ListPointer("DK", server.url("/tl/missing.xml"), (cy_key.certificate,)),
            ListPointer("FI", "file:///etc/passwd", (cy_key.certificate,)),
        ]
    )
    server.files["/eu-lotl.xml"] = sign_trusted_list(lotl, lotl_key)
    anchors = LotlSigners(certificates=(lotl_key.certificate,))
    cache = tmp_path / "cache"
    result = sync_trusted_lists(cache, source=server.url("/eu-lotl.xml"), lotl_certificates=anchors)
    by = {e.territory: e for e in result.manifest.lists}
    assert by["BE"].used and by["BE"].signature is SignatureStatus.VERIFIED
    assert by["BE"].origin == server.url("/tl/be.xml")
    assert by["CY"].error is not None and by["CY"].error.startswith("refused")
    assert by["DK"].error is not None and "HTTP 404" in by["DK"].error and by["DK"].file is None
    assert by["FI"].error is not None and "not an http(s) URL" in by["FI"].error
    assert result.manifest.lotl.url == server.url("/eu-lotl.xml")

    source = load_trusted_list_cache(cache, lotl_certificates=anchors)
    assert [tl.territory for tl in source.lists] == ["BE"]
    assert [r.territory for r in source.refused] == ["CY"]
    assert "Not in the cache: DK, FI" in source.consulted
    chain = [pki.issue_person("Anna", "Listed").certificate, pki.intermediate.certificate]
    answer = source.qualification_at(chain, NOW)
    assert answer.territory == "BE" and "Trusted lists consulted: EU LOTL #1" in answer.explanation

    # the BE server goes away: the next sync keeps the copy it has, and says so
    del server.files["/tl/be.xml"]
    again = sync_trusted_lists(cache, source=server.url("/eu-lotl.xml"), lotl_certificates=anchors)
    be = next(e for e in again.manifest.lists if e.territory == "BE")
    assert be.used and be.file == by["BE"].file
    assert be.error is not None and "refresh failed" in be.error and "is kept" in be.error
    assert [
        tl.territory for tl in load_trusted_list_cache(cache, lotl_certificates=anchors).lists
    ] == ["BE"]


def test_a_stalling_server_times_out(tmp_path: Path, server: _Server) -> None:
    server.stall = 3.0
    started = time.monotonic()
    with pytest.raises(TrustedListError, match=r"did not answer within 0\.5 s"):
        sync_trusted_lists(tmp_path / "c", source=server.url("/stall"), timeout=0.5)
    assert time.monotonic() - started < 2.5


def test_a_server_that_sends_too_much_is_cut_off(tmp_path: Path, server: _Server) -> None:
    with pytest.raises(TrustedListError, match="more than the limit of 1048576 bytes"):
        sync_trusted_lists(tmp_path / "c", source=server.url("/huge"), max_size=1024 * 1024)
    # announced too large: refused before reading
    server.files["/big.xml"] = b" " * 2048
    with pytest.raises(TrustedListError, match="announces 2048 bytes"):
        sync_trusted_lists(tmp_path / "c", source=server.url("/big.xml"), max_size=1024)


def test_a_national_list_that_is_too_large_is_recorded_and_the_sync_goes_on(
    tmp_path: Path, server: _Server, pki: TestPKI
) -> None:
    lotl_key, be_key = make_tlso("LOTL"), make_tlso("BE TLSO", territory="BE")
    server.files["/be.xml"] = national(pki, "BE", be_key)
    lotl = build_list_of_lists(
        [
            ListPointer("BE", server.url("/be.xml"), (be_key.certificate,)),
            ListPointer("NL", server.url("/huge"), (be_key.certificate,)),
        ]
    )
    server.files["/lotl.xml"] = sign_trusted_list(lotl, lotl_key)
    result = sync_trusted_lists(
        tmp_path / "c",
        source=server.url("/lotl.xml"),
        max_size=200_000,
        lotl_certificates=[lotl_key.certificate],
    )
    by = {e.territory: e for e in result.manifest.lists}
    assert by["BE"].used
    assert by["NL"].error is not None and "more than the limit" in by["NL"].error


# --- pivots ------------------------------------------------------------------------------------


def test_pivots_carry_the_trust_from_the_old_signers_to_the_new(
    tmp_path: Path, server: _Server, pki: TestPKI
) -> None:
    old, new, newer = make_tlso("LOTL old"), make_tlso("LOTL new"), make_tlso("LOTL newer")
    be_key = make_tlso("BE TLSO", territory="BE")
    server.files["/be.xml"] = national(pki, "BE", be_key)
    oj = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=uriserv:OJ.C_.2099.1.01.0001.01.ENG"
    be = ListPointer("BE", server.url("/be.xml"), (be_key.certificate,))

    def lotl_xml(sequence: int, announces: IssuedCertificate, uris: list[str]) -> bytes:
        pointers = [lotl_pointer(server.url("/eu-lotl.xml"), (announces.certificate,)), be]
        return build_list_of_lists(pointers, sequence_number=sequence, information_uris=uris)

    pivot_10, pivot_20 = server.url("/eu-lotl-pivot-10.xml"), server.url("/eu-lotl-pivot-20.xml")
    # pivot 10: signed by the old key (announced in the OJ), names the new key
    server.files["/eu-lotl-pivot-10.xml"] = sign_trusted_list(
        lotl_xml(10, new, [pivot_10, oj]), old
    )
    # pivot 20: signed by the new key, names the newer key
    server.files["/eu-lotl-pivot-20.xml"] = sign_trusted_list(
        lotl_xml(20, newer, [pivot_20, pivot_10, oj]), new
    )
    # the current LOTL: signed by the newer key, lists both pivots (newest first)
    current = sign_trusted_list(lotl_xml(25, newer, [pivot_20, pivot_10, oj]), newer)
    server.files["/eu-lotl.xml"] = current
    anchors = LotlSigners(certificates=(old.certificate,), announcement=oj)

    cache = tmp_path / "cache"
    result = sync_trusted_lists(cache, source=server.url("/eu-lotl.xml"), lotl_certificates=anchors)
    pivots = result.manifest.pivots
    assert [(p.sequence_number, p.used) for p in pivots] == [(10, True), (20, True)]
    assert result.manifest.lotl.sequence_number == 25
    assert [e.territory for e in result.manifest.lists if e.used] == ["BE"]
    # offline, from the cached pivots
    server.files.clear()
    source = load_trusted_list_cache(cache, lotl_certificates=anchors)
    assert [tl.territory for tl in source.lists] == ["BE"]
    assert "then 2 pivot LOTL(s)" in source.consulted

    # without the pivots the old key does not reach the current LOTL
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "lotl.xml").write_bytes(current)
    with pytest.raises(TrustedListError, match="is refused"):
        sync_trusted_lists(tmp_path / "c2", source=bare, lotl_certificates=anchors)

    # a pivot signed by a key the chain does not reach is skipped, and the LOTL refused
    forged = make_tlso("forger")
    server.files["/eu-lotl-pivot-10.xml"] = sign_trusted_list(
        lotl_xml(10, new, [pivot_10, oj]), forged
    )
    server.files["/eu-lotl-pivot-20.xml"] = sign_trusted_list(
        lotl_xml(20, newer, [pivot_20, pivot_10, oj]), new
    )
    server.files["/eu-lotl.xml"] = current
    with pytest.raises(TrustedListError, match="then 0 of the 2 pivot LOTL"):
        sync_trusted_lists(
            tmp_path / "c3", source=server.url("/eu-lotl.xml"), lotl_certificates=anchors
        )


def test_pivots_from_a_folder_snapshot_are_matched_by_sequence_number(
    tmp_path: Path, pki: TestPKI
) -> None:
    old, new = make_tlso("LOTL old"), make_tlso("LOTL new")
    be_key = make_tlso("BE TLSO", territory="BE")
    pivot = "https://ec.europa.eu/tools/lotl/eu-lotl-pivot-7.xml"
    be = ListPointer("BE", "https://tsl.example.be/tsl-be.xml", (be_key.certificate,))
    self_ptr = lotl_pointer("https://ec.europa.eu/tools/lotl/eu-lotl.xml", (new.certificate,))
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "a.xml").write_bytes(
        sign_trusted_list(
            build_list_of_lists([self_ptr, be], sequence_number=7, information_uris=[pivot]), old
        )
    )
    (folder / "b.xml").write_bytes(
        sign_trusted_list(
            build_list_of_lists([self_ptr, be], sequence_number=9, information_uris=[pivot]), new
        )
    )
    (folder / "c.xml").write_bytes(national(pki, "BE", be_key))
    result = sync_trusted_lists(
        tmp_path / "cache", source=folder, lotl_certificates=[old.certificate]
    )
    assert result.manifest.lotl.sequence_number == 9
    assert [(p.kind, p.sequence_number, p.used) for p in result.manifest.pivots] == [
        (CachedFileKind.PIVOT, 7, True)
    ]
    assert result.complete


# --- the command line ----------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_cli_sync_and_verify_offline_on_the_belgian_eid_signature(tmp_path: Path) -> None:
    pdf = CORPUS / "dss" / "belgian_pki_multiple_ocsps.pdf"
    if not pdf.is_file():
        real_part_missing(f"the corpus file {pdf}")
    cache = tmp_path / "cache"
    done = run(
        "tl",
        "sync",
        "--cache",
        str(cache),
        "--from",
        str(snapshot(tmp_path)),
        "--lotl-signers",
        str(OJ_2019),
    )
    assert done.returncode == 1, done.stderr  # 28 of the 31 lists are not in the snapshot
    assert done.stderr == ""
    assert "3 of 31 stored and authenticated" in done.stdout
    assert "BE  #43   VERIFIED" in done.stdout

    verified = run(
        "verify",
        str(pdf),
        "--trusted-lists",
        str(cache),
        "--lotl-signers",
        str(OJ_2019),
        "--at",
        "2020-09-06",
    )
    assert verified.stderr == ""
    assert verified.returncode in {0, 1}  # the level is another matter (see test_tl_real)
    assert "Trusted lists consulted: EU LOTL #248" in verified.stdout
    assert "BE #43, CY #31, DK #22" in verified.stdout
    assert f"from the cache {cache}" in verified.stdout


def test_cli_wrong_lotl_signers_exit_2(tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.pem"
    from cryptography.hazmat.primitives.serialization import Encoding

    stranger.write_bytes(make_tlso().certificate.public_bytes(Encoding.PEM))
    done = run(
        "tl",
        "sync",
        "--cache",
        str(tmp_path / "c"),
        "--from",
        str(snapshot(tmp_path)),
        "--lotl-signers",
        str(stranger),
    )
    assert done.returncode == 2
    assert done.stderr.startswith("esig: error: The list of trusted lists EU #248")
    assert done.stderr.count("\n") == 1


def test_cli_verify_trusted_lists_needs_a_cache(tmp_path: Path) -> None:
    done = run("verify", str(tmp_path / "x.pdf"), "--trusted-lists", str(tmp_path))
    assert done.returncode == 2
    assert "not a trusted-list cache" in done.stderr
    both = run(
        "verify",
        str(tmp_path / "x.pdf"),
        "--trusted-lists",
        str(tmp_path),
        "--trusted-list",
        str(DSS / "BE-43.xml"),
    )
    assert both.returncode == 2 and "brings its own lists" in both.stderr
    assert "(--trusted-list)" in both.stderr
