"""Signing with the signer's own key: an eID card (PKCS#11) or a remote QSCD (CSC API).

For these two methods the portal does not seal: the signer signs, through esig's
:class:`esig.signing.SigningSession` (BES art. 2: the document shown, the risk text of
the method acknowledged, then signed with the device). The session is begun without a
device while the signer reads, and resumed with it in the request that signs, when the
signer has typed the PIN (or the remote service's credential and PIN). The PIN is used
for that one request and kept nowhere: not in the database, a log or an event.

- **eID**: :class:`EidCards` stands in for the card reader's middleware. In the demo
  and the tests every signer's "card" is a key on one SoftHSM2 token, certified for
  the signer by the demo's throwaway PKI when they are invited.
- **Remote**: :class:`RemoteSigning` connects esig's :class:`~esig.devices.csc.CscDevice`
  to a CSC service (certomancer-csc-dummy in the demo). The portal refuses a
  credential whose certificate names someone other than the invited signer.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

import esig
from esig.devices.csc import Activation, AuthorizationRequest, CscDevice, UrllibTransport
from esig.issuance import KeyType, TestPKI

if TYPE_CHECKING:
    from esig.testing.softhsm import SoftHsm


class OwnKeyError(Exception):
    """The signer's key cannot be used (wrong PIN, unknown credential, another person's)."""


def common_name(certificate: x509.Certificate) -> str:
    """The certificate subject's common name ('' if none)."""
    found = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else ""


def _same_person(certificate: x509.Certificate, name: str) -> bool:
    def plain(text: str) -> str:
        return " ".join(text.split()).casefold()

    return plain(common_name(certificate)) == plain(name)


@dataclass
class EidCards:
    """The signers' eID cards as the card reader's middleware sees them (demo: SoftHSM2).

    Args:
        hsm: The SoftHSM2 installation holding the token.
        token_label: The token, already initialised, that holds every signer's key.
        pki: Who certifies the keys (the demo's throwaway PKI, not qualified).

    """

    hsm: SoftHsm
    token_label: str
    pki: TestPKI

    def issue(self, name: str) -> str:
        """Make a key for ``name`` on the token, certify it, return its label."""
        given, _, surname = name.strip().partition(" ")
        label = f"eid-{secrets.token_hex(6)}"
        self.hsm.add_signer(
            self.pki,
            self.token_label,
            label=label,
            key_id=bytes.fromhex(label[4:]),
            key_type=KeyType.RSA_2048,
            given_name=given,
            surname=surname or given,
        )
        return label

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """The issuers of the cards' certificates: intermediate, then root."""
        return (self.pki.intermediate.certificate, self.pki.root.certificate)

    def open(self, key_label: str, pin: str) -> esig.SignatureCreationDevice:
        """Log in to the card with the signer's ``pin`` and open their key.

        Raises:
            OwnKeyError: The PIN is wrong or the key is not on the card.

        """
        from esig.devices.pkcs11 import Pkcs11Device  # noqa: PLC0415 - the pkcs11 extra

        try:
            return Pkcs11Device.open(
                self.hsm.module_path,
                token_label=self.token_label,
                key_label=key_label,
                pin=pin,
                chain=self.chain,
            )
        except esig.EsigError as exc:
            raise OwnKeyError(f"The card did not accept this: {type(exc).__name__}") from None


@dataclass(frozen=True)
class RemoteSigning:
    """A remote signing service (CSC API) where signers hold their credentials.

    Args:
        base_url: The service (before ``/csc/v1/``).
        timestamp_url: A time-stamping service: the signatures are made at PAdES B-LT
            (timestamp and validation data embedded), so that they stay verifiable
            (BES art. 1(b)); None signs at B-B.
        trust_env: Whether to use the environment's proxy settings.

    """

    base_url: str
    timestamp_url: str | None = None
    trust_env: bool = False

    def open(self, credential_id: str, pin: str, signer_name: str) -> esig.SignatureCreationDevice:
        """The signer's credential, authorised with ``pin`` for each signature.

        Raises:
            OwnKeyError: Unknown credential, service failure, or a certificate that
                names someone other than ``signer_name``.

        """
        secret = SecretStr(pin)

        def authorize(request: AuthorizationRequest) -> Activation:
            del request
            return Activation(pin=secret)

        try:
            device = CscDevice.connect(
                self.base_url,
                credential_id.strip(),
                authorizer=authorize,
                transport=UrllibTransport(trust_env=self.trust_env),
            )
        except esig.EsigError as exc:
            raise OwnKeyError(
                f"The remote signing service refused the credential ({type(exc).__name__})"
            ) from None
        if not _same_person(device.certificate, signer_name):
            raise OwnKeyError(
                f"This credential's certificate names {common_name(device.certificate)!r}, "
                f"not {signer_name!r}"
            )
        return device


def trust_anchors(*groups: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Every anchor once, in order."""
    seen: list[x509.Certificate] = []
    for group in groups:
        seen += [c for c in group if c not in seen]
    return seen
