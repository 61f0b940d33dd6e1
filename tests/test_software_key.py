"""The software key device: PEM and PKCS#12, encrypted or not, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

import esig
from esig.devices import DeviceKind, DigestAlgorithm
from esig.issuance import IssuedCertificate, KeyType, TestPKI

SECRET = "s3cret-passphrase-do-not-print"


def _pem_files(tmp_path: Path, signer: IssuedCertificate, *, encrypted: bool) -> tuple[Path, Path]:
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(SECRET.encode())
        if encrypted
        else serialization.NoEncryption()
    )
    key = tmp_path / "key.pem"
    key.write_bytes(
        signer.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
        )
    )
    cert = tmp_path / "cert.pem"
    cert.write_bytes(signer.certificate.public_bytes(serialization.Encoding.PEM))
    return key, cert


def test_pkcs12_with_passphrase(
    esig_pki: TestPKI, esig_signer: IssuedCertificate, tmp_path: Path
) -> None:
    paths = esig_pki.write(tmp_path, esig_signer, SECRET.encode())
    device = esig.SoftwareKey.from_pkcs12(paths["signer_p12"], SECRET)
    assert device.certificate == esig_signer.certificate
    assert esig_pki.intermediate.certificate in device.chain


def test_pkcs12_wrong_and_missing_passphrase(
    esig_pki: TestPKI, esig_signer: IssuedCertificate, tmp_path: Path
) -> None:
    paths = esig_pki.write(tmp_path, esig_signer, SECRET.encode())
    with pytest.raises(esig.WrongPassphraseError) as wrong:
        esig.SoftwareKey.from_pkcs12(paths["signer_p12"], "nope")
    assert "nope" not in str(wrong.value)
    with pytest.raises(esig.WrongPassphraseError, match="none was given"):
        esig.SoftwareKey.from_pkcs12(paths["signer_p12"])


def test_not_a_pkcs12_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.p12"
    junk.write_bytes(b"\x00\x01garbage")
    with pytest.raises(esig.KeyLoadError, match="not a PKCS#12"):
        esig.SoftwareKey.from_pkcs12(junk, "x")
    with pytest.raises(esig.KeyLoadError, match="does not exist"):
        esig.SoftwareKey.from_pkcs12(tmp_path / "missing.p12")


@pytest.mark.parametrize("encrypted", [False, True])
def test_pem_key(esig_signer: IssuedCertificate, tmp_path: Path, encrypted: bool) -> None:
    key, cert = _pem_files(tmp_path, esig_signer, encrypted=encrypted)
    device = esig.SoftwareKey.from_pem(key, cert, passphrase=SECRET if encrypted else None)
    assert device.certificate == esig_signer.certificate


def test_pem_wrong_passphrase(esig_signer: IssuedCertificate, tmp_path: Path) -> None:
    key, cert = _pem_files(tmp_path, esig_signer, encrypted=True)
    with pytest.raises(esig.WrongPassphraseError):
        esig.SoftwareKey.from_pem(key, cert, passphrase="wrong")
    with pytest.raises(esig.WrongPassphraseError, match="no passphrase"):
        esig.SoftwareKey.from_pem(key, cert)


def test_certificate_that_does_not_match_the_key(
    esig_pki: TestPKI, esig_signer: IssuedCertificate, tmp_path: Path
) -> None:
    other = esig_pki.issue_person("Other", "Person")
    key, _ = _pem_files(tmp_path, esig_signer, encrypted=False)
    cert = tmp_path / "other.pem"
    cert.write_bytes(other.certificate.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(esig.KeyCertificateMismatchError):
        esig.SoftwareKey.from_pem(key, cert)


def test_software_key_is_honest_about_itself(esig_device: esig.SoftwareKey) -> None:
    evidence = esig_device.evidence
    assert evidence.kind is DeviceKind.SOFTWARE
    assert evidence.key_extractable is True
    assert evidence.qscd_claimed is False


def test_secrets_never_in_repr(
    esig_pki: TestPKI, esig_signer: IssuedCertificate, tmp_path: Path
) -> None:
    paths = esig_pki.write(tmp_path, esig_signer, SECRET.encode())
    device = esig.SoftwareKey.from_pkcs12(paths["signer_p12"], SECRET)
    key_pem = esig_signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    for text in (repr(device), str(device), repr(esig_signer), repr(vars(device))):
        assert SECRET not in text
        assert key_pem.splitlines()[1] not in text
    assert "Anna de Vries" in repr(device)


@pytest.mark.parametrize("key_type", [KeyType.RSA_2048, KeyType.EC_P256])
def test_sign_digest_verifies_with_the_public_key(key_type: KeyType) -> None:
    signer = TestPKI(key_type).issue_person("A", "B")
    device = signer.device()
    digest_obj = hashes.Hash(hashes.SHA256())
    digest_obj.update(b"hello")
    digest = digest_obj.finalize()
    signature = device.sign_digest(digest, DigestAlgorithm.SHA256)
    public = signer.certificate.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, b"hello", padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, b"hello", ec.ECDSA(hashes.SHA256()))


def test_digest_of_wrong_length_is_refused(esig_device: esig.SoftwareKey) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        esig_device.sign_digest(b"short", DigestAlgorithm.SHA256)
