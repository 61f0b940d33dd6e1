"""Keys on a real SoftHSM2 token: signing, what the token proves, and every way it fails.

No PKCS#11 mocks: the tokens are made by the ``esig_softhsm`` fixtures (softhsm2-util,
keys generated on the token). Two error mappings that SoftHSM2 cannot provoke (a PIN
lock reported by ``C_Login``, a mechanism refused at ``C_Sign``) are checked on the
mapping function with python-pkcs11's own exception classes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

import esig
from esig.devices.base import DeviceKind, DigestAlgorithm, SignatureScheme
from esig.errors import (
    KeyCertificateMismatchError,
    KeyLoadError,
    SigningError,
    WrongPassphraseError,
)
from esig.issuance import KeyType, TestPKI
from esig.testing import real_part_missing, require_tool

if TYPE_CHECKING:
    from esig.testing.softhsm import SoftHsmToken, SoftHsmTokens

pkcs11 = pytest.importorskip("pkcs11")

from esig.devices.pkcs11 import (  # noqa: E402 - after the importorskip
    BELGIAN_EID,
    CertificateNotOnTokenError,
    DeviceClosedError,
    KeyAlgorithm,
    KeyNotFoundError,
    KeyUsageError,
    MechanismNotSupportedError,
    PinIncorrectError,
    PinLockedError,
    PinRequiredError,
    Pkcs11Device,
    Pkcs11ModuleError,
    Pkcs11Profile,
    TokenKey,
    TokenNotFoundError,
    list_token_objects,
)
from esig.devices.pkcs11.device import _Pin  # noqa: E402 - after the importorskip
from esig.devices.pkcs11.errors import translate_error  # noqa: E402 - after the importorskip
from esig.devices.pkcs11.login import Logins  # noqa: E402 - after the importorskip

pytestmark = pytest.mark.real

WRONG_PIN = "024681"


def _pdfsig(path: Path) -> str:
    done = subprocess.run(
        [require_tool("pdfsig"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout + done.stderr


def _verify_raw(
    device: Pkcs11Device, signature: bytes, digest: bytes, alg: DigestAlgorithm
) -> None:
    public = device.certificate.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, digest, padding.PKCS1v15(), Prehashed(alg.hash()))
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, digest, ec.ECDSA(Prehashed(alg.hash())))


# ----------------------------------------------------------------- signing


@pytest.mark.parametrize(
    ("key_label", "scheme"),
    [("rsa-signer", SignatureScheme.RSA_PKCS1V15), ("ec-signer", SignatureScheme.ECDSA)],
)
def test_token_key_signs_a_pdf_that_esig_and_pdfsig_accept(
    esig_softhsm_token: SoftHsmToken,
    esig_pki: TestPKI,
    esig_sample_pdf: Path,
    tmp_path: Path,
    key_label: str,
    scheme: SignatureScheme,
) -> None:
    out = tmp_path / f"{key_label}.pdf"
    with esig_softhsm_token.open_device(key_label) as device:
        assert device.scheme is scheme
        signed = esig.sign_pdf(esig_sample_pdf, out, device, reason="token test")

    assert signed.signer.display.endswith("Token")
    report = esig.verify_pdf(out, trust=[esig_pki.root.certificate])
    assert report.passed
    assert "Signature is Valid." in _pdfsig(out)


@pytest.mark.parametrize("key_label", ["rsa-signer", "ec-signer"])
@pytest.mark.parametrize("alg", list(DigestAlgorithm))
def test_raw_signatures_verify_for_every_digest(
    esig_softhsm_token: SoftHsmToken, key_label: str, alg: DigestAlgorithm
) -> None:
    digest = hashlib.new(alg.value, b"the signed attributes").digest()
    with esig_softhsm_token.open_device(key_label) as device:
        signature = device.sign_digest(digest, alg)
        assert len(signature) <= device.max_signature_size
    _verify_raw(device, signature, digest, alg)


def test_a_wrong_digest_length_is_refused(esig_softhsm_token: SoftHsmToken) -> None:
    with (
        esig_softhsm_token.open_device("ec-signer") as device,
        pytest.raises(ValueError, match="32 bytes"),
    ):
        device.sign_digest(b"short", DigestAlgorithm.SHA256)


def test_a_batch_of_twenty_signatures_needs_one_login(esig_softhsm_token: SoftHsmToken) -> None:
    before = Logins.login_calls
    digests = [hashlib.sha256(bytes([i])).digest() for i in range(20)]
    with esig_softhsm_token.open_device("rsa-signer") as device:
        signatures = [device.sign_digest(d, DigestAlgorithm.SHA256) for d in digests]
        assert device.signatures == 20
    assert Logins.login_calls - before == 1
    for digest, signature in zip(digests, signatures, strict=True):
        _verify_raw(device, signature, digest, DigestAlgorithm.SHA256)


def test_async_signing_runs_on_the_same_session(esig_softhsm_token: SoftHsmToken) -> None:
    digests = [hashlib.sha256(bytes([i])).digest() for i in range(5)]
    with esig_softhsm_token.open_device("ec-signer") as device:

        async def sign_all() -> list[bytes]:
            return await asyncio.gather(
                *(device.async_sign_digest(d, DigestAlgorithm.SHA256) for d in digests)
            )

        signatures = asyncio.run(sign_all())
        assert device.signatures == 5
    for digest, signature in zip(digests, signatures, strict=True):
        _verify_raw(device, signature, digest, DigestAlgorithm.SHA256)


def test_select_by_key_id(esig_softhsm_token: SoftHsmToken) -> None:
    with Pkcs11Device.open(
        esig_softhsm_token.module_path,
        token_label=esig_softhsm_token.label,
        key_id="02",
        pin=esig_softhsm_token.pin,
    ) as device:
        assert device.key_label == "ec-signer"
        assert device.certificate == esig_softhsm_token.keys["ec-signer"].certificate


def test_a_bad_key_id_is_refused_before_any_token_call(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(ValueError, match="hex"):
        Pkcs11Device.open(
            esig_softhsm_token.module_path, token_label="esig-test", key_id="xyz", pin="0"
        )
    with pytest.raises(ValueError, match="key_id"):
        Pkcs11Profile(token_label="esig-test", key_id="1")


def test_closed_device_refuses_to_sign(esig_softhsm_token: SoftHsmToken) -> None:
    device = esig_softhsm_token.open_device("ec-signer")
    device.close()
    device.close()  # harmless
    assert device.closed
    assert "closed" in repr(device)
    with pytest.raises(DeviceClosedError):
        device.sign_digest(bytes(32), DigestAlgorithm.SHA256)


def test_two_devices_and_a_listing_share_one_login(esig_softhsm_token: SoftHsmToken) -> None:
    before = Logins.login_calls
    first = esig_softhsm_token.open_device("rsa-signer")
    with esig_softhsm_token.open_device("ec-signer") as second:
        keys = list_token_objects(
            esig_softhsm_token.module_path, esig_softhsm_token.label, esig_softhsm_token.pin
        )
        assert len(keys) == 5
        second.sign_digest(bytes(32), DigestAlgorithm.SHA256)
    # Closing the other device and the listing did not log the first one out.
    first.sign_digest(bytes(32), DigestAlgorithm.SHA256)
    first.close()
    assert Logins.login_calls - before == 1


def test_a_wrong_or_missing_pin_while_logged_in_is_still_refused(
    esig_softhsm_token: SoftHsmToken,
) -> None:
    with esig_softhsm_token.open_device("rsa-signer"):
        with pytest.raises(PinIncorrectError):
            esig_softhsm_token.open_device("ec-signer", pin=WRONG_PIN)
        with pytest.raises(PinRequiredError):
            Pkcs11Device.open(
                esig_softhsm_token.module_path, token_label="esig-test", key_label="ec-signer"
            )


# ----------------------------------------------------------------- what the token proves


def test_listing_reports_keys_certificates_and_non_extractable(
    esig_softhsm_token: SoftHsmToken,
) -> None:
    keys = {
        k.label: k
        for k in list_token_objects(
            esig_softhsm_token.module_path, esig_softhsm_token.label, esig_softhsm_token.pin
        )
    }
    assert set(keys) == {
        "rsa-signer",
        "ec-signer",
        "no-certificate",
        "hash-only",
        "wrong-certificate",
    }
    rsa_key = keys["rsa-signer"]
    assert (rsa_key.id, rsa_key.algorithm, rsa_key.key_size) == ("01", KeyAlgorithm.RSA, 2048)
    assert keys["ec-signer"].algorithm is KeyAlgorithm.EC and keys["ec-signer"].key_size == 256
    assert rsa_key.subject is not None and "CN=Rosa Token" in rsa_key.subject
    assert not keys["no-certificate"].has_certificate and keys["no-certificate"].subject is None
    for key in keys.values():
        assert key.can_sign
        assert key.sensitive is True and key.extractable is False
        assert key.never_extractable is True
        assert key.key_extractable is False
        assert key.always_authenticate is False
    assert TokenKey.model_validate_json(rsa_key.model_dump_json()) == rsa_key


def test_evidence_says_pkcs11_and_not_extractable(esig_softhsm_token: SoftHsmToken) -> None:
    with esig_softhsm_token.open_device("ec-signer") as device:
        evidence = device.evidence
    assert evidence.kind is DeviceKind.PKCS11
    assert evidence.key_extractable is False
    assert evidence.authentication_per_use is False
    assert evidence.qscd_claimed is False
    assert "esig-test" in evidence.description and "ec-signer" in evidence.description


def test_qscd_is_claimed_only_when_configured(esig_softhsm_token: SoftHsmToken) -> None:
    with esig_softhsm_token.open_device("ec-signer", qscd_claimed=True) as device:
        assert device.evidence.qscd_claimed is True


# ----------------------------------------------------------------- failures


def test_wrong_pin(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(PinIncorrectError) as caught:
        esig_softhsm_token.open_device("rsa-signer", pin=WRONG_PIN)
    assert isinstance(caught.value, WrongPassphraseError)
    assert caught.value.token_label == "esig-test"
    assert "refused the PIN" in str(caught.value)


def test_no_pin(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(PinRequiredError, match="needs a PIN"):
        Pkcs11Device.open(
            esig_softhsm_token.module_path, token_label="esig-test", key_label="rsa-signer"
        )


def test_locked_pin_is_not_even_tried(esig_softhsm: SoftHsmTokens) -> None:
    locked = esig_softhsm.locked
    if locked is None:
        real_part_missing("a SoftHSM2 token whose user PIN can be flagged as locked")
    with pytest.raises(PinLockedError, match="locked") as caught:
        locked.open_device("locked")
    assert isinstance(caught.value, KeyLoadError)
    assert "PUK" in str(caught.value)


def test_pin_locked_from_the_token_maps_to_pin_locked_error() -> None:
    # SoftHSM2 2.6 never answers CKR_PIN_LOCKED itself: check the mapping directly.
    error = translate_error(pkcs11.exceptions.PinLocked(), token_label="BELPIC")
    assert isinstance(error, PinLockedError) and error.token_label == "BELPIC"


def test_mechanism_refused_at_signing_maps_to_mechanism_error() -> None:
    error = translate_error(
        pkcs11.exceptions.MechanismInvalid(),
        token_label="t",
        key_label="k",
        signing=True,
        mechanism="ECDSA",
    )
    assert isinstance(error, MechanismNotSupportedError) and isinstance(error, SigningError)
    assert error.mechanism == "ECDSA"
    assert "key 'k' on token 't'" in str(error)


def test_missing_token(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(TokenNotFoundError) as caught:
        Pkcs11Device.open(esig_softhsm_token.module_path, token_label="no-such-token", pin="1")
    assert caught.value.token_label == "no-such-token"
    assert {"esig-test", "BELPIC"} <= set(caught.value.available)
    assert "'esig-test'" in str(caught.value)


def test_missing_key(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(KeyNotFoundError) as caught:
        esig_softhsm_token.open_device("no-such-key")
    assert caught.value.key_label == "no-such-key"
    assert "rsa-signer" in caught.value.available


def test_several_keys_and_no_choice(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(KeyNotFoundError, match="choose one"):
        Pkcs11Device.open(
            esig_softhsm_token.module_path, token_label="esig-test", pin=esig_softhsm_token.pin
        )


def test_key_without_certificate(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(CertificateNotOnTokenError, match="write-object") as caught:
        esig_softhsm_token.open_device("no-certificate")
    assert caught.value.key_id == "03"


def test_certificate_for_another_key(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(KeyCertificateMismatchError, match="for another key"):
        esig_softhsm_token.open_device("wrong-certificate")


def test_key_restricted_to_a_hashing_mechanism(esig_softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(MechanismNotSupportedError) as caught:
        esig_softhsm_token.open_device("hash-only")
    assert caught.value.mechanism == "ECDSA"
    assert caught.value.offered == ("ECDSA_SHA256",)


def test_missing_module(tmp_path: Path) -> None:
    with pytest.raises(Pkcs11ModuleError, match="does not exist") as caught:
        Pkcs11Device.open(tmp_path / "libnothing.so", token_label="x", pin="1")
    assert caught.value.module.endswith("libnothing.so")
    with pytest.raises(Pkcs11ModuleError, match="folder"):
        list_token_objects(tmp_path, "x", "1")


def test_a_library_that_is_not_pkcs11(tmp_path: Path) -> None:
    fake = tmp_path / "libfake.so"
    fake.write_bytes(b"not a shared library")
    with pytest.raises(Pkcs11ModuleError, match="cannot be loaded as a PKCS#11 module"):
        Pkcs11Device.open(fake, token_label="x", pin="1")


def test_the_pin_never_leaks(
    esig_softhsm_token: SoftHsmToken, caplog: pytest.LogCaptureFixture
) -> None:
    pin = esig_softhsm_token.pin
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    for wrong in (WRONG_PIN, pin + "0"):
        with pytest.raises(PinIncorrectError) as caught:
            esig_softhsm_token.open_device("rsa-signer", pin=wrong)
        seen += [str(caught.value), repr(caught.value), repr(caught.value.args)]
        assert wrong not in " ".join(seen)
    with esig_softhsm_token.open_device("rsa-signer") as device:
        device.sign_digest(bytes(32), DigestAlgorithm.SHA256)
        seen += [repr(device), str(device), repr(vars(device)), device.evidence.model_dump_json()]
    assert caplog.text, "expected debug logging to be captured"
    seen.append(caplog.text)
    assert all(pin not in text for text in seen)


# ----------------------------------------------------------------- Belgian eID layout


def test_beid_profile_selects_the_signature_key_and_signs(
    esig_softhsm_beid: SoftHsmToken, esig_pki: TestPKI, esig_sample_pdf: Path, tmp_path: Path
) -> None:
    before = Logins.login_calls
    out = tmp_path / "beid.pdf"
    with Pkcs11Device.from_profile(
        esig_softhsm_beid.module_path, BELGIAN_EID, pin=esig_softhsm_beid.pin
    ) as device:
        assert device.key_label == "Signature"
        # The chain comes from the token's own CA and Root certificates.
        assert device.chain == (esig_pki.intermediate.certificate, esig_pki.root.certificate)
        evidence = device.evidence
        assert evidence.authentication_per_use is True
        assert evidence.key_extractable is False
        esig.sign_pdf(esig_sample_pdf, out, device)
        # Every signature re-authenticates (CKA_ALWAYS_AUTHENTICATE), one login in all.
        for _ in range(3):
            digest = hashlib.sha256(b"more").digest()
            _verify_raw(
                device,
                device.sign_digest(digest, DigestAlgorithm.SHA256),
                digest,
                DigestAlgorithm.SHA256,
            )
        assert device.signatures == 4
    assert Logins.login_calls - before == 1
    assert esig.verify_pdf(out, trust=[esig_pki.root.certificate]).passed
    assert "Signature is Valid." in _pdfsig(out)


def test_beid_profile_refuses_the_authentication_key(esig_softhsm_beid: SoftHsmToken) -> None:
    profile = BELGIAN_EID.model_copy(update={"key_label": "Authentication"})
    with pytest.raises(KeyUsageError, match="'Signature', not 'Authentication'"):
        Pkcs11Device.from_profile(esig_softhsm_beid.module_path, profile, pin=esig_softhsm_beid.pin)


def test_pin_per_use_expectation_must_match_the_key(esig_softhsm_beid: SoftHsmToken) -> None:
    with pytest.raises(KeyUsageError, match="does not need the PIN for every signature"):
        esig_softhsm_beid.open_device("Authentication", pin_per_use=True)
    with pytest.raises(KeyUsageError, match="needs the PIN for every signature"):
        esig_softhsm_beid.open_device("Signature", pin_per_use=False)


def test_beid_listing_shows_always_authenticate(esig_softhsm_beid: SoftHsmToken) -> None:
    keys = {
        k.label: k
        for k in list_token_objects(esig_softhsm_beid.module_path, "BELPIC", esig_softhsm_beid.pin)
    }
    assert set(keys) == {"Authentication", "Signature"}
    assert keys["Signature"].always_authenticate and keys["Signature"].id == "03"
    assert not keys["Authentication"].always_authenticate and keys["Authentication"].id == "02"


def test_a_refused_per_use_pin_leaves_the_device_usable(esig_softhsm_beid: SoftHsmToken) -> None:
    # On SoftHSM2 a failed per-use login leaves the sign operation active in the session
    # (CKR_OPERATION_ACTIVE ever after); the device starts a fresh session instead.
    digest = hashlib.sha256(b"again").digest()
    with esig_softhsm_beid.open_device("Signature") as device:
        good = device._pin
        device._pin = _Pin(WRONG_PIN)
        with pytest.raises(PinIncorrectError):
            device.sign_digest(digest, DigestAlgorithm.SHA256)
        device._pin = good
        signature = device.sign_digest(digest, DigestAlgorithm.SHA256)
    _verify_raw(device, signature, digest, DigestAlgorithm.SHA256)


def test_the_pin_is_kept_only_for_per_use_keys(
    esig_softhsm_token: SoftHsmToken, esig_softhsm_beid: SoftHsmToken
) -> None:
    with esig_softhsm_token.open_device("rsa-signer") as device:
        assert device._pin is None
    with esig_softhsm_beid.open_device("Signature") as device:
        assert repr(device._pin) == "<PIN hidden>"
    assert device._pin is None  # forgotten on close


def test_keys_can_be_added_while_a_device_holds_the_login(esig_softhsm: SoftHsmTokens) -> None:
    # PKCS#11 login state is per application: while a device of this process is logged in,
    # a second C_Login on that token fails (CKR_USER_ALREADY_LOGGED_IN). The test kit's
    # key generation and certificate import share the login instead of failing.
    token = esig_softhsm.standard
    digest = hashlib.sha256(b"shared login").digest()
    with token.open_device("ec-signer") as device:
        public = esig_softhsm.hsm.generate_key(
            token.label, label="added-while-open", key_id=b"\x7e", key_type=KeyType.EC_P256
        )
        try:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            # The open device was not logged out by the key generation's session.
            signature = device.sign_digest(digest, DigestAlgorithm.SHA256)
            _verify_raw(device, signature, digest, DigestAlgorithm.SHA256)
            labels = {
                k.label for k in list_token_objects(token.module_path, token.label, token.pin)
            }
            assert "added-while-open" in labels
        finally:
            session = pkcs11.lib(token.module_path).get_token(token_label=token.label).open(rw=True)
            with session:
                for obj in session.get_objects({pkcs11.Attribute.LABEL: "added-while-open"}):
                    obj.destroy()
