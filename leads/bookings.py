"""Bookings of info sessions: book (one active booking per person), confirm, cancel,
rebook, and staff's marks afterwards. Booking queues the 24 h and 2 h reminders in the
outbox in the same transaction; cancelling or rebooking cancels them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from leads import outbox
from leads.db import rows_affected, session_scope
from leads.models import Lead, utcnow
from leads.sessions import (
    ACTIVE_BOOKING,
    Booking,
    BookingRow,
    InfoSession,
    SessionFull,
    SessionNotFound,
    SessionRow,
    booking_row,
    counts_by_state,
    session_row,
)

REMINDERS = (("24h", timedelta(hours=24)), ("2h", timedelta(hours=2)))
# Builds a reminder's outbox payload: (booking, session, which) → {"text": ..., "buttons": ...}
ReminderText = Callable[[BookingRow, SessionRow, str], dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class StaffBookingRow(BookingRow):
    lead_id: int | None = None
    first_name: str | None = None


def book(
    session_id: int,
    sender_id: str,
    chat_id: int | str | None,
    language: str,
    reminder: ReminderText,
    now: datetime | None = None,
) -> tuple[BookingRow, SessionRow]:
    """Book a seat (moving any other active booking of the person here) and queue the
    reminders; raises SessionNotFound (or closed/past) and SessionFull."""
    now = now or utcnow()
    with session_scope(write=True) as session:
        info = session.get(InfoSession, session_id)
        if info is None or not info.active or info.starts_at <= now:
            raise SessionNotFound(session_id)
        mine = _active(session, sender_id)
        if mine is not None and mine.session_id == session_id:
            counts = counts_by_state(session, [session_id])[session_id]
            return booking_row(mine), session_row(info, counts)
        taken = session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.session_id == session_id, Booking.state.in_(ACTIVE_BOOKING))
        )
        if (taken or 0) >= info.capacity:
            raise SessionFull(session_id)
        if mine is not None:
            _cancel(session, mine, "rebooked")
        booking = Booking(
            session_id=session_id,
            sender_id=sender_id,
            chat_id="" if chat_id is None else str(chat_id),
            language=language,
            state="booked",
            consent_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(booking)
        session.flush()
        row = booking_row(booking)
        info_row = session_row(info, counts_by_state(session, [session_id])[session_id])
        for which, before in REMINDERS:
            due = info.starts_at - before
            if due > now and chat_id is not None:  # no chat (try-the-bot): no reminders
                outbox.enqueue_in(
                    session,
                    "reminder",
                    chat_id,
                    f"booking:{booking.id}:{which}",
                    reminder(row, info_row, which),
                    due,
                    sender_id=sender_id,
                    batch=f"booking:{booking.id}",
                )
        return row, info_row


def confirm(sender_id: str) -> tuple[BookingRow, SessionRow] | None:
    """ "I'm coming": the person's active booking is confirmed (None: no booking)."""
    with session_scope(write=True) as session:
        booking = _active(session, sender_id)
        if booking is None:
            return None
        booking.state = "confirmed"
        info = session.get_one(InfoSession, booking.session_id)
        return booking_row(booking), session_row(info, {})


def cancel(sender_id: str) -> tuple[BookingRow, SessionRow] | None:
    """ "I can't make it": the active booking is cancelled with its reminders."""
    with session_scope(write=True) as session:
        booking = _active(session, sender_id)
        if booking is None:
            return None
        _cancel(session, booking, "the person cancelled")
        info = session.get_one(InfoSession, booking.session_id)
        return booking_row(booking), session_row(info, {})


def active_for(sender_id: str) -> tuple[BookingRow, SessionRow] | None:
    with session_scope() as session:
        booking = _active(session, sender_id)
        if booking is None:
            return None
        info = session.get_one(InfoSession, booking.session_id)
        return booking_row(booking), session_row(info, {})


def mark(booking_id: int, session_id: int, state: str) -> BookingRow | None:
    """Staff: attended / no_show (after the session), confirmed or cancelled. Attending is
    the funnel's last step. None: no such booking."""
    from leads.funnel import record_funnel_event

    with session_scope(write=True) as session:
        booking = session.get(Booking, booking_id)
        if booking is None or booking.session_id != session_id:
            return None
        if state == "cancelled":
            _cancel(session, booking, "cancelled by staff")
        else:
            booking.state = state
        row = booking_row(booking)
        campaign = session.scalar(select(Lead.campaign).where(Lead.sender_id == row.sender_id))
    if state == "attended":
        record_funnel_event(
            "attended", sender_id=row.sender_id, language=row.language, campaign=campaign
        )
    return row


def for_session(session_id: int) -> list[StaffBookingRow]:
    with session_scope() as session:
        rows = session.execute(
            select(Booking, Lead.id, Lead.first_name)
            .outerjoin(Lead, Lead.sender_id == Booking.sender_id)
            .where(Booking.session_id == session_id)
            .order_by(Booking.id)
        )
        return [
            StaffBookingRow(**vars(booking_row(b)), lead_id=lead_id, first_name=name)
            for b, lead_id, name in rows
        ]


def for_sender(sender_id: str) -> list[tuple[BookingRow, SessionRow]]:
    """The person's bookings, newest first, with their sessions (for the lead page)."""
    with session_scope() as session:
        rows = session.execute(
            select(Booking, InfoSession)
            .join(InfoSession, InfoSession.id == Booking.session_id)
            .where(Booking.sender_id == sender_id)
            .order_by(Booking.id.desc())
        )
        return [(booking_row(b), session_row(s, {})) for b, s in rows]


def forget(sender_id: str) -> int:
    """/forget: the person's bookings go (their reminders go with the outbox rows)."""
    with session_scope(write=True) as session:
        return forget_in(session, sender_id)


def forget_in(session: Session, sender_id: str) -> int:
    """forget, inside the caller's transaction (the erase's: leads.erasures)."""
    from sqlalchemy import delete

    return rows_affected(session.execute(delete(Booking).where(Booking.sender_id == sender_id)))


def purge_past(before: datetime) -> int:
    """Retention: bookings of sessions that ended before `before`."""
    from sqlalchemy import delete

    with session_scope(write=True) as session:
        old = select(InfoSession.id).where(InfoSession.starts_at < before)
        return rows_affected(session.execute(delete(Booking).where(Booking.session_id.in_(old))))


def _active(session: Session, sender_id: str) -> Booking | None:
    return session.scalars(
        select(Booking)
        .where(Booking.sender_id == sender_id, Booking.state.in_(ACTIVE_BOOKING))
        .order_by(Booking.id.desc())
        .limit(1)
    ).first()


def _cancel(session: Session, booking: Booking, reason: str) -> None:
    booking.state = "cancelled"
    session.execute(
        update(outbox.OutboxMessage)
        .where(
            outbox.OutboxMessage.batch == f"booking:{booking.id}",
            outbox.OutboxMessage.state == "pending",
        )
        .values(state="cancelled", last_error=reason)
    )
