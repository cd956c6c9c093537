"""Info sessions and the bookings people make for them in the chat.

Times are stored in UTC and shown in Europe/Brussels. A session has a campus (or is
online), the languages it is held in, a capacity; a booking moves booked → confirmed
(the person said "I'm coming") → attended / no_show (staff, afterwards), or is cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from leads.db import session_scope
from leads.models import CAMPUSES, Base, choice, utcnow

BOOKING_STATES = ("booked", "confirmed", "cancelled", "attended", "no_show")
ACTIVE_BOOKING = ("booked", "confirmed")


class InfoSession(Base):
    __tablename__ = "info_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    # None: online only (online_url says where).
    campus: Mapped[str | None] = mapped_column(choice("session_campus", CAMPUSES))
    online_url: Mapped[str] = mapped_column(String(500), default="")
    languages: Mapped[str] = mapped_column(String(20), default="nl,fr,en")
    address: Mapped[str] = mapped_column(String(300), default="")
    directions: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("info_sessions.id", ondelete="CASCADE"), index=True
    )
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="nl")
    state: Mapped[str] = mapped_column(choice("booking_state", BOOKING_STATES), default="booked")
    consent_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_bookings_session_state", "session_id", "state"),)


class Broadcast(Base):
    """A message staff send to a segment of the people who consented."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    segment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(
        choice("broadcast_state", ("draft", "sending", "sent")), default="draft"
    )
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


# --- reading and writing (plain dataclasses in and out) -------------------------------------

BRUSSELS = ZoneInfo("Europe/Brussels")
SESSION_LANGUAGES = ("nl", "fr", "en")


class SessionNotFound(LookupError):
    pass


class SessionFull(Exception):
    """Every seat of the session is taken."""


@dataclass(frozen=True, kw_only=True)
class SessionInput:
    starts_at: datetime  # aware; the form gives Brussels time
    campus: str | None
    languages: tuple[str, ...]
    duration_minutes: int = 90
    online_url: str = ""
    address: str = ""
    directions: str = ""
    capacity: int = 20
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class SessionRow:
    id: int
    starts_at: datetime
    duration_minutes: int
    campus: str | None
    online_url: str
    languages: tuple[str, ...]
    address: str
    directions: str
    capacity: int
    notes: str
    active: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(BRUSSELS)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def taken(self) -> int:
        return sum(self.counts.get(state, 0) for state in ACTIVE_BOOKING)

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)


@dataclass(frozen=True, kw_only=True)
class BookingRow:
    id: int
    session_id: int
    sender_id: str
    chat_id: str
    language: str
    state: str
    created_at: datetime
    updated_at: datetime


def validate(data: SessionInput) -> list[str]:
    """What is wrong with the form, in words staff understand (empty: all fine)."""
    problems = []
    if data.starts_at.tzinfo is None:
        problems.append("Give the date and time.")
    if data.campus is not None and data.campus not in CAMPUSES:
        problems.append("Pick a campus, or 'online'.")
    if data.campus is None and not data.online_url.startswith(("https://", "http://")):
        problems.append("An online session needs its link (https://…).")
    if not data.languages or any(lang not in SESSION_LANGUAGES for lang in data.languages):
        problems.append("Tick at least one language.")
    if not 1 <= data.capacity <= 1000:
        problems.append("The capacity is a number of seats between 1 and 1000.")
    if not 15 <= data.duration_minutes <= 600:
        problems.append("The duration is between 15 and 600 minutes.")
    return problems


def create_session(data: SessionInput, created_by: int | None = None) -> SessionRow:
    with session_scope(write=True) as session:
        row = InfoSession(created_by=created_by, **_columns(data))
        session.add(row)
        session.flush()
        return session_row(row, {})


def update_session(session_id: int, data: SessionInput) -> SessionRow:
    with session_scope(write=True) as session:
        row = session.get(InfoSession, session_id)
        if row is None:
            raise SessionNotFound(session_id)
        for name, value in _columns(data).items():
            setattr(row, name, value)
        return session_row(row, counts_by_state(session, [row.id]).get(row.id, {}))


def set_active(session_id: int, active: bool) -> None:
    with session_scope(write=True) as session:
        row = session.get(InfoSession, session_id)
        if row is None:
            raise SessionNotFound(session_id)
        row.active = active


def get_session(session_id: int) -> SessionRow | None:
    with session_scope() as session:
        row = session.get(InfoSession, session_id)
        return None if row is None else session_row(row, counts_by_state(session, [row.id])[row.id])


def list_sessions(*, after: datetime | None = None, active_only: bool = False) -> list[SessionRow]:
    query = select(InfoSession).order_by(InfoSession.starts_at)
    if after is not None:
        query = query.where(InfoSession.starts_at >= after)
    if active_only:
        query = query.where(InfoSession.active.is_(True))
    with session_scope() as session:
        rows = list(session.scalars(query))
        counts = counts_by_state(session, [r.id for r in rows])
        return [session_row(r, counts[r.id]) for r in rows]


def upcoming(
    now: datetime,
    *,
    campus: str | None = None,
    language: str | None = None,
    limit: int = 3,
    with_full: bool = False,
) -> list[SessionRow]:
    """The next active sessions, in the person's language when given: at their campus and
    online first, then elsewhere; full ones left out unless `with_full`."""
    sessions = [
        s
        for s in list_sessions(after=now, active_only=True)
        if (language is None or language in s.languages) and (with_full or s.free > 0)
    ]
    if campus is not None:  # at their campus or online first, then the others by date
        sessions.sort(key=lambda s: s.campus not in (campus, None))
    return sessions[:limit]


# --- helpers ------------------------------------------------------------------------------


def _columns(data: SessionInput) -> dict[str, Any]:
    return {
        "starts_at": data.starts_at,
        "duration_minutes": data.duration_minutes,
        "campus": data.campus,
        "online_url": data.online_url.strip(),
        "languages": ",".join(data.languages),
        "address": data.address.strip(),
        "directions": data.directions.strip(),
        "capacity": data.capacity,
        "notes": data.notes.strip(),
    }


def counts_by_state(session: Session, ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {session_id: {} for session_id in ids}
    if ids:
        rows = session.execute(
            select(Booking.session_id, Booking.state, func.count())
            .where(Booking.session_id.in_(ids))
            .group_by(Booking.session_id, Booking.state)
        )
        for session_id, state, count in rows:
            counts[session_id][state] = count
    return counts


def session_row(row: InfoSession, counts: dict[str, int]) -> SessionRow:
    return SessionRow(
        id=row.id,
        starts_at=row.starts_at,
        duration_minutes=row.duration_minutes,
        campus=row.campus,
        online_url=row.online_url,
        languages=tuple(lang for lang in row.languages.split(",") if lang),
        address=row.address,
        directions=row.directions,
        capacity=row.capacity,
        notes=row.notes,
        active=row.active,
        counts=counts,
    )


def booking_row(b: Booking) -> BookingRow:
    return BookingRow(
        id=b.id,
        session_id=b.session_id,
        sender_id=b.sender_id,
        chat_id=b.chat_id,
        language=b.language,
        state=b.state,
        created_at=b.created_at,
        updated_at=b.updated_at,
    )
