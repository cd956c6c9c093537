"""The outbox: every message that is not a direct reply, kept in the database until sent.

A row is queued once (`enqueue`: the idempotency key is unique per kind and target, so the
same reminder, nudge or broadcast to the same chat is never queued twice), claimed by one
sender (`claim_due`: `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite), and
then marked sent, retried later, or given up. A row found still `sending` after its lease
(the sender died in the middle) is never sent again: it may have reached Telegram, and a
duplicate is worse than a message staff see as `interrupted`.

Chats that blocked the bot (403) or asked for no more messages are kept in `chat_flags`;
no nudge, reminder or broadcast is claimed for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leads import chat_flags
from leads.db import rows_affected, session_scope
from leads.models import utcnow
from leads.outbox_table import KINDS, UNSOLICITED, OutboxMessage
from passerelle_settings import environment

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# How long a sender may hold rows before they count as abandoned (wall clock, whatever
# --now says): a claimed row not yet tried goes back to the queue, a row whose call started
# is never tried again (it may have been delivered).
CLAIM_LEASE = timedelta(minutes=2)
LEASE = timedelta(minutes=5)


@dataclass(frozen=True, kw_only=True)
class Claimed:
    id: int
    kind: str
    target: str
    key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, kw_only=True)
class OutboxRow:
    id: int
    kind: str
    target: str
    state: str
    attempts: int
    last_error: str
    due_at: datetime
    sent_at: datetime | None
    batch: str | None


# --- queueing ----------------------------------------------------------------------------


def enqueue(
    kind: str,
    target: int | str,
    key: str,
    payload: dict[str, Any],
    due_at: datetime | None = None,
    *,
    sender_id: str | None = None,
    batch: str | None = None,
) -> bool:
    """Queue one message; False when the same (kind, target, key) was queued before."""
    with session_scope(write=True) as session:
        return enqueue_in(
            session, kind, target, key, payload, due_at, sender_id=sender_id, batch=batch
        )


def enqueue_in(
    session: Session,
    kind: str,
    target: int | str,
    key: str,
    payload: dict[str, Any],
    due_at: datetime | None = None,
    *,
    sender_id: str | None = None,
    batch: str | None = None,
) -> bool:
    """`enqueue` inside the caller's transaction (the row commits with what caused it)."""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    now = utcnow()
    values = {
        "kind": kind,
        "target": str(target),
        "key": key[:200],
        "payload": payload,
        "due_at": due_at or now,
        "state": "pending",
        "attempts": 0,
        "last_error": "",
        "sender_id": sender_id,
        "batch": batch,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["kind", "target", "key"])
        .returning(OutboxMessage.id)
    )
    return session.connection().execute(statement).first() is not None


# --- sending -----------------------------------------------------------------------------


def claim_due(now: datetime, worker: str, limit: int = 50) -> list[Claimed]:
    """Take up to `limit` due rows for `worker`; no other sender gets the same row."""
    with session_scope(write=True) as session:
        _interrupt_stale(session, now)
        _skip_left_alone_chats(session)
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.state == "pending", OutboxMessage.due_at <= now)
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        claimed_at = utcnow()
        for row in rows:
            row.state, row.claimed_by, row.claimed_at = "claimed", worker, claimed_at
            row.attempts += 1
        return [
            Claimed(
                id=r.id,
                kind=r.kind,
                target=r.target,
                key=r.key,
                payload=dict(r.payload),
                attempts=r.attempts,
            )
            for r in rows
        ]


def start_sending(row_id: int, worker: str) -> bool:
    """Right before the call to Telegram (or the CRM): False when this sender lost the row
    (its lease ran out and another sender has it)."""
    with session_scope(write=True) as session:
        started = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.state == "claimed",
                OutboxMessage.claimed_by == worker,
            )
            .values(state="sending", claimed_at=utcnow())
        )
        return rows_affected(started) == 1


def mark_sent(row_id: int, now: datetime) -> None:
    _set(row_id, state="sent", sent_at=now, last_error="")


def release(row_id: int, due_at: datetime) -> None:
    """Not tried after all (the chat's turn had not come): back in the queue as it was."""
    with session_scope(write=True) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.state == "claimed")
            .values(state="pending", due_at=due_at, attempts=OutboxMessage.attempts - 1)
        )


def retry_later(row_id: int, error: str, due_at: datetime, attempts: int) -> str:
    """Try again at `due_at`, or give up after MAX_ATTEMPTS; returns the new state."""
    state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    _set(row_id, state=state, due_at=due_at, last_error=error[:500])
    return state


def give_up(row_id: int, error: str) -> None:
    _set(row_id, state="failed", last_error=error[:500])


def mark_blocked(row_id: int, chat_id: str, now: datetime) -> int:
    """The chat blocked the bot: flag it and stop everything queued for it (returns how many
    other rows were stopped)."""
    with session_scope(write=True) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(state="blocked", last_error="the person blocked the bot")
        )
        chat_flags.flag(session, chat_id).blocked_at = now
        stopped = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.target == chat_id,
                OutboxMessage.state.in_(("pending", "claimed", "sending")),
                OutboxMessage.kind != "webhook",
            )
            .values(state="blocked", last_error="the person blocked the bot")
        )
        return rows_affected(stopped)


QUIET_FROM, QUIET_UNTIL = time(21, 0), time(9, 0)
BRUSSELS = ZoneInfo("Europe/Brussels")


def out_of_quiet_hours(moment: datetime) -> datetime:
    """`moment`, or 09:00 Brussels time when it falls between 21:00 and 09:00 (nudges and
    broadcasts never wake anyone up)."""
    local = moment.astimezone(BRUSSELS)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return moment
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=BRUSSELS)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def forget(sender_id: str) -> int:
    """/forget: every queued or past message of this person goes (flags too)."""
    with session_scope(write=True) as session:
        return forget_in(session, sender_id)


def forget_in(session: Session, sender_id: str) -> int:
    """forget, inside the caller's transaction (the erase's: leads.erasures): staff replies,
    reminders, nudges, broadcasts and webhooks of this person, and the chat's flags."""
    chat_id = sender_id.removeprefix("tg-")
    gone = rows_affected(
        session.execute(
            delete(OutboxMessage).where(
                (OutboxMessage.sender_id == sender_id)
                | ((OutboxMessage.target == chat_id) & (OutboxMessage.kind != "webhook"))
            )
        )
    )
    chat_flags.forget_in(session, chat_id)
    return gone


# --- reading -----------------------------------------------------------------------------


def batch_counts(batch: str) -> dict[str, int]:
    with session_scope() as session:
        rows = session.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.batch == batch)
            .group_by(OutboxMessage.state)
        )
        return {state: count for state, count in rows}


def rows_for(
    *,
    sender_id: str | None = None,
    batch: str | None = None,
    kind: str | None = None,
    limit: int = 200,
) -> list[OutboxRow]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if sender_id is not None:
        query = query.where(OutboxMessage.sender_id == sender_id)
    if batch is not None:
        query = query.where(OutboxMessage.batch == batch)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    with session_scope() as session:
        return [
            OutboxRow(
                id=r.id,
                kind=r.kind,
                target=r.target,
                state=r.state,
                attempts=r.attempts,
                last_error=r.last_error,
                due_at=r.due_at,
                sent_at=r.sent_at,
                batch=r.batch,
            )
            for r in session.scalars(query)
        ]


# --- helpers -----------------------------------------------------------------------------


def _set(row_id: int, **values: Any) -> None:
    with session_scope(write=True) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


def _interrupt_stale(session: Session, now: datetime) -> None:
    wall = utcnow()
    abandoned = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.state == "claimed",
            OutboxMessage.claimed_at
            < wall - _lease(environment().outbox_claim_lease_seconds, CLAIM_LEASE),
        )
        .values(state="pending", attempts=OutboxMessage.attempts - 1)
    )
    if rows_affected(abandoned):
        log.warning(
            "outbox: %d rows of a stopped sender back in the queue", rows_affected(abandoned)
        )
    stale = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.state == "sending",
            OutboxMessage.claimed_at < wall - _lease(environment().outbox_lease_seconds, LEASE),
        )
        .values(
            state="interrupted",
            last_error="the sender stopped while sending: maybe delivered, not sent again",
        )
    )
    if rows_affected(stale):
        log.warning("outbox: %d rows interrupted mid-send, not sent again", rows_affected(stale))


def _lease(seconds: float | None, default: timedelta) -> timedelta:
    return default if seconds is None else timedelta(seconds=seconds)


def _skip_left_alone_chats(session: Session) -> None:
    flags = chat_flags.ChatFlag
    flagged = select(flags.chat_id).where(
        (flags.blocked_at.is_not(None)) | (flags.opted_out_at.is_not(None))
    )
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.state == "pending",
            OutboxMessage.kind.in_(UNSOLICITED),
            OutboxMessage.target.in_(flagged),
        )
        .values(state="cancelled", last_error="the person blocked the bot or asked to stop")
    )


def reschedule(
    kind: str,
    target: int | str,
    key: str,
    payload: dict[str, Any],
    due_at: datetime,
    *,
    sender_id: str | None = None,
) -> None:
    """Queue the row, or move it to `due_at` if it is still waiting (sent ones stay sent)."""
    with session_scope(write=True) as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        now = utcnow()
        statement = insert(OutboxMessage).values(
            kind=kind,
            target=str(target),
            key=key,
            payload=payload,
            due_at=due_at,
            state="pending",
            attempts=0,
            last_error="",
            sender_id=sender_id,
            created_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "target", "key"],
            set_={"due_at": due_at, "payload": payload},
            where=OutboxMessage.state == "pending",
        )
        session.connection().execute(statement)


def cancel_pending(kind: str, target: int | str, reason: str) -> int:
    with session_scope(write=True) as session:
        return rows_affected(
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.kind == kind,
                    OutboxMessage.target == str(target),
                    OutboxMessage.state == "pending",
                )
                .values(state="cancelled", last_error=reason)
            )
        )


def purge_finished(before: datetime) -> int:
    """Retention: rows that were sent or given up before `before` (their text is gone)."""
    with session_scope(write=True) as session:
        return rows_affected(
            session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.state != "pending",
                    OutboxMessage.state != "sending",
                    OutboxMessage.created_at < before,
                )
            )
        )


def drop(kind: str, sender_id: str) -> int:
    """Delete the person's rows of one kind (not just cancel: nothing of them stays)."""
    with session_scope(write=True) as session:
        return rows_affected(
            session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.kind == kind, OutboxMessage.sender_id == sender_id
                )
            )
        )
