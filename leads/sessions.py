"""Info sessions and the bookings people make for them in the chat.

Times are stored in UTC and shown in Europe/Brussels. A session has a campus (or is
online), the languages it is held in, a capacity; a booking moves booked → confirmed
(the person said "I'm coming") → attended / no_show (staff, afterwards), or is cancelled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
