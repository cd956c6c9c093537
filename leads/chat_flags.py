"""Chats the bot must leave alone: they blocked it (a Telegram 403, on a reply or an outbox
message) or asked for no more messages (/unsubscribe, "stop sending me messages"). No
reminder, nudge or broadcast goes to them (leads.outbox cancels those when claiming);
replies to what they write still do. Writing again after a block clears the block;
booking a session again lifts an opt-out (it asks for the reminders)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from leads.db import rows_affected, session_scope
from leads.models import Base, utcnow
from leads.outbox_table import UNSOLICITED, OutboxMessage


class ChatFlag(Base):
    """A chat the bot must leave alone: blocked it (Telegram 403) or asked to stop."""

    __tablename__ = "chat_flags"

    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    blocked_at: Mapped[datetime | None]
    opted_out_at: Mapped[datetime | None]


def opt_out(chat_id: int | str, now: datetime | None = None) -> int:
    """No more reminders, nudges or broadcasts; returns how many queued ones were cancelled."""
    now = now or utcnow()
    with session_scope(write=True) as session:
        flag(session, str(chat_id)).opted_out_at = now
        return _cancel_unsolicited(session, [str(chat_id)], "the person asked to stop")


def opt_in(chat_id: int | str) -> None:
    with session_scope(write=True) as session:
        flag = session.get(ChatFlag, str(chat_id))
        if flag is not None:
            flag.opted_out_at = None


def chat_blocked(chat_id: int | str, now: datetime | None = None) -> int:
    """A direct reply got a 403: flag the chat and stop what is queued for it."""
    with session_scope(write=True) as session:
        flag(session, str(chat_id)).blocked_at = now or utcnow()
        rows = OutboxMessage
        return rows_affected(
            session.execute(
                update(rows)
                .where(rows.target == str(chat_id), rows.state == "pending", rows.kind != "webhook")
                .values(state="blocked", last_error="the person blocked the bot")
            )
        )


def chat_unblocked(chat_id: int | str) -> bool:
    """The person wrote again after blocking: Telegram delivers to them again. Reads first,
    so the usual case (never blocked) writes nothing."""
    with session_scope() as session:
        flag = session.get(ChatFlag, str(chat_id))
        if flag is None or flag.blocked_at is None:
            return False
    with session_scope(write=True) as session:
        flag = session.get(ChatFlag, str(chat_id))
        if flag is not None:
            flag.blocked_at = None
        return True


def left_alone(chat_id: int | str) -> bool:
    """True when the chat blocked the bot or asked to stop the messages."""
    with session_scope() as session:
        flag = session.get(ChatFlag, str(chat_id))
        return flag is not None and (flag.blocked_at is not None or flag.opted_out_at is not None)


def left_alone_chats(chat_ids: Iterable[str]) -> set[str]:
    ids = list(chat_ids)
    if not ids:
        return set()
    with session_scope() as session:
        flags = session.scalars(select(ChatFlag).where(ChatFlag.chat_id.in_(ids)))
        return {f.chat_id for f in flags if f.blocked_at or f.opted_out_at}


def forget_in(session: Session, chat_id: int | str) -> int:
    """/forget, inside the caller's transaction: the chat's flags row goes."""
    from sqlalchemy import delete

    return rows_affected(session.execute(delete(ChatFlag).where(ChatFlag.chat_id == str(chat_id))))


def flag(session: Session, chat_id: str) -> ChatFlag:
    """The chat's flags row, created when missing (inside the caller's transaction)."""
    flag = session.get(ChatFlag, chat_id)
    if flag is None:
        flag = ChatFlag(chat_id=chat_id)
        session.add(flag)
    return flag


def _cancel_unsolicited(session: Session, chat_ids: list[str], reason: str) -> int:
    rows = OutboxMessage
    return rows_affected(
        session.execute(
            update(rows)
            .where(rows.state == "pending", rows.kind.in_(UNSOLICITED), rows.target.in_(chat_ids))
            .values(state="cancelled", last_error=reason)
        )
    )
