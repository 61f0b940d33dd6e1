"""The demo's surroundings: a throwaway PKI, the platform's seal, the signers' devices.

The demo (``python -m examples.portal``) and the tests run the portal beside real local
services: an SMTP server, an SMS gateway, a SoftHSM2 token standing in for the
signers' eID cards (their keys certified by the same throwaway PKI) and
certomancer-csc-dummy as the remote signing service.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import Encoding

from esig.evidence import SmtpSettings
from esig.issuance import TestPKI
from esig.testing.certomancer_config import ServiceUrls

from .config import PortalConfig
from .own_keys import EidCards, RemoteSigning, trust_anchors

if TYPE_CHECKING:
    from esig.testing.csc import LocalCscService
    from esig.testing.softhsm import SoftHsm

EID_TOKEN = "portal-eid"
"""The SoftHSM2 token that holds the demo signers' eID keys."""


def demo_config(
    data_dir: Path,
    smtp_host: str,
    smtp_port: int,
    base_url: str,
    *,
    hsm: SoftHsm | None = None,
    eid_token: str = EID_TOKEN,
    csc: LocalCscService | None = None,
    sms_url: str | None = None,
) -> PortalConfig:
    """A portal sealing with a fresh test PKI's legal-person certificate.

    Args:
        data_dir: Where the database and documents go.
        smtp_host: The mail server.
        smtp_port: Its port.
        base_url: Where the portal is reached (links in the mails).
        hsm: A SoftHSM2 installation whose token ``eid_token`` is initialised: the
            eID path (None: no eID).
        eid_token: The token's label.
        csc: A running CSC service: the remote path (None: no remote signing).
        sms_url: An SMS gateway's endpoint (None: no codes by SMS).

    """
    pki = TestPKI()
    seal = pki.issue_legal_person("esig Reference Portal", "NTRBQ-19000019")
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "root.pem").write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))
    return PortalConfig(
        data_dir=data_dir,
        seal_device=seal.device(),
        trust=trust_anchors(
            [pki.root.certificate], [csc.root_certificate] if csc is not None else []
        ),
        smtp=SmtpSettings(host=smtp_host, port=smtp_port, sender="portal@esig.example"),
        base_url=base_url,
        eid=EidCards(hsm, eid_token, pki) if hsm is not None else None,
        remote=_remote(csc),
        allow_fetching=csc is not None,  # its certificates name the OCSP responder beside it
        sms_url=sms_url,
    )


def _remote(csc: LocalCscService | None) -> RemoteSigning | None:
    """The CSC service, with the TSA of the Animator beside it (same PKI): B-LT."""
    if csc is None:
        return None
    beside = csc.revocation_url
    tsa = ServiceUrls.for_prefix(beside).tsa if beside is not None else None
    return RemoteSigning(csc.base_url, timestamp_url=tsa)
