"""One contract, three backends: a software key, a real SoftHSM2 token, a real CSC server.

Every case runs against each backend (RSA and EC where the backend has both), with the
device built by the backend's own fixture and with the device opened from a URI by
:func:`esig.devices.factory.open_device`. No backend is mocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding

import esig
from esig.devices.base import DeviceKind, DigestAlgorithm, SignatureCreationDevice, SignatureScheme
from esig.devices.factory import SecretProvider, describe_uri, open_device
from esig.errors import EsigError, KeyLoadError
from esig.signing.batch import BatchResult, async_sign_many, sign_many
from esig.testing import require_tool

pytestmark = pytest.mark.real

PASSPHRASE = "contract passphrase 7391"
BACKENDS = ["software", "softhsm-rsa", "softhsm-ec", "csc-rsa", "csc-ec"]


@dataclass(frozen=True)
class Backend:
    """How to reach one backend, and what it must look like."""

    name: str
    kind: DeviceKind
    scheme: SignatureScheme
    uri: str
    """Opens the key with :func:`open_device` (secrets from the provider)."""
    secret: str | None
    """The passphrase or PIN the provider hands out (must never show anywhere)."""
    root: x509.Certificate
    direct: Callable[[], SignatureCreationDevice]
    """The backend's own way to build the device (the fixtures)."""
    missing_uri: str
    missing_error: type[EsigError]
    missing_words: str
    key_extractable: bool
    authentication_per_use: bool

    def provider(self, calls: list[str]) -> SecretProvider:
        def provide(prompt: str) -> str:
            calls.append(prompt)
            return self.secret or ""

        return provide


def _chain_pem(folder: Path, certificates: tuple[x509.Certificate, ...]) -> Path:
    path = folder / "chain.pem"
    path.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in certificates))
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    name: str = request.param
    if name == "software":
        pki = request.getfixturevalue("esig_pki")
        signer = request.getfixturevalue("esig_signer")
        folder = tmp_path_factory.mktemp("contract-p12")
        files = pki.write(folder, signer, PASSPHRASE.encode())
        return Backend(
            name=name,
            kind=DeviceKind.SOFTWARE,
            scheme=SignatureScheme.RSA_PKCS1V15,
            uri=f"file:{files['signer_p12']}",
            secret=PASSPHRASE,
            root=pki.root.certificate,
            direct=signer.device,
            missing_uri=f"file:{folder / 'absent.p12'}",
            missing_error=KeyLoadError,
            missing_words="does not exist",
            key_extractable=True,
            authentication_per_use=False,
        )
    if name.startswith("softhsm"):
        pytest.importorskip("pkcs11")
        from esig.devices.pkcs11 import KeyNotFoundError

        token = request.getfixturevalue("esig_softhsm_token")
        label = "rsa-signer" if name.endswith("rsa") else "ec-signer"
        chain = _chain_pem(tmp_path_factory.mktemp("contract-chain"), token.chain)
        base = f"pkcs11:token={quote(token.label)};object={{}}"
        query = f"?module-path={token.module_path}&chain={chain}"
        return Backend(
            name=name,
            kind=DeviceKind.PKCS11,
            scheme=SignatureScheme.RSA_PKCS1V15 if label == "rsa-signer" else SignatureScheme.ECDSA,
            uri=base.format(label) + query,
            secret=token.pin,
            root=token.chain[-1],
            direct=lambda: token.open_device(label),
            missing_uri=base.format("no-such-key") + query,
            missing_error=KeyNotFoundError,
            missing_words="no-such-key",
            key_extractable=False,
            authentication_per_use=False,
        )
    from esig.devices.csc import CredentialNotFoundError

    server = request.getfixturevalue("esig_csc_server")
    credential = server.rsa_credential_id if name == "csc-rsa" else server.ec_credential_id
    return Backend(
        name=name,
        kind=DeviceKind.REMOTE,
        scheme=SignatureScheme.RSA_PKCS1V15 if name == "csc-rsa" else SignatureScheme.ECDSA,
        uri=f"csc+{server.base_url}/csc/v1?credential={quote(credential)}&timeout=20",
        secret=None,
        root=server.root_certificate,
        direct=lambda: server.device(credential),
        missing_uri=f"csc+{server.base_url}?credential={quote(server.unknown_credential_id)}",
        missing_error=CredentialNotFoundError,
        missing_words="no-such-credential",
        key_extractable=False,
        authentication_per_use=True,
    )


@contextlib.contextmanager
def opened(
    backend: Backend, source: str, calls: list[str] | None = None
) -> Iterator[SignatureCreationDevice]:
    if source == "fixture":
        device = backend.direct()
    else:
        device = open_device(
            backend.uri, secret_provider=backend.provider(calls if calls is not None else [])
        )
    try:
        yield device
    finally:
        close = getattr(device, "close", None)
        if callable(close):
            close()


def _verify_raw(device: SignatureCreationDevice, signature: bytes, digest: bytes) -> None:
    public = device.certificate.public_key()
    prehashed = Prehashed(DigestAlgorithm.SHA256.hash())
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, digest, padding.PKCS1v15(), prehashed)
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, digest, ec.ECDSA(prehashed))


def _pdfsig(path: Path) -> str:
    done = subprocess.run(
        [require_tool("pdfsig"), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout + done.stderr


def _pyhanko_bottom_line(path: Path, root: x509.Certificate) -> bool:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from esig._pyhanko.signer import to_asn1

    with path.open("rb") as handle:
        reader = PdfFileReader(handle)
        context = ValidationContext(trust_roots=[to_asn1(root)])
        status = validate_pdf_signature(reader.embedded_signatures[0], context)
    return bool(status.bottom_line)


def _login_calls() -> int:
    try:
        from esig.devices.pkcs11.login import Logins
    except ImportError:
        return 0
    return Logins.login_calls


# ----------------------------------------------------------------- the contract


@pytest.mark.parametrize("source", ["fixture", "uri"])
def test_evidence_and_certificate_are_consistent(backend: Backend, source: str) -> None:
    with opened(backend, source) as device, opened(backend, "fixture") as reference:
        evidence = device.evidence
        assert evidence.kind is backend.kind
        assert evidence.key_extractable is backend.key_extractable
        assert evidence.authentication_per_use is backend.authentication_per_use
        assert evidence.qscd_claimed is False
        assert evidence.description
        assert device.scheme is backend.scheme
        assert device.certificate == reference.certificate
        assert device.chain == reference.chain
        assert device.chain[-1] == backend.root
        assert device.certificate not in device.chain
        digest = hashlib.sha256(b"contract").digest()
        signature = device.sign_digest(digest, DigestAlgorithm.SHA256)
        assert len(signature) <= device.max_signature_size
        _verify_raw(device, signature, digest)


@pytest.mark.parametrize("source", ["fixture", "uri"])
def test_signed_pdf_verifies_in_esig_pdfsig_and_pyhanko(
    backend: Backend, source: str, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    out = tmp_path / "signed.pdf"
    with opened(backend, source) as device:
        signed = esig.sign_pdf(esig_sample_pdf, out, device, reason=f"contract {backend.name}")
    assert signed.path == out
    assert signed.signer.display

    report = esig.verify_pdf(out, trust=[backend.root], allow_fetching=True)
    assert report.passed, report.to_text()
    assert "Signature is Valid." in _pdfsig(out)
    assert _pyhanko_bottom_line(out, backend.root)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_of_five_needs_one_login_and_one_secret(
    backend: Backend, workers: int, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    sources = []
    for i in range(5):
        path = tmp_path / f"in-{i}.pdf"
        path.write_bytes(esig_sample_pdf.read_bytes())
        sources.append(path)
    out = tmp_path / "out"
    out.mkdir()
    calls: list[str] = []
    progress: list[BatchResult] = []
    logins = _login_calls()
    with opened(backend, "uri", calls) as device:
        results = sign_many(
            ((s, out / s.name) for s in sources),
            device,
            on_progress=progress.append,
            workers=workers,
        )
        if backend.kind is DeviceKind.PKCS11:
            assert getattr(device, "signatures", None) == 5
    assert [r.source for r in results] == sources
    assert all(r.ok for r in results), [r.error for r in results]
    assert sorted(r.source for r in progress) == sorted(sources)
    assert len(calls) == (1 if backend.secret else 0), calls
    if backend.kind is DeviceKind.PKCS11:
        assert _login_calls() - logins == 1
    for result in results:
        assert result.document is not None
        assert esig.verify_pdf(result.output, trust=[backend.root], allow_fetching=True).passed
    assert not list(out.glob("*.part"))


def test_async_batch_reports_progress_on_the_loop(
    backend: Backend, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    pairs = [(esig_sample_pdf, tmp_path / f"out-{i}.pdf") for i in range(3)]
    threads: list[threading.Thread] = []

    async def run() -> list[BatchResult]:
        with opened(backend, "uri") as device:
            return await async_sign_many(
                pairs, device, on_progress=lambda _: threads.append(threading.current_thread())
            )

    results = asyncio.run(run())
    assert all(r.ok for r in results), [r.error for r in results]
    assert threads == [threading.main_thread()] * 3


def test_a_missing_key_gives_the_backends_own_error(backend: Backend) -> None:
    calls: list[str] = []
    with pytest.raises(backend.missing_error) as caught:
        open_device(backend.missing_uri, secret_provider=backend.provider(calls))
    assert backend.missing_words in str(caught.value)
    if backend.secret:
        assert backend.secret not in str(caught.value)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_document_does_not_stop_the_batch(
    backend: Backend, workers: int, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not a PDF body")
    not_pdf = tmp_path / "notes.txt"
    not_pdf.write_text("hello")
    pairs = [
        (esig_sample_pdf, tmp_path / "a-signed.pdf"),
        (not_pdf, tmp_path / "b-signed.pdf"),
        (broken, tmp_path / "c-signed.pdf"),
        (tmp_path / "absent.pdf", tmp_path / "d-signed.pdf"),
        (esig_sample_pdf, tmp_path / "a-signed.pdf"),  # the same output twice
        (esig_sample_pdf, tmp_path / "e-signed.pdf"),
    ]
    with opened(backend, "uri") as device:
        results = sign_many(pairs, device, workers=workers)
    assert [r.ok for r in results] == [True, False, False, False, False, True]
    assert results[1].error_type == "NotAPdfError"
    assert results[3].error_type == "DocumentNotFoundError"
    assert results[4].error_type == "OutputError"
    for result in results[1:4]:
        assert not result.output.exists()
        assert result.error
    assert not list(tmp_path.glob("*.part"))


def test_no_secret_in_repr_or_str(backend: Backend, tmp_path: Path) -> None:
    calls: list[str] = []
    with opened(backend, "uri", calls) as device:
        shown = [repr(device), str(device), device.evidence.model_dump_json()]
        assert device.certificate.subject.rfc4514_string() in repr(device)
    if backend.kind is DeviceKind.PKCS11:
        assert backend.secret is not None
        with_pin = backend.uri + "&pin-value=" + backend.secret
        parsed = describe_uri(with_pin)
        shown += [repr(parsed), str(parsed), parsed.model_dump_json()]
        with opened(dataclasses.replace(backend, uri=with_pin), "uri", calls) as device:
            shown += [repr(device), str(device)]
    if backend.kind is DeviceKind.SOFTWARE:
        wrong = dataclasses.replace(backend, secret="not-the-passphrase")
        with pytest.raises(esig.WrongPassphraseError) as caught:
            open_device(wrong.uri, secret_provider=wrong.provider([]))
        shown.append(str(caught.value))
        assert "not-the-passphrase" not in str(caught.value)
    if backend.secret:
        for text in shown:
            assert backend.secret not in text
