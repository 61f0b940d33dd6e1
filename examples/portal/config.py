"""The portal's configuration and vocabulary: its methods, limits, errors, code store."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from sqlalchemy.orm import Session, sessionmaker

import esig
from esig.evidence import CodeChannel, CodePolicy, EvidenceMethod, SmtpSettings, StoredCode
from esig.signing.disclosures import SigningMethod

from .models import Method, StoredCodeRow, utc_now
from .own_keys import EidCards, RemoteSigning

EVIDENCE_METHOD = {
    Method.EMAIL_CODE: EvidenceMethod.EMAIL_CODE,
    Method.SMS_CODE: EvidenceMethod.SMS_CODE,
    Method.DRAWN: EvidenceMethod.DRAWN,
}
SIGNING_METHOD = {Method.EID: SigningMethod.SMART_CARD, Method.REMOTE: SigningMethod.REMOTE_QSCD}
CODE_CHANNEL = {Method.EMAIL_CODE: CodeChannel.EMAIL, Method.SMS_CODE: CodeChannel.SMS}
METHOD_LABEL = {
    Method.EMAIL_CODE: "Code by email",
    Method.SMS_CODE: "Code by SMS",
    Method.DRAWN: "Drawn signature",
    Method.EID: "eID card",
    Method.REMOTE: "Remote qualified device",
}
"""How the portal names each method to people."""
MAX_CODES_SENT = 3
"""Codes a signer may ask for (each allows CodePolicy.max_attempts entries)."""


class PortalError(Exception):
    """A request the portal refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def digest(value: str) -> str:
    """SHA-256 hex of a token: only this is stored, never the token."""
    return hashlib.sha256(value.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class SignerSpec:
    """One signer as the owner entered them."""

    name: str
    email: str
    method: Method
    page: int
    box: tuple[float, float, float, float]
    phone: str | None = None


@dataclass
class PortalConfig:
    """Everything the portal needs from its surroundings."""

    data_dir: Path
    seal_device: esig.SignatureCreationDevice
    """The platform's sealing device (its seal certificate)."""
    trust: Sequence[x509.Certificate]
    """Trust anchors for :func:`esig.verify_pdf`."""
    smtp: SmtpSettings
    base_url: str = "http://127.0.0.1:8000"
    platform: str = "esig reference portal"
    max_upload_bytes: int = 20 * 1024 * 1024
    link_lifetime: dt.timedelta = dt.timedelta(days=7)
    session_lifetime: dt.timedelta = dt.timedelta(hours=2)
    code_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    code_policy: CodePolicy = field(default_factory=CodePolicy)
    clock: Callable[[], dt.datetime] = utc_now
    """Naive UTC now; tests move it to expire links."""
    eid: EidCards | None = None
    """The card reader's middleware (demo: SoftHSM2); None offers no eID method."""
    remote: RemoteSigning | None = None
    """The remote signing service (CSC API); None offers no remote method."""
    allow_fetching: bool = False
    """Let :func:`esig.verify_pdf` fetch revocation data (OCSP, CRLs) the certificates name."""
    sms_url: str | None = None
    """The SMS gateway's endpoint (JSON POST {to, from, text}); None offers no SMS codes."""

    def offered(self) -> list[Method]:
        """The methods this portal can offer, given its surroundings."""
        missing = {
            Method.EID: self.eid is None,
            Method.REMOTE: self.remote is None,
            Method.SMS_CODE: self.sms_url is None,
        }
        return [m for m in Method if not missing.get(m, False)]


class SqlCodeStore:
    """esig's :class:`~esig.evidence.CodeStore` protocol over the ``stored_code`` table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def put(self, code: StoredCode) -> None:
        """Keep ``code`` (its HMAC and counters; never the code)."""
        with self._sessions.begin() as db:
            db.merge(StoredCodeRow(code_id=code.code_id, data=code.model_dump_json()))

    def get(self, code_id: str) -> StoredCode | None:
        """The stored state of ``code_id``."""
        with self._sessions() as db:
            row = db.get(StoredCodeRow, code_id)
            return None if row is None else StoredCode.model_validate_json(row.data)
