"""SQLAlchemy 2 models of the lead store. Schema changes go through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# LANGUAGES is re-exported for the lead store's modules; both are defined in passerelle_settings.
from passerelle_settings import LANGUAGES as LANGUAGES
from passerelle_settings import STATUSES, LeadStatus

CAMPUSES = ("brussels", "antwerp", "ghent", "liege", "charleroi", "other")
SITUATIONS = ("job_seeker", "student", "employed", "other")
REGISTERED = ("yes", "no", "unknown")
EXPERIENCES = ("none", "some", "a_lot")
COMMITMENTS = ("yes", "no", "unsure")
CONTACT_KINDS = ("email", "phone")
CAMPAIGN_KINDS = ("poster", "tournament", "event", "partner", "social", "other")
ROLES = ("admin", "staff")
# read_write: everything the owner's role allows; read_only: GET requests only.
TOKEN_SCOPES = ("read_write", "read_only")
FUNNEL_KINDS = (
    "started",
    "asked_question",
    "check_started",
    "check_completed",
    "qualified",
    "handoff",
    "booked",
    "attended",
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def choice(name: str, values: tuple[str, ...]) -> Enum:
    """A string column limited to `values` by a CHECK constraint (no native enum type)."""
    return Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(value) for value in values),
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(choice("role", ROLES), default="staff")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A dashboard session is valid only while it carries this number: bumping it (logout,
    # password change or reset) ends every session of the user at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(choice("campaign_kind", CAMPAIGN_KINDS), default="poster")
    location: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), unique=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    first_name: Mapped[str | None] = mapped_column(String(100))
    age: Mapped[int | None] = mapped_column(Integer)
    campus: Mapped[str | None] = mapped_column(choice("campus", CAMPUSES))
    situation: Mapped[str | None] = mapped_column(choice("situation", SITUATIONS))
    registered: Mapped[str | None] = mapped_column(choice("registered", REGISTERED))
    experience: Mapped[str | None] = mapped_column(choice("experience", EXPERIENCES))
    motivation: Mapped[str | None] = mapped_column(Text)
    commitment: Mapped[str | None] = mapped_column(choice("commitment", COMMITMENTS))
    contact_kind: Mapped[str | None] = mapped_column(choice("contact_kind", CONTACT_KINDS))
    contact: Mapped[str | None] = mapped_column(String(320))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[int] = mapped_column(Integer, default=0)
    score_breakdown: Mapped[dict[str, Any]] = mapped_column(default=dict)
    qualified: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(choice("status", STATUSES), default=LeadStatus.NEW.value)
    handoff_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_at: Mapped[datetime | None]
    language: Mapped[str] = mapped_column(String(8), default="nl")
    campaign: Mapped[str | None] = mapped_column(String(200))
    assigned_to: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    last_changed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_leads_status_score", "status", "score"),
        Index("ix_leads_handoff", "handoff_requested", "handoff_at"),
        Index("ix_leads_campaign", "campaign"),
        Index("ix_leads_created_at", "created_at"),
        Index("ix_leads_updated_at", "updated_at"),
    )


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusChange(Base):
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    # None: the bot (the dialogue) made the change, not a staff member.
    changed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # None: until revoked
    scope: Mapped[str] = mapped_column(
        choice("token_scope", TOKEN_SCOPES), default="read_write", server_default="read_write"
    )


class AuditEntry(Base):
    """Who did what to which record. Never personal data: ids and kinds of action only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class FunnelEvent(Base):
    """One step of one conversation, anonymous: `conversation` is a salted hash."""

    __tablename__ = "funnel_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(choice("funnel_kind", FUNNEL_KINDS))
    conversation: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    campaign: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("conversation", "kind"),)


class PendingErasure(Base):
    """A /forget (or a staff erase) whose conversation in Rasa's tracker database is not
    erased yet: kept until it is (leads/erasures.py), so a failed attempt is retried."""

    __tablename__ = "pending_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None]


REVIEW_STATUSES = ("open", "labelled", "new_topic", "ignored")


class ReviewItem(Base):
    """A message the bot did not understand, masked, for staff to label (leads/review.py
    records it, leads/review_inbox.py groups and labels it)."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation: Mapped[str] = mapped_column(String(64), index=True)  # salted hash
    # The link to the transcript: cleared when the conversation is purged.
    sender_id: Mapped[str | None] = mapped_column(String(128), index=True)
    message_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    predicted_label: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    triggers: Mapped[str] = mapped_column(String(100))
    bot_action: Mapped[str | None] = mapped_column(String(200))
    requested_slot: Mapped[str | None] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(200))
    consent_refused: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[str] = mapped_column(choice("review_status", REVIEW_STATUSES), default="open")
    label: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("conversation", "message_id"),
        Index("ix_review_items_status_at", "status", "at"),
    )


class UnderstandingCount(Base):
    """Anonymous weekly counters: messages, understood messages, answers per check question."""

    __tablename__ = "understanding_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8))
    metric: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("week", "language", "metric"),)
