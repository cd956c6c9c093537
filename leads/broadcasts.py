"""Broadcasts: staff pick a segment of the leads, write the text per language, see how many
people it reaches, and send. Only people who consented, who talked to the bot on Telegram
and who did not block it or ask to stop are reached.

Sending queues one outbox row per person with the key `broadcast:<id>`: the outbox's
unique (kind, chat, key) makes a second click, a restart or a second bot process unable to
send it twice to anyone. The bot's outbox loop paces them (≤ 30/s, 1/s per chat) and the
page shows the progress from the rows' states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from leads import chat_flags, outbox
from leads.db import session_scope
from leads.models import LANGUAGES, Lead, utcnow
from leads.sessions import ACTIVE_BOOKING, Booking, Broadcast

SEGMENT_FIELDS = ("status", "campus", "language", "campaign", "booked")


class BroadcastError(ValueError):
    """The broadcast cannot be sent as it is; the message says what to change."""


@dataclass(frozen=True, kw_only=True)
class Segment:
    status: str | None = None
    campus: str | None = None
    language: str | None = None
    campaign: str | None = None
    booked: bool | None = None  # True: has an active booking; False: has none

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SEGMENT_FIELDS}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Segment:
        return cls(**{name: values.get(name) for name in SEGMENT_FIELDS})


@dataclass(frozen=True, kw_only=True)
class Recipient:
    lead_id: int
    sender_id: str
    chat_id: int
    language: str


@dataclass(frozen=True, kw_only=True)
class BroadcastRow:
    id: int
    title: str
    segment: Segment
    texts: dict[str, str]
    state: str
    recipients: int
    created_at: datetime
    sent_at: datetime | None
    progress: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return (
            self.state == "sent"
            and not self.progress.get("pending")
            and not self.progress.get("sending")
        )


def recipients(segment: Segment) -> list[Recipient]:
    """Everyone the segment reaches now (consented, on Telegram, not blocked or opted out)."""
    with session_scope() as session:
        leads = list(session.execute(_query(segment)))
    found = [
        Recipient(
            lead_id=lead_id,
            sender_id=sender,
            chat_id=chat,
            language=language if language in LANGUAGES else "nl",
        )
        for lead_id, sender, language, user_id in leads
        if (chat := _chat_of(sender, user_id)) is not None
    ]
    alone = chat_flags.left_alone_chats(str(r.chat_id) for r in found)
    return [r for r in found if str(r.chat_id) not in alone]


def preview(segment: Segment) -> dict[str, int]:
    """How many people per language the segment reaches (and "all")."""
    counts = {language: 0 for language in LANGUAGES}
    for recipient in recipients(segment):
        counts[recipient.language] += 1
    return {**counts, "all": sum(counts.values())}


def create(
    title: str, segment: Segment, texts: dict[str, str], created_by: int | None
) -> BroadcastRow:
    title = title.strip()[:200]
    texts = {lang: (texts.get(lang) or "").strip() for lang in LANGUAGES}
    if not title:
        raise BroadcastError("Give the broadcast a title (only staff see it).")
    if any(len(text) > 4000 for text in texts.values()):
        raise BroadcastError("Keep each text under 4000 characters.")
    needed = [lang for lang, n in preview(segment).items() if lang != "all" and n]
    missing = [lang for lang in needed if not texts[lang]]
    if missing:
        raise BroadcastError(
            "Write the text in " + ", ".join(missing) + ": people in the segment read it."
        )
    with session_scope(write=True) as session:
        row = Broadcast(
            title=title,
            segment=segment.as_dict(),
            texts=texts,
            state="draft",
            recipients=0,
            created_by=created_by,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return _row(row, {})


def send(broadcast_id: int, now: datetime | None = None) -> int:
    """Queue the broadcast for everyone in its segment; returns how many rows were new
    (0 when it was already queued: a second click sends nothing twice)."""
    now = now or utcnow()
    with session_scope() as session:
        broadcast = session.get_one(Broadcast, broadcast_id)
        if broadcast is None:
            raise BroadcastError("This broadcast does not exist (any more).")
        segment, texts = Segment.from_dict(broadcast.segment), dict(broadcast.texts)
    people = recipients(segment)
    due = outbox.out_of_quiet_hours(now)
    queued = 0
    batch = f"broadcast:{broadcast_id}"
    with session_scope(write=True) as session:
        for person in people:
            text = texts.get(person.language) or ""
            if not text:
                continue
            queued += outbox.enqueue_in(
                session,
                "broadcast",
                person.chat_id,
                batch,
                {"text": text, "label": batch},
                due,
                sender_id=person.sender_id,
                batch=batch,
            )
        broadcast = session.get_one(Broadcast, broadcast_id)
        if broadcast.state == "draft":
            broadcast.state, broadcast.sent_at = "sending", now
        broadcast.recipients += queued
        broadcast.state = "sent"
    return queued


def get(broadcast_id: int) -> BroadcastRow | None:
    with session_scope() as session:
        row = session.get(Broadcast, broadcast_id)
        if row is None:
            return None
    return _row(row, outbox.batch_counts(f"broadcast:{broadcast_id}"))


def list_all() -> list[BroadcastRow]:
    with session_scope() as session:
        rows = list(session.scalars(select(Broadcast).order_by(Broadcast.id.desc())))
    return [_row(r, outbox.batch_counts(f"broadcast:{r.id}")) for r in rows]


def _query(segment: Segment) -> Select[Any]:
    query = select(Lead.id, Lead.sender_id, Lead.language, Lead.telegram_user_id).where(
        Lead.consent.is_(True)
    )
    for name in ("status", "campus", "language", "campaign"):
        value = getattr(segment, name)
        if value:
            query = query.where(getattr(Lead, name) == value)
    if segment.booked is not None:
        has_booking = (
            select(Booking.id)
            .where(Booking.sender_id == Lead.sender_id, Booking.state.in_(ACTIVE_BOOKING))
            .exists()
        )
        query = query.where(has_booking if segment.booked else ~has_booking)
    return query.order_by(Lead.id)


def _chat_of(sender_id: str, telegram_user_id: int | None) -> int | None:
    chat = sender_id.removeprefix("tg-")
    if sender_id.startswith("tg-") and chat.lstrip("-").isdigit():
        return int(chat)
    return telegram_user_id


def _row(row: Broadcast, progress: dict[str, int]) -> BroadcastRow:
    return BroadcastRow(
        id=row.id,
        title=row.title,
        segment=Segment.from_dict(row.segment),
        texts=dict(row.texts),
        state=row.state,
        recipients=row.recipients,
        created_at=row.created_at,
        sent_at=row.sent_at,
        progress=progress,
    )
