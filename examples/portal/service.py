"""What the portal does, over esig's public API: envelopes, links, evidence sessions, seals.

The web layer (:mod:`examples.portal.app`) only parses requests and renders pages; every
step that touches a document goes through here, and through esig:

- :class:`esig.evidence.EvidenceSession` presents the document (digest, page renderings),
  records the BES art. 2(2) risk disclosure the signer acknowledged, the one-time code or
  the drawing, and seals with the platform's device. Between two requests the session is
  kept as :class:`esig.evidence.EvidenceSessionState` JSON in the signer's row.
- :class:`esig.evidence.OneTimeCodes` issues and checks codes (attempts limited by its
  :class:`~esig.evidence.CodePolicy`); its :class:`~esig.evidence.CodeStore` is a table.
- :class:`esig.signing.SigningSession` does the same for a signer's own key (eID card,
  remote QSCD; :mod:`examples.portal.own_keys`): begun without a device, kept as
  :class:`esig.signing.SigningSessionState` JSON, resumed with the device to sign.
- :func:`esig.verify_pdf` says which level each signature reaches, with citations.
"""

from __future__ import annotations

import hashlib
import secrets
import smtplib
import threading
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

import esig
from esig.evidence import (
    CodeChannel,
    CodeError,
    EmailCodeSender,
    EvidenceSession,
    EvidenceSessionState,
    HttpSmsTransport,
    OneTimeCodes,
    Signatory,
    SmsGateway,
    drawn_signature,
    evidence_disclosure,
)
from esig.evidence.methods import EvidenceDisclosure
from esig.evidence.sms import check_phone_number
from esig.levels import Level
from esig.signing import (
    AppearanceLine,
    BaselineLevel,
    SigningSession,
    SigningSessionState,
    TimestampService,
    ValidationServices,
    VisibleSignature,
)
from esig.signing.disclosures import RiskDisclosure, disclosure_for
from esig.signing.session import Presentation

from .config import (
    CODE_CHANNEL,
    EVIDENCE_METHOD,
    MAX_CODES_SENT,
    METHOD_LABEL,
    SIGNING_METHOD,
    PortalConfig,
    PortalError,
    SignerSpec,
    SqlCodeStore,
    digest,
)
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
    make_engine,
    make_sessions,
    utc_now,
)
from .own_keys import OwnKeyError, common_name


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
        self._sms = (
            None
            if config.sms_url is None
            else SmsGateway(HttpSmsTransport(config.sms_url), sender="Portal")
        )
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
        offered = self.config.offered()
        for spec in signers:
            if spec.method not in offered:
                raise PortalError(f"{spec.name}: this portal does not offer {spec.method.value}")
            if spec.method is Method.SMS_CODE:
                try:
                    check_phone_number(spec.phone or "")
                except ValueError:
                    raise PortalError(
                        f"{spec.name}: give a phone number in international form (+…)"
                    ) from None
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
                        phone=spec.phone if spec.method is Method.SMS_CODE else None,
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
            if signer.method is Method.EID and signer.card_key is None:
                assert self.config.eid is not None
                signer.card_key = self.config.eid.issue(signer.name)
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

    def _state(self, signer: Signer) -> EvidenceSessionState | SigningSessionState:
        if signer.session_state is None:
            raise PortalError("Open the document first", 409)
        kind = SigningSessionState if signer.method.own_key else EvidenceSessionState
        return kind.model_validate_json(signer.session_state)

    def _session(self, signer: Signer) -> EvidenceSession:
        state = self._state(signer)
        assert isinstance(state, EvidenceSessionState)
        return EvidenceSession.resume(self._document_path(signer.envelope_id), state)

    def _signing_session(
        self, signer: Signer, device: esig.SignatureCreationDevice | None = None
    ) -> SigningSession:
        state = self._state(signer)
        assert isinstance(state, SigningSessionState)
        return SigningSession.resume(self._document_path(signer.envelope_id), state, device)

    def _save(self, signer_id: int, session: EvidenceSession | SigningSession) -> None:
        with self.sessions.begin() as db:
            row = db.get(Signer, signer_id)
            assert row is not None
            row.session_state = session.state().model_dump_json()

    def _require_turn(self, signer: Signer) -> None:
        if signer.status is SignerStatus.SIGNED:
            raise PortalError("You have already signed this document", 409)
        if signer.status is not SignerStatus.INVITED:
            raise PortalError("It is not your turn to sign", 409)

    def disclosure(self, signer: Signer) -> EvidenceDisclosure | RiskDisclosure:
        """The BES art. 2(2) risk text of the signer's method."""
        if signer.method.own_key:
            return disclosure_for(SIGNING_METHOD[signer.method])
        return evidence_disclosure(EVIDENCE_METHOD[signer.method])

    def acknowledged(self, signer: Signer) -> bool:
        """Whether the signer acknowledged the risk text (in their kept session)."""
        if signer.session_state is None:
            return False
        state = self._state(signer)
        if isinstance(state, SigningSessionState):
            return state.acknowledgement is not None
        return state.acknowledged is not None

    def present(self, signer: Signer) -> Presentation | None:
        """Present the current document to the signer (once); keep the page renderings."""
        self._require_turn(signer)
        if signer.session_state is None:
            document = self._document_path(signer.envelope_id)
            session: EvidenceSession | SigningSession
            if signer.method.own_key:
                session = SigningSession(document, None, method=SIGNING_METHOD[signer.method])
            else:
                session = EvidenceSession(
                    document,
                    signatory=Signatory(name=signer.name, email=signer.email, phone=signer.phone),
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
        return self._state(signer).presentation

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
        session = self._signing_session(signer) if signer.method.own_key else self._session(signer)
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
        """Send a one-time code by email or SMS (at most :data:`MAX_CODES_SENT`)."""
        self._require_turn(signer)
        channel = CODE_CHANNEL.get(signer.method)
        if channel is None or not self.acknowledged(signer):
            raise PortalError("Acknowledge the information first", 409)
        with self.sessions.begin() as db:
            row = db.get(Signer, signer.id)
            assert row is not None
            if row.codes_sent >= MAX_CODES_SENT:
                raise PortalError("Too many codes were sent; ask the sender for help", 429)
            row.codes_sent += 1
        by_sms = channel is CodeChannel.SMS
        recipient = signer.phone if by_sms else signer.email
        assert recipient is not None
        challenge, code = self.codes.issue(channel, recipient)
        with self.sessions.begin() as db:
            row = db.get(Signer, signer.id)
            assert row is not None
            row.code_id = challenge.code_id
        if by_sms:
            assert self._sms is not None
            self._sms.send_code(challenge, code)
        else:
            self._code_sender.send_code(challenge, code, document_name=signer.envelope.title)
        self._event(
            signer,
            f"was sent a one-time code by {'SMS' if by_sms else 'email'} "
            f"(code id {challenge.code_id})",
        )

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
        if signer.method is not Method.DRAWN or not self.acknowledged(signer):
            raise PortalError("Acknowledge the information first", 409)
        session = self._session(signer)
        try:
            session.add_step(drawn_signature(png, strokes=strokes))
        except ValueError as exc:
            raise PortalError(f"The drawing was not accepted: {exc}") from None
        self._seal(signer, session, png)

    def sign_own_key(self, signer: Signer, pin: str, credential_id: str = "") -> None:
        """Sign with the signer's eID card or remote credential, unlocked by ``pin``.

        The PIN (and the credential id) serve this call only: they are stored nowhere
        and appear in no event or log line.
        """
        self._require_turn(signer)
        if not signer.method.own_key or not self.acknowledged(signer):
            raise PortalError("Acknowledge the information first", 409)
        if not pin:
            raise PortalError("Enter your PIN")
        if signer.method is Method.REMOTE and not credential_id.strip():
            raise PortalError("Enter your credential at the signing service")

        def sign(out: Path, field_name: str, appearance: VisibleSignature) -> str:
            try:
                device = self._open_own_key(signer, pin, credential_id)
            except OwnKeyError as exc:
                self._event(signer, f"could not unlock their key ({exc})")
                raise PortalError(str(exc), 403) from None
            try:
                self._signing_session(signer, device).sign(
                    out,
                    field_name=field_name,
                    appearance=appearance,
                    reason=f"Signed by {signer.name}",
                    **self._baseline(signer),
                )
            finally:
                close = getattr(device, "close", None)
                if callable(close):
                    close()
            holder = common_name(device.certificate)
            return f"signed as {field_name} with the certificate of {holder}"

        self._new_version(signer, sign, None)

    def _baseline(self, signer: Signer) -> dict[str, Any]:
        """B-LT for a remote signer when the service comes with a TSA, else B-B."""
        remote = self.config.remote
        if signer.method is not Method.REMOTE or remote is None or not remote.timestamp_url:
            return {}
        return {
            "level": BaselineLevel.B_LT,
            "timestamp": TimestampService(url=remote.timestamp_url),
            "validation": ValidationServices(trust=list(self.config.trust)),
        }

    def _open_own_key(
        self, signer: Signer, pin: str, credential_id: str
    ) -> esig.SignatureCreationDevice:
        if signer.method is Method.EID:
            assert self.config.eid is not None and signer.card_key is not None
            return self.config.eid.open(signer.card_key, pin)
        assert self.config.remote is not None
        return self.config.remote.open(credential_id, pin, signer.name)

    def _lock(self, envelope_id: int) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(envelope_id, threading.Lock())

    def _seal(self, signer: Signer, session: EvidenceSession, image: bytes | None) -> None:
        def seal(out: Path, field_name: str, appearance: VisibleSignature) -> str:
            session.seal(out, self.config.seal_device, field_name=field_name, appearance=appearance)
            return f"sealed as {field_name}"

        self._new_version(signer, seal, image)

    def _new_version(
        self,
        signer: Signer,
        write: Callable[[Path, str, VisibleSignature], str],
        image: bytes | None,
    ) -> None:
        """Claim the signer's turn (one UPDATE), write the next version, record it."""
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
                what = write(out, field_name, appearance)
            except Exception:
                with self.sessions.begin() as db:
                    db.execute(
                        update(Signer)
                        .where(Signer.id == signer.id)
                        .values(status=SignerStatus.INVITED)
                    )
                raise
            data = out.read_bytes()
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
                        what=f"signed ({METHOD_LABEL[signer.method]}); {what}",
                    )
                )
            self._record_levels(signer.envelope_id, out)
        self._invite_next_or_complete(signer.envelope_id)

    def _record_levels(self, envelope_id: int, path: Path) -> None:
        report = esig.verify_pdf(
            path, trust=list(self.config.trust), allow_fetching=self.config.allow_fetching
        )
        levels = {s.field_name: s for s in report.signatures}
        with self.sessions.begin() as db:
            for row in db.scalars(select(Signer).where(Signer.envelope_id == envelope_id)):
                found = levels.get(row.field_name or "")
                if found is not None:
                    row.level = level_label(found.level.level.value, found.level.eidas_level)
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
        return esig.verify_pdf(
            path, trust=list(self.config.trust), allow_fetching=self.config.allow_fetching
        )


def level_label(level: str, eidas_level: Level) -> str:
    """The level esig gives (BES and eIDAS), and eIDAS's alone where it differs."""
    eidas = eidas_level.value
    return level if eidas == level else f"{level} (eIDAS: {eidas})"
