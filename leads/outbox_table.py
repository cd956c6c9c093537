"""The outbox's table (leads/outbox.py queues, claims and sends its rows): in a module of its
own so that leads/chat_flags.py can stop a blocked chat's rows without importing the sender."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leads.models import Base, choice, utcnow

KINDS = ("staff_notice", "staff_reply", "webhook", "reminder", "nudge", "broadcast")
# pending → claimed (taken by one sender) → sending (its HTTP call started) → sent, or back
# to pending (retry), failed, blocked, cancelled; interrupted: the sender died mid-call.
STATES = (
    "pending",
    "claimed",
    "sending",
    "sent",
    "failed",
    "blocked",
    "cancelled",
    "interrupted",
)
# Sent only to people who did not block the bot or ask to stop; staff replies and staff
# notices are not in this list (a reply is an answer, a notice goes to the staff chat).
UNSOLICITED = ("reminder", "nudge", "broadcast")


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(choice("outbox_kind", KINDS))
    # A Telegram chat id, or the URL of a webhook.
    target: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(choice("outbox_state", STATES), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The person's conversation (`tg-<chat id>`): what /forget erases.
    sender_id: Mapped[str | None] = mapped_column(String(128), index=True)
    # What the row belongs to, for progress pages: "broadcast:7", "booking:12".
    batch: Mapped[str | None] = mapped_column(String(64), index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "target", "key"),
        Index("ix_outbox_state_due", "state", "due_at"),
    )
