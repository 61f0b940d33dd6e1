"""Real SoftHSM2 tokens for tests, private to one test session.

:class:`SoftHsm` writes its own ``softhsm2.conf`` (token directory in a folder you
give, file object store, errors-only logging), points ``SOFTHSM2_CONF`` at it for this
process, creates tokens with ``softhsm2-util`` and generates keys *on* the token
(sensitive, never extractable), then certifies them with a :class:`~esig.issuance.TestPKI`
intermediate and imports the certificates as DER with the key's id and label.

SoftHSM2 reads its token directory when the module is initialised: create every token
before the module is used in this process, or let :meth:`SoftHsm.init_tokens`
re-initialise it (which ends every PKCS#11 session this process has open on it).

Fixtures (session scope; they skip, or fail under ``ESIG_REQUIRE_REAL=1``, when
``softhsm2-util``, the module or python-pkcs11 is missing):

``esig_softhsm``
    :class:`SoftHsmTokens`: the standard token, a Belgian-eID-like token and a token
    whose user PIN is locked, all made in one go (well under a second).
``esig_softhsm_token``
    The standard token (:class:`SoftHsmToken`): RSA-2048 ``rsa-signer`` and P-256
    ``ec-signer`` with certificates, ``no-certificate`` (P-256, no certificate),
    ``hash-only`` (P-256 restricted to ``CKM_ECDSA_SHA256``) and ``wrong-certificate``
    (P-256, stored with another key's certificate).
``esig_softhsm_beid``
    A token laid out like a Belgian eID card (see :meth:`SoftHsm.beid_layout`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from esig.issuance import KeyType, Qualification, TestPKI, qualified_extensions
from esig.testing.real import real_part_missing

if TYPE_CHECKING:
    from esig.devices.pkcs11 import Pkcs11Device

__all__ = [
    "SOFTHSM_MODULE",
    "SoftHsm",
    "SoftHsmKey",
    "SoftHsmToken",
    "SoftHsmTokens",
    "esig_softhsm",
    "esig_softhsm_beid",
    "esig_softhsm_token",
]

SOFTHSM_MODULE: Final = "/usr/lib/softhsm/libsofthsm2.so"
"""Where Debian's softhsm2 package installs the PKCS#11 module."""

_TEST_PIN: Final = "736419"
_TEST_SO_PIN: Final = "90817263"

# SoftHSM2 (file object store) token.object layout: an 8-byte generation counter,
# then attributes as (type: u64, kind: u64, value); kind 1 = bool (1 byte),
# 2 = ulong (u64), 3 = byte string (u64 length + bytes). Big-endian.
_CKA_OS_TOKENLABEL: Final = 0x80005349
_CKA_OS_TOKENFLAGS: Final = 0x8000534B
_CKF_USER_PIN_LOCKED: Final = 0x00040000

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class SoftHsmKey:
    """A key pair generated on a SoftHSM2 token."""

    label: str
    """The label of the private key (and of its certificate, if any)."""
    key_id: bytes
    """The shared ``CKA_ID`` of the key pair and certificate."""
    public_key: PublicKey
    """The public half, read from the token."""
    certificate: x509.Certificate | None
    """The certificate imported with the key, if any."""


@dataclass(frozen=True)
class SoftHsmToken:
    """A SoftHSM2 token made by :class:`SoftHsm`, and how to open its keys."""

    module_path: str
    """The PKCS#11 module to load."""
    label: str
    """The token label (select tokens by label, never by slot)."""
    pin: str
    """The user PIN (a test value)."""
    keys: dict[str, SoftHsmKey] = field(default_factory=dict)
    """The keys on the token, by label."""
    chain: tuple[x509.Certificate, ...] = ()
    """The issuers of the token's certificates: intermediate, then root."""

    def open_device(
        self,
        key_label: str,
        *,
        pin: str | None = None,
        chain: Sequence[x509.Certificate] | None = None,
        pin_per_use: bool | None = None,
        qscd_claimed: bool = False,
    ) -> Pkcs11Device:
        """Open :class:`~esig.devices.pkcs11.Pkcs11Device` on key ``key_label``.

        ``pin`` defaults to the token's PIN and ``chain`` to :attr:`chain`.
        """
        from esig.devices.pkcs11 import Pkcs11Device  # noqa: PLC0415 - python-pkcs11 is optional (esig[pkcs11])

        return Pkcs11Device.open(
            self.module_path,
            token_label=self.label,
            key_label=key_label,
            pin=self.pin if pin is None else pin,
            pin_per_use=pin_per_use,
            qscd_claimed=qscd_claimed,
            chain=self.chain if chain is None else chain,
        )


@dataclass(frozen=True)
class SoftHsmTokens:
    """The tokens the ``esig_softhsm`` fixture makes."""

    hsm: SoftHsm
    standard: SoftHsmToken
    """``esig-test``: RSA and P-256 signers, and keys that fail in three ways."""
    beid: SoftHsmToken
    """``BELPIC``: laid out like a Belgian eID card."""
    locked: SoftHsmToken | None
    """``esig-locked``: the user PIN is flagged locked (None if the token file could not
    be patched)."""
    workbench: SoftHsmToken
    """``esig-workbench``: empty at first, for tests that generate keys and import
    certificates (a CA's key ceremony …), so that what they add and the logins they hold
    never change the other tokens.

    .. versionadded:: 0.2.0
    """


class SoftHsm:
    """A private SoftHSM2 installation in ``folder``: its own config and token directory.

    Creating one sets ``SOFTHSM2_CONF`` for this process; :meth:`restore_environment`
    puts the previous value back.

    Args:
        folder: An empty folder for the config and the token files.
        module_path: The SoftHSM2 PKCS#11 module.
        pin: The user PIN for every token made here.
        so_pin: The security officer PIN for every token made here.

    Raises:
        FileNotFoundError: ``softhsm2-util`` or the module is not installed.

    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        module_path: str = SOFTHSM_MODULE,
        pin: str = _TEST_PIN,
        so_pin: str = _TEST_SO_PIN,
    ) -> None:
        util = shutil.which("softhsm2-util")
        if util is None:
            raise FileNotFoundError("softhsm2-util is not installed (Debian package softhsm2)")
        if not Path(module_path).exists():
            raise FileNotFoundError(f"The SoftHSM2 module {module_path} is not installed")
        self.folder = Path(folder)
        self.module_path = module_path
        self.pin = pin
        self.so_pin = so_pin
        self._util = util
        self.token_dir = self.folder / "tokens"
        self.token_dir.mkdir(parents=True, exist_ok=True)
        self.config = self.folder / "softhsm2.conf"
        self.config.write_text(
            f"directories.tokendir = {self.token_dir}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n"
            "slots.removable = false\n"
        )
        self._previous_conf = os.environ.get("SOFTHSM2_CONF")
        os.environ["SOFTHSM2_CONF"] = str(self.config)

    def restore_environment(self) -> None:
        """Put ``SOFTHSM2_CONF`` back as it was before this installation was made."""
        if self._previous_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = self._previous_conf

    # -- building blocks

    def init_tokens(self, *labels: str) -> None:
        """Create and initialise one token per label, then re-initialise the module here.

        Re-initialising ends every session this process has open with the module.
        """
        for label in labels:
            subprocess.run(
                [
                    self._util,
                    "--init-token",
                    "--free",
                    "--label",
                    label,
                    "--so-pin",
                    self.so_pin,
                    "--pin",
                    self.pin,
                ],
                check=True,
                capture_output=True,
                timeout=60,
                env={**os.environ, "SOFTHSM2_CONF": str(self.config)},
            )
        self._lib().reinitialize()

    def generate_key(
        self,
        token_label: str,
        *,
        label: str,
        key_id: bytes,
        key_type: KeyType,
        always_authenticate: bool = False,
        allowed_mechanisms: Sequence[int] = (),
    ) -> PublicKey:
        """Generate a key pair on the token: sensitive, never extractable, signing only.

        Args:
            token_label: The token.
            label: Label of both halves.
            key_id: ``CKA_ID`` of both halves.
            key_type: RSA-2048/3072 or EC P-256/P-384.
            always_authenticate: Set ``CKA_ALWAYS_AUTHENTICATE`` (PIN on every signature).
            allowed_mechanisms: Restrict the private key (``CKA_ALLOWED_MECHANISMS``).

        Returns:
            The public key, read back from the token.

        """
        from esig.devices.pkcs11.keygen import generate_key_pair  # noqa: PLC0415 - python-pkcs11 is optional (esig[pkcs11])
        from esig.devices.pkcs11.session import attribute_mapper  # noqa: PLC0415 - python-pkcs11 is optional (esig[pkcs11])

        with self._session(token_label, attribute_mapper()) as session:
            return generate_key_pair(
                session,
                label=label,
                key_id=key_id,
                key_type=key_type,
                always_authenticate=always_authenticate,
                allowed_mechanisms=allowed_mechanisms,
            )

    def store_certificate(
        self, token_label: str, certificate: x509.Certificate, *, label: str, key_id: bytes
    ) -> None:
        """Import a certificate (DER, public object) with the given label and id."""
        from esig.devices.pkcs11.keygen import import_certificate  # noqa: PLC0415 - python-pkcs11 is optional (esig[pkcs11])

        with self._session(token_label) as session:
            import_certificate(session, certificate, label=label, key_id=key_id)

    def lock_user_pin(self, token_label: str) -> bool:
        """Flag the token's user PIN locked (``CKF_USER_PIN_LOCKED``), as after wrong PINs.

        SoftHSM2 2.6 never locks a PIN by itself (it only sets ``CKF_USER_PIN_COUNT_LOW``),
        so this edits the flag in the token's own file. Returns False when the file
        layout is not the one this understands.
        """
        for path in self.token_dir.glob("*/token.object"):
            data = bytearray(path.read_bytes())
            found = _token_fields(data)
            if found is None or found[0] != token_label:
                continue
            flags_at = found[1]
            (flags,) = struct.unpack_from(">Q", data, flags_at)
            struct.pack_into(">Q", data, flags_at, flags | _CKF_USER_PIN_LOCKED)
            (generation,) = struct.unpack_from(">Q", data, 0)
            struct.pack_into(">Q", data, 0, generation + 1)
            path.write_bytes(bytes(data))
            return True
        return False

    def certify(
        self,
        pki: TestPKI,
        public_key: PublicKey,
        *,
        given_name: str,
        surname: str,
        digital_signature: bool = True,
        content_commitment: bool = True,
        qualified: Qualification | None = None,
    ) -> x509.Certificate:
        """A natural person's certificate for a token key, issued by ``pki``'s intermediate.

        With ``qualified``, it is a qualified certificate (policy and qcStatements).
        """
        issuer = pki.intermediate
        not_before = pki.now - dt.timedelta(days=1)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "BQ"),
                x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
                x509.NameAttribute(NameOID.SURNAME, surname),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{given_name} {surname}"),
            ]
        )
        usage = x509.KeyUsage(
            digital_signature=digital_signature,
            content_commitment=content_commitment,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        issuer_public = issuer.certificate.public_key()
        assert isinstance(issuer_public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False
            )
            .add_extension(usage, critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
        )
        for extension in qualified_extensions(qualified) if qualified is not None else ():
            builder = builder.add_extension(extension.value, critical=extension.critical)
        return builder.sign(issuer.private_key, hashes.SHA256())

    def add_signer(
        self,
        pki: TestPKI,
        token_label: str,
        *,
        label: str,
        key_id: bytes,
        key_type: KeyType,
        given_name: str,
        surname: str,
        with_certificate: bool = True,
        always_authenticate: bool = False,
        allowed_mechanisms: Sequence[int] = (),
        digital_signature: bool = True,
        content_commitment: bool = True,
        qualified: Qualification | None = None,
    ) -> SoftHsmKey:
        """Generate a key on the token and, unless told not to, certify and import it.

        ``qualified`` makes the certificate a qualified one (see :meth:`certify`).
        """
        public = self.generate_key(
            token_label,
            label=label,
            key_id=key_id,
            key_type=key_type,
            always_authenticate=always_authenticate,
            allowed_mechanisms=allowed_mechanisms,
        )
        certificate = None
        if with_certificate:
            certificate = self.certify(
                pki,
                public,
                given_name=given_name,
                surname=surname,
                digital_signature=digital_signature,
                content_commitment=content_commitment,
                qualified=qualified,
            )
            self.store_certificate(token_label, certificate, label=label, key_id=key_id)
        return SoftHsmKey(label, key_id, public, certificate)

    # -- ready-made tokens

    def standard_token(self, pki: TestPKI, *, label: str = "esig-test") -> SoftHsmToken:
        """Fill an initialised token with signing keys, one per case to test.

        ``rsa-signer`` (RSA-2048), ``ec-signer`` (P-256), ``no-certificate`` (P-256, no
        certificate), ``hash-only`` (P-256, allowed only ``CKM_ECDSA_SHA256``, which esig
        cannot use) and ``wrong-certificate`` (P-256, stored with ``ec-signer``'s
        certificate).
        """
        from pkcs11 import Mechanism  # noqa: PLC0415 - python-pkcs11 is optional (esig[pkcs11])

        keys = [
            self.add_signer(
                pki,
                label,
                label="rsa-signer",
                key_id=b"\x01",
                key_type=KeyType.RSA_2048,
                given_name="Rosa",
                surname="Token",
            ),
            self.add_signer(
                pki,
                label,
                label="ec-signer",
                key_id=b"\x02",
                key_type=KeyType.EC_P256,
                given_name="Eli",
                surname="Token",
            ),
            self.add_signer(
                pki,
                label,
                label="no-certificate",
                key_id=b"\x03",
                key_type=KeyType.EC_P256,
                given_name="Nora",
                surname="Token",
                with_certificate=False,
            ),
            self.add_signer(
                pki,
                label,
                label="hash-only",
                key_id=b"\x04",
                key_type=KeyType.EC_P256,
                given_name="Hana",
                surname="Token",
                allowed_mechanisms=[int(Mechanism.ECDSA_SHA256)],
            ),
        ]
        # A key stored with somebody else's certificate (that of ec-signer).
        wrong = self.add_signer(
            pki,
            label,
            label="wrong-certificate",
            key_id=b"\x05",
            key_type=KeyType.EC_P256,
            given_name="Wim",
            surname="Token",
            with_certificate=False,
        )
        other = keys[1].certificate
        assert other is not None
        self.store_certificate(label, other, label="wrong-certificate", key_id=b"\x05")
        keys.append(SoftHsmKey(wrong.label, wrong.key_id, wrong.public_key, other))
        return self._token(label, keys, pki)

    def beid_layout(self, pki: TestPKI, *, label: str = "BELPIC") -> SoftHsmToken:
        """Fill an initialised token the way the beid middleware shows a Belgian eID card.

        ``Authentication`` (id 02; key usage digitalSignature) and ``Signature`` (id 03;
        key usage nonRepudiation only, ``CKA_ALWAYS_AUTHENTICATE`` so every signature
        needs the PIN; a qualified certificate with QcSSCD, as on a real card), both
        RSA-2048, plus the issuer certificates ``CA`` and ``Root`` without keys. (Recent
        cards have EC keys; the layout is what matters here.)
        """
        keys = [
            self.add_signer(
                pki,
                label,
                label="Authentication",
                key_id=b"\x02",
                key_type=KeyType.RSA_2048,
                given_name="Lotte",
                surname="Peeters",
                content_commitment=False,
            ),
            self.add_signer(
                pki,
                label,
                label="Signature",
                key_id=b"\x03",
                key_type=KeyType.RSA_2048,
                given_name="Lotte",
                surname="Peeters",
                always_authenticate=True,
                digital_signature=False,
                qualified=Qualification(),
            ),
        ]
        self.store_certificate(label, pki.intermediate.certificate, label="CA", key_id=b"\x04")
        self.store_certificate(label, pki.root.certificate, label="Root", key_id=b"\x06")
        return self._token(label, keys, pki)

    def test_tokens(self, pki: TestPKI) -> SoftHsmTokens:
        """Make the standard, Belgian-eID-like, PIN-locked and workbench tokens (the fixtures)."""
        self.init_tokens("esig-test", "BELPIC", "esig-locked", "esig-workbench")
        standard = self.standard_token(pki, label="esig-test")
        beid = self.beid_layout(pki, label="BELPIC")
        locked_key = self.add_signer(
            pki,
            "esig-locked",
            label="locked",
            key_id=b"\x01",
            key_type=KeyType.EC_P256,
            given_name="Lena",
            surname="Locked",
        )
        locked = self._token("esig-locked", [locked_key], pki)
        return SoftHsmTokens(
            hsm=self,
            standard=standard,
            beid=beid,
            locked=locked if self.lock_user_pin("esig-locked") else None,
            workbench=self._token("esig-workbench", [], pki),
        )

    # -- internals

    def _lib(self) -> Any:
        import pkcs11  # noqa: PLC0415 - python-pkcs11 is optional (esig[pkcs11])

        return pkcs11.lib(self.module_path)

    def _session(self, token_label: str, mapper: Any = None) -> Any:
        import pkcs11  # noqa: PLC0415 - python-pkcs11 is optional (esig[pkcs11])

        token = self._lib().get_token(token_label=token_label)
        try:
            return token.open(rw=True, user_pin=self.pin, attribute_mapper=mapper)
        except pkcs11.UserAlreadyLoggedIn:
            # A device of this process holds the token's login (PKCS#11 login state is
            # per application): a new session shares it, so open one without logging in.
            return token.open(rw=True, attribute_mapper=mapper)

    def _token(self, label: str, keys: Sequence[SoftHsmKey], pki: TestPKI) -> SoftHsmToken:
        return SoftHsmToken(
            module_path=self.module_path,
            label=label,
            pin=self.pin,
            keys={k.label: k for k in keys},
            chain=(pki.intermediate.certificate, pki.root.certificate),
        )

    def __repr__(self) -> str:
        return f"<SoftHsm {self.token_dir}>"


def _token_fields(data: bytearray) -> tuple[str, int] | None:
    """The label and the offset of the flags value in a SoftHSM2 token.object file."""
    pos, label, flags_at = 8, None, None
    try:
        while pos < len(data) and (label is None or flags_at is None):
            kind_type, kind = struct.unpack_from(">QQ", data, pos)
            pos += 16
            if kind == 1:
                pos += 1
            elif kind == 2:
                if kind_type == _CKA_OS_TOKENFLAGS:
                    flags_at = pos
                pos += 8
            elif kind == 3:
                (length,) = struct.unpack_from(">Q", data, pos)
                if kind_type == _CKA_OS_TOKENLABEL:
                    label = bytes(data[pos + 8 : pos + 8 + length]).decode("utf-8").rstrip()
                pos += 8 + length
            else:
                return None
    except (struct.error, UnicodeDecodeError):
        return None
    if label is None or flags_at is None:
        return None
    return label, flags_at


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def esig_softhsm(
    esig_pki: TestPKI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SoftHsmTokens]:
    """Real SoftHSM2 tokens for this session: standard, Belgian-eID-like and PIN-locked."""
    if shutil.which("softhsm2-util") is None:
        real_part_missing("the command 'softhsm2-util' (Debian package softhsm2)")
    if not Path(SOFTHSM_MODULE).exists():
        real_part_missing(f"the SoftHSM2 module {SOFTHSM_MODULE}")
    try:
        import pkcs11  # noqa: F401, PLC0415 - python-pkcs11 is optional
    except ImportError:
        real_part_missing("python-pkcs11 (install esig[pkcs11])")
    hsm = SoftHsm(tmp_path_factory.mktemp("softhsm"))
    try:
        yield hsm.test_tokens(esig_pki)
    finally:
        hsm.restore_environment()


@pytest.fixture(scope="session")
def esig_softhsm_token(esig_softhsm: SoftHsmTokens) -> SoftHsmToken:
    """The standard SoftHSM2 token (see :meth:`SoftHsm.standard_token`)."""
    return esig_softhsm.standard


@pytest.fixture(scope="session")
def esig_softhsm_beid(esig_softhsm: SoftHsmTokens) -> SoftHsmToken:
    """A SoftHSM2 token laid out like a Belgian eID card (``BELPIC``)."""
    return esig_softhsm.beid
