"""What the portal does, over esig's public API: envelopes, links, evidence sessions, seals.

The web layer (:mod:`examples.portal.app`) only parses requests and renders pages; every
step that touches a document goes through here, and through esig:

- :class:`esig.evidence.EvidenceSession` presents the document (digest, page renderings),
  records the BES art. 2(2) risk disclosure the signer acknowledged, the one-time code or
  the drawing, and seals with the platform's device. Between two requests the session is
  kept as :class:`esig.evidence.EvidenceSessionState` JSON in the signer's row.
- :class:`esig.evidence.OneTimeCodes` issues and checks codes (attempts limited by its
  :class:`~esig.evidence.CodePolicy`); its :class:`~esig.evidence.CodeStore` is a table.
- :func:`esig.verify_pdf` says which level each signature reaches, with citations.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import smtplib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

import esig
from esig.evidence import (
    CodeChannel,
    CodeError,
    CodePolicy,
    EmailCodeSender,
    EvidenceMethod,
    EvidenceSession,
    EvidenceSessionState,
    OneTimeCodes,
    Signatory,
    SmtpSettings,
    StoredCode,
    drawn_signature,
)
from esig.signing import AppearanceLine, VisibleSignature

from .models import (
    Document,
    Envelope,
    EnvelopeStatus,
    Event,
    LinkToken,
    Method,
    Owner,
    PageImage,
    Signer,
    SignerSession,
    SignerStatus,
    StoredCodeRow,
    make_engine,
    make_sessions,
    utc_now,
)

EVIDENCE_METHOD = {Method.EMAIL_CODE: EvidenceMethod.EMAIL_CODE, Method.DRAWN: EvidenceMethod.DRAWN}
METHOD_LABEL = {Method.EMAIL_CODE: "Code by email", Method.DRAWN: "Drawn signature"}
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


@dataclass
class PortalConfig:
    """Everything the portal needs from its surroundings."""

    data_dir: Path
    seal_device: esig.SignatureCreationDevice
    """The platform's sealing device (its seal certificate)."""
    trust: Sequence[object]
    """Trust anchors for :func:`esig.verify_pdf` (certificates or PEM paths)."""
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


class Portal:
    """The portal's operations; one instance per application."""

    def __init__(self, config: PortalConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        (config.data_dir / "documents").mkdir(exist_ok=True)
        self.engine = make_engine(f"sqlite:///{config.data_dir / 'portal.sqlite3'}")
        self.sessions: sessionmaker[Session] = make_sessions(self.engine)
        self.codes = OneTimeCodes(
            config.code_key, policy=config.code_policy, store=SqlCodeStore(self.sessions)
        )
        self._code_sender = EmailCodeSender(config.smtp, subject="Your signing code")
        self._locks: dict[int, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # -- owners -------------------------------------------------------------------------

    def login(self, email: str) -> tuple[str, Owner]:
        """A new session cookie for the owner ``email`` (demo: no password)."""
        email = email.strip().lower()
        if "@" not in email or len(email) > 254:
            raise PortalError("Give your email address")
        cookie = secrets.token_urlsafe(32)
        with self.sessions.begin() as db:
            owner = db.scalar(select(Owner).where(Owner.email == email))
            if owner is None:
                owner = Owner(email=email)
                db.add(owner)
            owner.session_hash = digest(cookie)
            owner.csrf = secrets.token_urlsafe(32)
        return cookie, owner

    def owner_for(self, cookie: str | None) -> Owner | None:
        """The owner whose session ``cookie`` is, or None."""
        if not cookie:
            return None
        with self.sessions() as db:
            return db.scalar(select(Owner).where(Owner.session_hash == digest(cookie)))

    def envelope_of(self, owner: Owner, envelope_id: int) -> Envelope:
        """The owner's envelope; another owner's envelope is "not found", like a missing one."""
        with self.sessions() as db:
            envelope = db.get(Envelope, envelope_id)
            if envelope is None or envelope.owner_id != owner.id:
                raise PortalError("No such envelope", 404)
            _ = (envelope.documents, envelope.signers, envelope.events, envelope.owner.email)
            return envelope

    def envelopes(self, owner: Owner) -> list[Envelope]:
        """The owner's envelopes, newest first."""
        with self.sessions() as db:
            found = db.scalars(
                select(Envelope).where(Envelope.owner_id == owner.id).order_by(Envelope.id.desc())
            ).all()
            for envelope in found:
                _ = envelope.signers
            return list(found)

    def create_envelope(
        self, owner: Owner, title: str, pdf: bytes, signers: Sequence[SignerSpec]
    ) -> int:
        """Store the upload (checked to be a PDF by esig) and its signers; return the id."""
        if not signers:
            raise PortalError("Add at least one signer")
        try:
            pages = len(esig.signing.page_boxes(pdf))
        except esig.EsigError as exc:
            raise PortalError(f"Not a usable PDF: {exc}") from None
        for spec in signers:
            if not 1 <= spec.page <= pages:
                raise PortalError(f"{spec.name}: page {spec.page} is not in the document")
            try:
                VisibleSignature(page=spec.page, box=spec.box)
            except ValueError:
                raise PortalError(f"{spec.name}: the box is not a rectangle on the page") from None
        with self.sessions.begin() as db:
            envelope = Envelope(owner_id=owner.id, title=title.strip()[:200] or "Document")
            db.add(envelope)
            db.flush()
            self._add_version(db, envelope, pdf, 1)
            for position, spec in enumerate(signers, start=1):
                x1, y1, x2, y2 = spec.box
                db.add(
                    Signer(
                        envelope_id=envelope.id,
                        position=position,
                        name=spec.name,
                        email=spec.email,
                        method=spec.method,
                        page=spec.page,
                        x1=x1,
                        y1=y1,
                        x2=x2,
                        y2=y2,
                    )
                )
            db.add(Event(envelope_id=envelope.id, actor=owner.email, what="uploaded the document"))
            return envelope.id

    def _add_version(self, db: Session, envelope: Envelope, pdf: bytes, version: int) -> None:
        path = self.config.data_dir / "documents" / f"{envelope.id}-{version}.pdf"
        path.write_bytes(pdf)
        sha = hashlib.sha256(pdf).hexdigest()
        db.add(
            Document(
                envelope_id=envelope.id, version=version, path=str(path), sha256=sha, size=len(pdf)
            )
        )

    def send(self, owner: Owner, envelope_id: int) -> None:
        """Send the envelope: invite its first signer."""
        self.envelope_of(owner, envelope_id)
        with self.sessions.begin() as db:
            done = db.execute(
                update(Envelope)
                .where(Envelope.id == envelope_id, Envelope.status == EnvelopeStatus.DRAFT)
                .values(status=EnvelopeStatus.SENT)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise PortalError("This envelope was already sent", 409)
            db.add(Event(envelope_id=envelope_id, actor=owner.email, what="sent for signing"))
        self._invite_next(envelope_id)

    # -- links and signer sessions ------------------------------------------------------

    def _invite_next(self, envelope_id: int) -> None:
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as db:
            signer = db.scalar(
                select(Signer)
                .where(Signer.envelope_id == envelope_id, Signer.status == SignerStatus.WAITING)
                .order_by(Signer.position)
            )
            if signer is None:
                return
            signer.status = SignerStatus.INVITED
            db.add(
                LinkToken(
                    token_hash=digest(token),
                    signer_id=signer.id,
                    envelope_id=envelope_id,
                    expires_at=self.config.clock() + self.config.link_lifetime,
                )
            )
            db.add(
                Event(
                    envelope_id=envelope_id,
                    actor=self.config.platform,
                    what=f"invited {signer.name} <{signer.email}> (signer {signer.position})",
                )
            )
            name, email, title = signer.name, signer.email, signer.envelope.title
        link = f"{self.config.base_url}/s/{token}"
        self._mail(
            email,
            f"Please sign: {title}",
            f'Dear {name},\n\nYou are invited to sign "{title}".\nOpen this link to read and '
            f"sign it (it works once and expires in {self.config.link_lifetime.days} days):\n\n"
            f"{link}\n",
        )

    def _mail(self, to: str, subject: str, text: str) -> None:
        smtp = self.config.smtp
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = smtp.sender, to, subject
        message.set_content(text)
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
            server.send_message(message)

    def open_link(self, token: str) -> tuple[str, str]:
        """Exchange a link's token (once) for a signer session: (cookie, CSRF token)."""
        now = self.config.clock()
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.sessions.begin() as db:
            link = db.scalar(select(LinkToken).where(LinkToken.token_hash == digest(token)))
            if link is None:
                raise PortalError("This link is not valid", 404)
            if now >= link.expires_at:
                raise PortalError("This link has expired; ask the sender for a new one", 410)
            used = db.execute(
                update(LinkToken)
                .where(LinkToken.id == link.id, LinkToken.used_at.is_(None))
                .values(used_at=now)
            )
            if used.rowcount != 1:  # type: ignore[attr-defined]
                raise PortalError("This link was already used", 410)
            db.add(
                SignerSession(
                    session_hash=digest(cookie),
                    signer_id=link.signer_id,
                    envelope_id=link.envelope_id,
                    csrf=csrf,
                    expires_at=now + self.config.session_lifetime,
                )
            )
            db.add(
                Event(
                    envelope_id=link.envelope_id,
                    actor="link",
                    what=f"signer {link.signer_id} opened the link",
                )
            )
        return cookie, csrf

    def signer_for(self, cookie: str | None) -> tuple[Signer, SignerSession] | None:
        """The signer and their session for ``cookie``, or None (unknown or expired)."""
        if not cookie:
            return None
        with self.sessions() as db:
            found = db.scalar(
                select(SignerSession).where(SignerSession.session_hash == digest(cookie))
            )
            if found is None or self.config.clock() >= found.expires_at:
                return None
            signer = db.get(Signer, found.signer_id)
            if signer is None or signer.envelope_id != found.envelope_id:
                return None
            _ = signer.envelope.title
            return signer, found

    # -- the evidence session -----------------------------------------------------------

    def _document_path(self, envelope_id: int) -> Path:
        with self.sessions() as db:
            envelope = db.get(Envelope, envelope_id)
            assert envelope is not None
            return Path(envelope.current.path)

    def _session(self, signer: Signer) -> EvidenceSession:
        document = self._document_path(signer.envelope_id)
        if signer.session_state is None:
            raise PortalError("Open the document first", 409)
        state = EvidenceSessionState.model_validate_json(signer.session_state)
        return EvidenceSession.resume(document, state)

    def _save(self, signer_id: int, session: EvidenceSession) -> None:
        with self.sessions.begin() as db:
            row = db.get(Signer, signer_id)
            assert row is not None
            row.session_state = session.state().model_dump_json()

    def _require_turn(self, signer: Signer) -> None:
        if signer.status is SignerStatus.SIGNED:
            raise PortalError("You have already signed this document", 409)
        if signer.status is not SignerStatus.INVITED:
            raise PortalError("It is not your turn to sign", 409)

    def present(self, signer: Signer) -> EvidenceSession:
        """Present the current document to the signer (once); keep the page renderings."""
        self._require_turn(signer)
        if signer.session_state is not None:
            return self._session(signer)
        session = EvidenceSession(
            self._document_path(signer.envelope_id),
            signatory=Signatory(name=signer.name, email=signer.email),
            method=EVIDENCE_METHOD[signer.method],
            platform=self.config.platform,
        )
        presentation = session.present()
        with self.sessions.begin() as db:
            for number, png in enumerate(presentation.pages, start=1):
                db.add(PageImage(signer_id=signer.id, number=number, png=png))
            db.add(
                Event(
                    envelope_id=signer.envelope_id,
                    actor=signer.name,
                    what=f"was shown the document (SHA-256 {presentation.document_sha256})",
                )
            )
        self._save(signer.id, session)
        signer.session_state = session.state().model_dump_json()
        return session

    def page(self, signer: Signer, number: int) -> bytes:
        """The rendering of page ``number`` as presented to this signer."""
        with self.sessions() as db:
            found = db.scalar(
                select(PageImage).where(
                    PageImage.signer_id == signer.id, PageImage.number == number
                )
            )
            if found is None:
                raise PortalError("No such page", 404)
            return found.png

    def acknowledge(self, signer: Signer, content_hash: str) -> None:
        """The signer acknowledged the risk disclosure (its content hash, from the form)."""
        self._require_turn(signer)
        session = self._session(signer)
        try:
            session.acknowledge(content_hash, signer_statement="I have read the information.")
        except esig.EsigError as exc:
            raise PortalError(str(exc)) from None
        self._save(signer.id, session)
        self._event(signer, "acknowledged the risk disclosure")

    def _event(self, signer: Signer, what: str) -> None:
        with self.sessions.begin() as db:
            db.add(Event(envelope_id=signer.envelope_id, actor=signer.name, what=what))

    def send_code(self, signer: Signer) -> None:
        """Email a one-time code to the signer (at most :data:`MAX_CODES_SENT`)."""
        self._require_turn(signer)
        session = self._session(signer)
        if signer.method is not Method.EMAIL_CODE or session.state().acknowledged is None:
            raise PortalError("Acknowledge the information first", 409)
        with self.sessions.begin() as db:
            row = db.get(Signer, signer.id)
            assert row is not None
            if row.codes_sent >= MAX_CODES_SENT:
                raise PortalError("Too many codes were sent; ask the sender for help", 429)
            row.codes_sent += 1
        challenge, code = self.codes.issue(CodeChannel.EMAIL, signer.email)
        with self.sessions.begin() as db:
            row = db.get(Signer, signer.id)
            assert row is not None
            row.code_id = challenge.code_id
        self._code_sender.send_code(challenge, code, document_name=signer.envelope.title)
        self._event(signer, f"was sent a one-time code by email (code id {challenge.code_id})")

    def enter_code(self, signer: Signer, typed: str) -> None:
        """Check the code the signer typed; on success, seal."""
        self._require_turn(signer)
        with self.sessions() as db:
            row = db.get(Signer, signer.id)
            code_id = None if row is None else row.code_id
        if code_id is None:
            raise PortalError("Ask for a code first", 409)
        try:
            verification = self.codes.verify(code_id, typed)
        except CodeError as exc:
            self._event(signer, f"entered a code that was refused ({type(exc).__name__})")
            raise PortalError(str(exc), 403) from None
        session = self._session(signer)
        session.add_code(verification)
        self._seal(signer, session, None)

    def draw(
        self, signer: Signer, png: bytes, strokes: list[list[tuple[float, float, float]]]
    ) -> None:
        """The signer's drawing (PNG and the pen's path): seal with it in their box."""
        self._require_turn(signer)
        session = self._session(signer)
        if signer.method is not Method.DRAWN or session.state().acknowledged is None:
            raise PortalError("Acknowledge the information first", 409)
        try:
            session.add_step(drawn_signature(png, strokes=strokes))
        except ValueError as exc:
            raise PortalError(f"The drawing was not accepted: {exc}") from None
        self._seal(signer, session, png)

    def _lock(self, envelope_id: int) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(envelope_id, threading.Lock())

    def _seal(self, signer: Signer, session: EvidenceSession, image: bytes | None) -> None:
        with self.sessions.begin() as db:
            claimed = db.execute(
                update(Signer)
                .where(Signer.id == signer.id, Signer.status == SignerStatus.INVITED)
                .values(status=SignerStatus.SEALING)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise PortalError("This signature is already being made", 409)
        box = (signer.x1, signer.y1, signer.x2, signer.y2)
        appearance = VisibleSignature(
            page=signer.page,
            box=box,
            lines=(AppearanceLine.NAME, AppearanceLine.DATE, AppearanceLine.REASON),
            image_data=image,
        )
        field_name = f"Signer{signer.position}"
        with self._lock(signer.envelope_id):
            with self.sessions() as db:
                envelope = db.get(Envelope, signer.envelope_id)
                assert envelope is not None
                version = envelope.current.version + 1
            out = self.config.data_dir / "documents" / f"{signer.envelope_id}-{version}.pdf"
            try:
                sealed = session.seal(
                    out, self.config.seal_device, field_name=field_name, appearance=appearance
                )
            except esig.EsigError:
                with self.sessions.begin() as db:
                    db.execute(
                        update(Signer)
                        .where(Signer.id == signer.id)
                        .values(status=SignerStatus.INVITED)
                    )
                raise
            data = sealed.path.read_bytes()
            with self.sessions.begin() as db:
                envelope = db.get(Envelope, signer.envelope_id)
                assert envelope is not None
                db.add(
                    Document(
                        envelope_id=envelope.id,
                        version=version,
                        path=str(out),
                        sha256=hashlib.sha256(data).hexdigest(),
                        size=len(data),
                    )
                )
                row = db.get(Signer, signer.id)
                assert row is not None
                row.status, row.signed_at, row.field_name = (
                    SignerStatus.SIGNED,
                    utc_now(),
                    field_name,
                )
                db.add(
                    Event(
                        envelope_id=envelope.id,
                        actor=signer.name,
                        what=f"signed ({METHOD_LABEL[signer.method]}); sealed as {field_name}",
                    )
                )
            self._record_levels(signer.envelope_id, out)
        self._invite_next_or_complete(signer.envelope_id)

    def _record_levels(self, envelope_id: int, path: Path) -> None:
        report = esig.verify_pdf(path, trust=list(self.config.trust))  # type: ignore[arg-type]
        levels = {s.field_name: s for s in report.signatures}
        with self.sessions.begin() as db:
            for row in db.scalars(select(Signer).where(Signer.envelope_id == envelope_id)):
                found = levels.get(row.field_name or "")
                if found is not None:
                    row.level = found.level.level.value
                    row.level_summary = found.level.summary

    def _invite_next_or_complete(self, envelope_id: int) -> None:
        with self.sessions() as db:
            waiting = db.scalar(
                select(Signer).where(
                    Signer.envelope_id == envelope_id, Signer.status != SignerStatus.SIGNED
                )
            )
        if waiting is not None:
            self._invite_next(envelope_id)
            return
        with self.sessions.begin() as db:
            envelope = db.get(Envelope, envelope_id)
            assert envelope is not None
            envelope.status, envelope.completed_at = EnvelopeStatus.COMPLETED, utc_now()
            db.add(
                Event(
                    envelope_id=envelope_id,
                    actor=self.config.platform,
                    what="all signers signed; the envelope is complete",
                )
            )
            owner_email, title = envelope.owner.email, envelope.title
        self._mail(
            owner_email,
            f"Signed: {title}",
            f'Every signer signed "{title}". Download it from {self.config.base_url}/',
        )

    # -- the owner's downloads ----------------------------------------------------------

    def signed_pdf(self, owner: Owner, envelope_id: int) -> Path:
        """The newest version of the owner's document."""
        return Path(self.envelope_of(owner, envelope_id).current.path)

    def verification(self, owner: Owner, envelope_id: int) -> esig.VerificationReport:
        """Esig's report on the newest version of the owner's document."""
        path = self.signed_pdf(owner, envelope_id)
        return esig.verify_pdf(path, trust=list(self.config.trust))  # type: ignore[arg-type]


def decode_drawing(
    png_data_url: str, strokes_json: str
) -> tuple[bytes, list[list[tuple[float, float, float]]]]:
    """The PNG and strokes the canvas script posts (a data: URL and JSON)."""
    prefix = "data:image/png;base64,"
    if not png_data_url.startswith(prefix):
        raise PortalError("The drawing is not a PNG")
    try:
        png = base64.b64decode(png_data_url[len(prefix) :], validate=True)
        raw = json.loads(strokes_json)
        strokes = [[(float(x), float(y), float(t)) for x, y, t in stroke] for stroke in raw]
    except (ValueError, TypeError) as exc:
        raise PortalError(f"The drawing could not be read: {exc}") from None
    if not strokes or not any(strokes):
        raise PortalError("Draw your signature first")
    return png, strokes
