"""The portal's database: owners, envelopes, signers, link tokens, codes, events (SQLAlchemy 2)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, LargeBinary, String, Text, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker


def utc_now() -> dt.datetime:
    """Now, in UTC (naive in SQLite, so every stored time is UTC by convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The declarative base of the portal's tables."""


class EnvelopeStatus(enum.StrEnum):
    """Where an envelope stands."""

    DRAFT = "draft"
    SENT = "sent"
    COMPLETED = "completed"


class SignerStatus(enum.StrEnum):
    """Where a signer stands; ``sealing`` is held while their seal is being made."""

    WAITING = "waiting"
    INVITED = "invited"
    SEALING = "sealing"
    SIGNED = "signed"


class Method(enum.StrEnum):
    """How a signer signs: evidence sealed by the platform, or the signer's own key."""

    EMAIL_CODE = "email_code"
    SMS_CODE = "sms_code"
    DRAWN = "drawn"
    EID = "eid"
    """The signer's eID card (PKCS#11), through the card reader's middleware."""
    REMOTE = "remote"
    """The signer's key at a remote signing service (QSCD), over the CSC API."""

    @property
    def own_key(self) -> bool:
        """Whether the signer signs with a key of their own (not a platform seal)."""
        return self in (Method.EID, Method.REMOTE)


class Owner(Base):
    """Someone who uploads documents and invites signers."""

    __tablename__ = "owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    session_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    csrf: Mapped[str | None] = mapped_column(String(64))
    envelopes: Mapped[list[Envelope]] = relationship(back_populates="owner")


class Envelope(Base):
    """One document to be signed by signers in order."""

    __tablename__ = "envelope"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[EnvelopeStatus] = mapped_column(default=EnvelopeStatus.DRAFT)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    completed_at: Mapped[dt.datetime | None]
    owner: Mapped[Owner] = relationship(back_populates="envelopes")
    documents: Mapped[list[Document]] = relationship(
        back_populates="envelope", order_by="Document.version"
    )
    signers: Mapped[list[Signer]] = relationship(
        back_populates="envelope", order_by="Signer.position"
    )
    events: Mapped[list[Event]] = relationship(back_populates="envelope", order_by="Event.id")

    @property
    def current(self) -> Document:
        """The newest version of the document."""
        return self.documents[-1]


class Document(Base):
    """One version of an envelope's PDF: the upload, then one per signature."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"), index=True)
    version: Mapped[int]
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    envelope: Mapped[Envelope] = relationship(back_populates="documents")


class Signer(Base):
    """One signer of an envelope: their place in the order, method and signature box."""

    __tablename__ = "signer"
    id: Mapped[int] = mapped_column(primary_key=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    """E.164, for codes by SMS."""
    method: Mapped[Method]
    card_key: Mapped[str | None] = mapped_column(String(100))
    """eID: the label of the key on the signer's card (issued at invitation in the demo)."""
    page: Mapped[int]
    x1: Mapped[float]
    y1: Mapped[float]
    x2: Mapped[float]
    y2: Mapped[float]
    status: Mapped[SignerStatus] = mapped_column(default=SignerStatus.WAITING)
    session_state: Mapped[str | None] = mapped_column(Text)
    """esig's EvidenceSessionState (or SigningSessionState for an own key) as JSON."""
    code_id: Mapped[str | None] = mapped_column(String(64))
    codes_sent: Mapped[int] = mapped_column(default=0)
    signed_at: Mapped[dt.datetime | None]
    field_name: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(20))
    level_summary: Mapped[str | None] = mapped_column(Text)
    envelope: Mapped[Envelope] = relationship(back_populates="signers")


class LinkToken(Base):
    """An emailed link: its SHA-256 only, bound to one signer of one envelope, single use."""

    __tablename__ = "link_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("signer.id"), index=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"))
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class SignerSession(Base):
    """The browser session a link was exchanged for (cookie hash, CSRF token)."""

    __tablename__ = "signer_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("signer.id"), index=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]


class StoredCodeRow(Base):
    """esig's StoredCode (HMAC of a one-time code, attempts) as JSON."""

    __tablename__ = "stored_code"
    code_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)


class PageImage(Base):
    """A page rendering shown to a signer (from esig's presentation)."""

    __tablename__ = "page_image"
    id: Mapped[int] = mapped_column(primary_key=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("signer.id"), index=True)
    number: Mapped[int]
    png: Mapped[bytes] = mapped_column(LargeBinary)


class Event(Base):
    """The audit trail: what happened to an envelope, when (never a secret)."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    envelope_id: Mapped[int] = mapped_column(ForeignKey("envelope.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    actor: Mapped[str] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(Text)
    envelope: Mapped[Envelope] = relationship(back_populates="events")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout for concurrent requests."""
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(connection: object, _record: object) -> None:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    Base.metadata.create_all(engine)
    return engine


def make_sessions(engine: Engine) -> sessionmaker:  # type: ignore[type-arg]
    """The session factory (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)
