"""Device URIs: parsing (good and bad), opening and listing, and the CLI that speaks them."""

from __future__ import annotations

import http.server
import json
import os
import pty
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import SecretStr

import esig
from esig.devices.base import DeviceKind, SignatureCreationDevice
from esig.devices.csc import AuthorizationError, RemoteServiceError
from esig.devices.factory import (
    ACCEPTED_FORMS,
    CscDeviceUri,
    DeviceUri,
    FileDeviceUri,
    Pkcs11DeviceUri,
    describe_uri,
    env_secret_provider,
    list_devices,
    open_device,
)
from esig.errors import InputError, KeyLoadError, WrongPassphraseError
from esig.issuance import IssuedCertificate, TestPKI
from esig.signing.batch import sign_many
from esig.testing.softhsm import SOFTHSM_MODULE

PASSPHRASE = "factory passphrase 2218"
MODULE = SOFTHSM_MODULE


# ----------------------------------------------------------------- parsing


GOOD = [
    ("file:/keys/signer.p12", FileDeviceUri(path=Path("/keys/signer.p12"))),
    ("file:///keys/signer.p12", FileDeviceUri(path=Path("/keys/signer.p12"))),
    ("FILE://localhost/keys/signer.p12", FileDeviceUri(path=Path("/keys/signer.p12"))),
    ("file:signer.p12", FileDeviceUri(path=Path("signer.p12"))),
    (
        "file:/keys/my%20key.pem?cert=/keys/cert.pem&chain=/keys/ca.pem&chain=/keys/root.pem",
        FileDeviceUri(
            path=Path("/keys/my key.pem"),
            certificate=Path("/keys/cert.pem"),
            chain=(Path("/keys/ca.pem"), Path("/keys/root.pem")),
        ),
    ),
    (
        f"pkcs11:token=esig-test;object=rsa-signer?module-path={MODULE}",
        Pkcs11DeviceUri(module=MODULE, token="esig-test", key_label="rsa-signer"),
    ),
    (
        "pkcs11:token=My%20Token;id=%01%ab;type=private?module-name=libbeidpkcs11.so.0&qscd=true",
        Pkcs11DeviceUri(
            module="libbeidpkcs11.so.0",
            token="My Token",
            key_id="01ab",
            object_type="private",
            qscd_claimed=True,
        ),
    ),
    (
        "pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;serial=1a2b;token=t"
        "?module-path=/m.so&pin-source=file:/run/pin&chain=/c.pem",
        Pkcs11DeviceUri(
            module="/m.so",
            token="t",
            manufacturer="SoftHSM project",
            model="SoftHSM v2",
            serial="1a2b",
            pin_source=Path("/run/pin"),
            chain=(Path("/c.pem"),),
        ),
    ),
    ("pkcs11:?module-path=/m.so", Pkcs11DeviceUri(module="/m.so")),
    (
        "csc+http://127.0.0.1:8080/csc/v1?credential=esig-test/signer1",
        CscDeviceUri(base_url="http://127.0.0.1:8080", credential="esig-test/signer1"),
    ),
    (
        "csc+https://Signing.Example.org/api/?credential=a%2Bb%26c&timeout=5&qscd=yes",
        CscDeviceUri(
            base_url="https://signing.example.org/api",
            credential="a+b&c",
            timeout=5.0,
            qscd_claimed=True,
        ),
    ),
    ("csc+https://signing.example.org", CscDeviceUri(base_url="https://signing.example.org")),
]


@pytest.mark.parametrize(("uri", "expected"), GOOD, ids=[u for u, _ in GOOD])
def test_good_uris_parse_and_round_trip(uri: str, expected: DeviceUri) -> None:
    parsed = describe_uri(uri)
    assert parsed == expected
    assert describe_uri(str(parsed)) == parsed


def test_a_pin_value_is_parsed_hidden_and_never_written_back() -> None:
    parsed = describe_uri(f"pkcs11:token=t;object=k?module-path={MODULE}&pin-value=864213")
    assert isinstance(parsed, Pkcs11DeviceUri)
    assert parsed.pin_value == SecretStr("864213")
    for text in (repr(parsed), str(parsed), parsed.to_uri(), parsed.model_dump_json()):
        assert "864213" not in text
    assert "pin-value" not in str(parsed)


def test_kinds() -> None:
    assert describe_uri("file:/a.p12").kind is DeviceKind.SOFTWARE
    assert describe_uri("pkcs11:?module-path=/m.so").kind is DeviceKind.PKCS11
    assert describe_uri("csc+https://h?credential=c").kind is DeviceKind.REMOTE


BAD = [
    ("", "no scheme"),
    ("signer.p12", "no scheme"),
    ("https://signing.example.org", "scheme 'https'"),
    ("file:", "empty"),
    ("file://otherhost/keys/signer.p12", "another host"),
    ("file:/k.p12?passphrase=hunter2", "secret"),
    ("file:/k.p12?chain=/ca.pem", "chain= goes with"),
    ("file:/k.pem?cert=/c.pem&cert=/d.pem", "twice"),
    ("file:/k.pem?crt=/c.pem", "unknown attribute 'crt'"),
    ("file:/k.p12#frag", "fragment"),
    ("pkcs11:token=t;object=k", "module"),
    ("pkcs11:slot-id=1?module-path=/m.so", "never by slot-id"),
    ("pkcs11:token=t;token=u?module-path=/m.so", "twice"),
    ("pkcs11:tokn=t?module-path=/m.so", "unknown path attribute 'tokn'"),
    ("pkcs11:token=t;type=public?module-path=/m.so", "type=public"),
    ("pkcs11:token=t;object?module-path=/m.so", "no value"),
    ("pkcs11:token=t;id=?module-path=/m.so", "id= is empty"),
    ("pkcs11:token=t?module-path=/m.so&module-name=m.so", "not both"),
    ("pkcs11:token=t?module-path=/m.so&pin-source=|/bin/cat", "does not run commands"),
    ("pkcs11:token=t?module-path=/m.so&pin-source=/p&pin-value=1", "not both"),
    ("pkcs11:token=t?module-path=/m.so&qscd=maybe", "true or false"),
    ("pkcs11:token=%FF?module-path=/m.so", "UTF-8"),
    ("csc+http://user:pw@127.0.0.1:8080?credential=c", "never go in the URL"),
    ("csc+http://?credential=c", "no host"),
    ("csc+https://h:notaport?credential=c", "malformed"),
    ("csc+https://h?credential=c&timeout=-1", "positive"),
    ("csc+https://h?credential=c&timeout=soon", "number of seconds"),
    ("csc+https://h?cred=c", "unknown attribute 'cred'"),
    ("csc+https://h?credential=", "empty"),
]


@pytest.mark.parametrize(("uri", "why"), BAD, ids=[u or "<empty>" for u, _ in BAD])
def test_bad_uris_say_why_and_show_the_accepted_forms(uri: str, why: str) -> None:
    with pytest.raises(InputError) as caught:
        describe_uri(uri)
    message = str(caught.value)
    assert why in message
    assert ACCEPTED_FORMS in message


def test_a_bad_uri_error_hides_the_pin_value() -> None:
    with pytest.raises(InputError) as caught:
        describe_uri("pkcs11:token=t?module-path=/m.so&pin-value=555777&colour=red")
    assert "555777" not in str(caught.value)
    assert "pin-value=***" in str(caught.value)


# ----------------------------------------------------------------- opening files


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("factory-keys")
    pki = TestPKI()
    signer: IssuedCertificate = pki.issue_person("Femke", "Factory")
    files = pki.write(folder, signer, PASSPHRASE.encode())
    key = folder / "signer.key.pem"
    key.write_bytes(
        signer.private_key.private_bytes(
            Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
    )
    chain = folder / "chain.pem"
    chain.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in signer.chain))
    return {**files, "key": key, "chain": chain}


def test_a_pkcs12_file_asks_for_its_passphrase_once(key_files: dict[str, Path]) -> None:
    prompts: list[str] = []

    def provider(prompt: str) -> str:
        prompts.append(prompt)
        return PASSPHRASE

    device = open_device(f"file:{key_files['signer_p12']}", secret_provider=provider)
    assert device.certificate.subject.rfc4514_string().startswith("CN=Femke Factory")
    assert len(device.chain) == 2
    assert prompts == ["Passphrase for signer.p12"]


def test_a_pem_key_with_certificate_and_chain(key_files: dict[str, Path]) -> None:
    uri = (
        f"file:{quote(str(key_files['key']))}?cert={key_files['signer_cert']}"
        f"&chain={key_files['chain']}"
    )
    device = open_device(uri, secret_provider=lambda _: PASSPHRASE)
    assert len(device.chain) == 2
    assert device.evidence.description == "software key (PEM file)"


def test_file_errors_are_the_software_keys_own(key_files: dict[str, Path]) -> None:
    uri = f"file:{key_files['signer_p12']}"
    with pytest.raises(WrongPassphraseError, match="none was given"):
        open_device(uri)
    with pytest.raises(WrongPassphraseError, match="none was given"):
        open_device(uri, secret_provider=lambda _: "")
    with pytest.raises(WrongPassphraseError, match="does not open"):
        open_device(uri, secret_provider=lambda _: "wrong")
    with pytest.raises(KeyLoadError, match="does not exist"):
        open_device(f"file:{key_files['signer_p12'].parent / 'absent.p12'}")


def test_a_file_listing_describes_the_key(key_files: dict[str, Path]) -> None:
    (entry,) = list_devices(f"file:{key_files['signer_p12']}", secret_provider=lambda _: PASSPHRASE)
    assert entry.entry == "key" and entry.kind is DeviceKind.SOFTWARE and entry.usable
    assert entry.algorithm == "RSA-2048"
    assert entry.subject is not None and "Femke Factory" in entry.subject


def test_env_secret_provider_reads_the_environment_and_never_prompts_off_a_terminal() -> None:
    provide = env_secret_provider(
        environ={"ESIG_PIN": "1234", "ESIG_PASSPHRASE": "pass"}, interactive=False
    )
    assert provide("PIN for token 'x'") == "1234"
    assert provide("Passphrase for a.p12") == "pass"
    assert provide("One-time password for c") == ""
    empty = env_secret_provider(environ={}, interactive=False)
    assert empty("PIN for token 'x'") == ""
    given = env_secret_provider(environ={"ESIG_PASSPHRASE": "env"}, passphrase="file")
    assert given("Passphrase for a.p12") == "file"


def test_a_csc_pin_is_asked_once_for_a_whole_batch(
    monkeypatch: pytest.MonkeyPatch, esig_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    from esig.devices import factory
    from esig.devices.csc import CscClient
    from esig.testing.csc import MOCK_BASE_URL, MockCscTransport

    signer = esig_pki.issue_person("Pia", "Pin")
    transport = MockCscTransport({"pia": signer}, pin="2468")
    monkeypatch.setattr(
        factory,
        "_csc_client",
        lambda parsed, access_token=None: CscClient(parsed.base_url, transport=transport),
    )
    prompts: list[str] = []

    def provider(prompt: str) -> str:
        prompts.append(prompt)
        return "2468"

    device = open_device(f"csc+{MOCK_BASE_URL}?credential=pia", secret_provider=provider)
    assert prompts == [f"PIN for CSC credential 'pia' at {MOCK_BASE_URL}"]
    results = sign_many([(esig_sample_pdf, tmp_path / f"{i}.pdf") for i in range(3)], device)
    assert all(r.ok for r in results), [r.error for r in results]
    assert len(prompts) == 1
    assert "2468" not in repr(device)
    with pytest.raises(AuthorizationError):
        open_device(f"csc+{MOCK_BASE_URL}?credential=pia")


def test_a_broken_iterable_is_raised_after_clean_up(
    esig_device: SignatureCreationDevice, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    def pairs() -> Iterator[tuple[Path, Path]]:
        yield esig_sample_pdf, tmp_path / "one.pdf"
        raise RuntimeError("the listing broke")

    with pytest.raises(RuntimeError, match="the listing broke"):
        sign_many(pairs(), esig_device)
    assert (tmp_path / "one.pdf").exists()
    with pytest.raises(ValueError, match="at least 1"):
        sign_many([], esig_device, workers=0)


# ----------------------------------------------------------------- tokens and services


@pytest.fixture
def token(esig_softhsm_token: object) -> object:
    pytest.importorskip("pkcs11")
    return esig_softhsm_token


@pytest.mark.real
def test_listing_a_module_shows_its_tokens(token: object, esig_softhsm: object) -> None:
    entries = list_devices(f"pkcs11:?module-path={MODULE}")
    by_label = {e.label: e for e in entries}
    assert {"esig-test", "BELPIC"} <= set(by_label)
    assert all(e.entry == "token" and e.kind is DeviceKind.PKCS11 for e in entries)
    assert by_label["esig-test"].usable
    assert by_label["esig-test"].uri == f"pkcs11:token=esig-test?module-path={MODULE}"
    assert "PIN required" in (by_label["esig-test"].note or "")
    if "esig-locked" in by_label:
        assert not by_label["esig-locked"].usable


@pytest.mark.real
def test_listing_a_token_asks_for_the_pin_once_and_gives_openable_uris(token: object) -> None:
    prompts: list[str] = []

    def provider(prompt: str) -> str:
        prompts.append(prompt)
        return "736419"

    entries = list_devices(f"pkcs11:token=esig-test?module-path={MODULE}", secret_provider=provider)
    assert prompts == ["PIN for token 'esig-test'"]
    by_label = {e.label: e for e in entries}
    assert by_label["rsa-signer"].usable and by_label["rsa-signer"].algorithm == "RSA-2048"
    assert by_label["ec-signer"].algorithm == "EC-256"
    assert not by_label["no-certificate"].usable
    assert "no matching certificate" in (by_label["no-certificate"].note or "")
    # A key the token restricts to a hashing mechanism cannot sign a precomputed digest.
    assert by_label["ec-signer"].usable
    assert not by_label["hash-only"].usable
    assert "ECDSA_SHA256" in (by_label["hash-only"].note or "")
    assert "not extractable" in (by_label["rsa-signer"].note or "")
    uri = by_label["ec-signer"].uri
    assert uri.startswith("pkcs11:token=esig-test;id=%02;object=ec-signer?module-path=")
    with open_device(uri, secret_provider=provider) as device:  # type: ignore[attr-defined]
        assert device.key_label == "ec-signer"
    narrowed = list_devices(
        f"pkcs11:token=esig-test;object=rsa-signer?module-path={MODULE}&pin-value=736419"
    )
    assert [e.label for e in narrowed] == ["rsa-signer"]


@pytest.mark.real
def test_pkcs11_uri_pin_sources_and_token_identity(token: object, tmp_path: Path) -> None:
    from esig.devices.pkcs11 import PinRequiredError, TokenNotFoundError

    pin_file = tmp_path / "pin.txt"
    pin_file.write_text("736419\n")
    base = f"pkcs11:token=esig-test;object=rsa-signer?module-path={MODULE}"
    with open_device(f"{base}&pin-source=file:{pin_file}") as device:  # type: ignore[attr-defined]
        assert device.token_label == "esig-test"
    with pytest.raises(PinRequiredError):
        open_device(base)
    with pytest.raises(TokenNotFoundError, match="manufacturer"):
        open_device(
            f"pkcs11:manufacturer=Elsewhere;token=esig-test;object=rsa-signer"
            f"?module-path={MODULE}&pin-value=736419"
        )
    with pytest.raises(InputError, match="names no token"):
        open_device(f"pkcs11:?module-path={MODULE}")
    with pytest.raises(InputError, match="PIN file"):
        open_device(f"{base}&pin-source={tmp_path / 'absent'}")


@pytest.mark.real
def test_listing_a_csc_service_shows_its_credentials(esig_csc_server: object) -> None:
    from esig.testing.csc import LocalCscService

    assert isinstance(esig_csc_server, LocalCscService)
    with pytest.raises(InputError, match="names no credential"):
        open_device(f"csc+{esig_csc_server.base_url}")
    entries = list_devices(f"csc+{esig_csc_server.base_url}")
    by_label = {e.label: e for e in entries}
    rsa = by_label[esig_csc_server.rsa_credential_id]
    assert rsa.entry == "credential" and rsa.usable and rsa.algorithm == "RSA-2048"
    assert by_label[esig_csc_server.ec_credential_id].algorithm == "EC-256"
    public_only = by_label[esig_csc_server.public_only_credential_id]
    assert not public_only.usable and "disabled" in (public_only.note or "")
    device = open_device(rsa.uri)
    assert device.evidence.kind is DeviceKind.REMOTE


class _TokenCheckingHandler(http.server.BaseHTTPRequestHandler):
    """credentials/list for callers with the right bearer token; 401 for the others."""

    seen: ClassVar[list[str | None]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization")
        type(self).seen.append(auth)
        if auth == "Bearer s3cret-token":
            status, body = 200, {"credentialIDs": []}
        else:
            status, body = 401, {"error": "invalid_token", "error_description": "no token"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def token_service() -> Iterator[str]:
    _TokenCheckingHandler.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenCheckingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_csc_access_token_comes_from_the_environment_and_is_never_shown(
    token_service: str,
) -> None:
    with_token = env_secret_provider(
        environ={"ESIG_CSC_ACCESS_TOKEN": "s3cret-token"}, interactive=False
    )
    assert list_devices(f"csc+{token_service}", secret_provider=with_token) == []
    assert _TokenCheckingHandler.seen[-1] == "Bearer s3cret-token"

    without = env_secret_provider(environ={}, interactive=True)  # a token is never prompted
    with pytest.raises(RemoteServiceError) as caught:
        list_devices(f"csc+{token_service}", secret_provider=without)
    assert caught.value.status == 401
    assert _TokenCheckingHandler.seen[-1] is None

    wrong = env_secret_provider(environ={"ESIG_CSC_ACCESS_TOKEN": "wrong-token"})
    with pytest.raises(RemoteServiceError) as caught:
        list_devices(f"csc+{token_service}", secret_provider=wrong)
    assert "wrong-token" not in str(caught.value)
    assert "wrong-token" not in repr(caught.value)


# ----------------------------------------------------------------- the command line


def esig_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "esig.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **(env or {})},
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _copies(source: Path, folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"doc-{i}.pdf"
        path.write_bytes(source.read_bytes())
        paths.append(path)
    return paths


@pytest.mark.real
def test_cli_lists_tokens_keys_and_credentials(token: object, esig_csc_server: object) -> None:
    from esig.testing.csc import LocalCscService

    assert isinstance(esig_csc_server, LocalCscService)
    tokens = esig_cli("devices", "list", f"pkcs11:?module-path={MODULE}")
    assert tokens.returncode == 0, tokens.stderr
    assert f"pkcs11:token=esig-test?module-path={MODULE}" in tokens.stdout
    keys = esig_cli(
        "devices",
        "list",
        f"pkcs11:token=esig-test?module-path={MODULE}",
        "--json",
        env={"ESIG_PIN": "736419"},
    )
    assert keys.returncode == 0, keys.stderr
    listed = {e["label"]: e for e in json.loads(keys.stdout)}
    assert listed["rsa-signer"]["usable"] is True
    assert "736419" not in keys.stdout + keys.stderr
    no_pin = esig_cli("devices", "list", f"pkcs11:token=esig-test?module-path={MODULE}")
    assert no_pin.returncode == 2 and "PIN" in no_pin.stderr
    credentials = esig_cli("devices", "list", f"csc+{esig_csc_server.base_url}")
    assert credentials.returncode == 0, credentials.stderr
    assert esig_csc_server.rsa_credential_id in credentials.stdout
    bad = esig_cli("devices", "list", "ldap://directory")
    assert bad.returncode == 2
    assert "Accepted device URIs" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.real
def test_cli_signs_many_documents_with_one_token_login(
    token: object, esig_sample_pdf: Path, esig_pki: TestPKI, tmp_path: Path
) -> None:
    chain = tmp_path / "chain.pem"
    chain.write_bytes(
        esig_pki.intermediate.certificate.public_bytes(Encoding.PEM)
        + esig_pki.root.certificate.public_bytes(Encoding.PEM)
    )
    uri = f"pkcs11:token=esig-test;object=ec-signer?module-path={MODULE}&chain={chain}"
    docs = _copies(esig_sample_pdf, tmp_path / "in", 3)
    out = tmp_path / "out"
    done = esig_cli(
        "sign",
        "--device",
        uri,
        *map(str, docs),
        "--output-dir",
        str(out),
        env={"ESIG_PIN": "736419"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress bar
    assert "3 of 3 documents signed." in done.stdout
    for doc in docs:
        assert esig.verify_pdf(out / doc.name, trust=[esig_pki.root.certificate]).passed


def test_cli_batch_reports_failures_with_exit_code_1(
    key_files: dict[str, Path], esig_sample_pdf: Path, tmp_path: Path
) -> None:
    docs = _copies(esig_sample_pdf, tmp_path / "in", 2)
    not_pdf = tmp_path / "in" / "notes.pdf"
    not_pdf.write_text("not a PDF at all")
    out = tmp_path / "out"
    done = esig_cli(
        "sign",
        "--device",
        f"file:{key_files['signer_p12']}",
        str(docs[0]),
        str(not_pdf),
        str(docs[1]),
        "--output-dir",
        str(out),
        "--json",
        env={"ESIG_PASSPHRASE": PASSPHRASE},
    )
    assert done.returncode == 1, done.stderr
    results = json.loads(done.stdout)
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error_type"] == "NotAPdfError"
    assert not (out / "notes.pdf").exists()
    assert sorted(p.name for p in out.iterdir()) == ["doc-0.pdf", "doc-1.pdf"]
    text = esig_cli(
        "sign",
        "--device",
        f"file:{key_files['signer_p12']}",
        str(not_pdf),
        str(docs[0]),
        "--output-dir",
        str(tmp_path / "out2"),
        env={"ESIG_PASSPHRASE": PASSPHRASE},
    )
    assert text.returncode == 1
    assert f"esig: error: {not_pdf}: This is not a PDF" in text.stderr
    assert "1 of 2 documents signed." in text.stdout


def test_cli_single_document_form_still_works(
    key_files: dict[str, Path], esig_sample_pdf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "signed.pdf"
    done = esig_cli(
        "sign",
        str(esig_sample_pdf),
        "-o",
        str(out),
        "--device",
        f"file:{key_files['signer_p12']}",
        env={"ESIG_PASSPHRASE": PASSPHRASE},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Signed {esig_sample_pdf} as Femke Factory -> {out}")
    missing = esig_cli(
        "sign",
        str(tmp_path / "absent.pdf"),
        "-o",
        str(tmp_path / "x.pdf"),
        "--p12",
        str(key_files["signer_p12"]),
        env={"ESIG_PASSPHRASE": PASSPHRASE},
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("esig: error: The document does not exist")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["a.pdf", "b.pdf", "-o", "out.pdf"], "--output-dir"),
        (["a.pdf"], "-o FILE"),
        (["a.pdf", "-o", "x.pdf", "--output-dir", "d"], "not both"),
        (["in/a.pdf", "other/a.pdf", "--output-dir", "d"], "different folders"),
        (["a.pdf", "-o", "x.pdf", "--p12", "k.p12"], "not both"),
        (["a.pdf", "-o", "x.pdf", "--device", "file:/k.p12?pin=1"], "Accepted device URIs"),
    ],
)
def test_cli_usage_errors_exit_2(extra: list[str], message: str, tmp_path: Path) -> None:
    args = [*extra]
    if "--device" not in args:
        args += ["--device", f"file:{tmp_path / 'k.p12'}"]
    done = esig_cli("sign", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_device_that_cannot_open_exits_2(tmp_path: Path) -> None:
    done = esig_cli("sign", "a.pdf", "-o", "b.pdf", "--device", f"file:{tmp_path / 'absent.p12'}")
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, bytes]:
    """Run the CLI with stderr on a pseudo-terminal; return exit code, stdout, terminal bytes."""
    master, slave = pty.openpty()
    captured = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            captured.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "esig.cli", *args],
            stdout=subprocess.PIPE,
            stderr=slave,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=180,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "100", **env},
            check=False,
        )
    finally:
        os.close(slave)
        reader.join(timeout=5)
        os.close(master)
    return done.returncode, done.stdout, bytes(captured)


def test_progress_bar_only_on_a_terminal_and_never_with_json(
    key_files: dict[str, Path], esig_sample_pdf: Path, tmp_path: Path
) -> None:
    docs = [str(p) for p in _copies(esig_sample_pdf, tmp_path / "in", 3)]
    device = ["--device", f"file:{key_files['signer_p12']}"]
    env = {"ESIG_PASSPHRASE": PASSPHRASE}
    code, stdout, terminal = _run_on_a_terminal(
        ["sign", *device, *docs, "--output-dir", str(tmp_path / "a")], env
    )
    assert code == 0
    assert b"Signing" in terminal  # drawn on stderr...
    assert "Signing" not in stdout and "\x1b[" not in stdout  # ...never on stdout
    code, stdout, terminal = _run_on_a_terminal(
        ["sign", *device, *docs, "--output-dir", str(tmp_path / "b"), "--json"], env
    )
    assert code == 0
    assert b"Signing" not in terminal
    assert [r["ok"] for r in json.loads(stdout)] == [True, True, True]
