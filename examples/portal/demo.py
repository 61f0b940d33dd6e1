"""The demo's surroundings: a throwaway PKI, the platform's seal, a local SMTP server."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from esig.evidence import SmtpSettings
from esig.issuance import TestPKI

from .service import PortalConfig


def demo_config(data_dir: Path, smtp_host: str, smtp_port: int, base_url: str) -> PortalConfig:
    """A portal sealing with a fresh test PKI's legal-person certificate."""
    pki = TestPKI()
    seal = pki.issue_legal_person("esig Reference Portal", "NTRBQ-19000019")
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "root.pem").write_bytes(pki.root.certificate.public_bytes(Encoding.PEM))
    return PortalConfig(
        data_dir=data_dir,
        seal_device=seal.device(),
        trust=[pki.root.certificate],
        smtp=SmtpSettings(host=smtp_host, port=smtp_port, sender="portal@esig.example"),
        base_url=base_url,
    )
