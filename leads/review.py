"""The review inbox's data, dialogue side: messages the bot did not understand, masked.

The dialogue (actions/review.py) hands over one message at a time with why it is here (the
trigger); the text is masked before it is stored (leads/masking.py). An item stays linked to
its conversation (`sender_id`, to open the transcript) only while the transcript exists: the
retention job clears the link when it purges conversations, and deletes items after
`review_days` (default 90). /forget deletes the person's items at once; items of someone who
refused consent go at the next retention run. The staff side is leads/review_inbox.py.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from leads.db import rows_affected, session_scope
from leads.funnel import conversation_hash
from leads.masking import mask
from leads.models import ReviewItem, utcnow

log = logging.getLogger(__name__)

TRIGGERS = ("fallback", "low_confidence", "reask", "handoff")


@dataclass(frozen=True, kw_only=True)
class ReviewMessage:
    """One user message as the dialogue saw it (the text unmasked: masked on the way in)."""

    sender_id: str
    message_id: str
    text: str
    language: str
    trigger: str
    predicted_label: str | None = None
    confidence: float = 0.0
    bot_action: str | None = None
    requested_slot: str | None = None
    campaign: str | None = None
    names: tuple[str, ...] = ()
    consent_refused: bool = False
    at: datetime | None = None


# --- the dialogue side ----------------------------------------------------------------------


def record(message: ReviewMessage) -> bool:
    """Store `message` for review (masked), or add its trigger to the stored one. Never raises:
    the conversation must not suffer from the inbox. True when something was written."""
    try:
        return _record(message)
    except Exception:
        log.exception("review item (%s) not recorded", message.trigger)
        return False


def _record(message: ReviewMessage) -> bool:
    if message.trigger not in TRIGGERS:
        raise ValueError(f"unknown review trigger {message.trigger!r}")
    conversation = conversation_hash(message.sender_id)
    for _attempt in range(2):
        try:
            with session_scope(write=True) as session:
                item = session.scalar(
                    select(ReviewItem).where(
                        ReviewItem.conversation == conversation,
                        ReviewItem.message_id == message.message_id[:64],
                    )
                )
                if item is None:
                    session.add(_new_item(message, conversation))
                    return True
                triggers = item.triggers.split(",")
                if message.trigger not in triggers:
                    item.triggers = ",".join([*triggers, message.trigger])
                if message.bot_action and not item.bot_action:
                    item.bot_action = message.bot_action[:200]
                item.consent_refused = item.consent_refused or message.consent_refused
                return True
        except IntegrityError:
            continue  # two actions recorded the same message at once: merge into it
    return False


def _new_item(message: ReviewMessage, conversation: str) -> ReviewItem:
    masked = mask(message.text, message.names)[:2000]
    return ReviewItem(
        conversation=conversation,
        sender_id=message.sender_id[:128],
        message_id=message.message_id[:64],
        text=masked,
        normalized=normalize(masked)[:500],
        language=message.language[:8],
        predicted_label=(message.predicted_label or None) and message.predicted_label[:100],
        confidence=round(float(message.confidence), 4),
        triggers=message.trigger,
        bot_action=(message.bot_action or None) and message.bot_action[:200],
        requested_slot=(message.requested_slot or None) and message.requested_slot[:64],
        campaign=(message.campaign or None) and message.campaign[:200],
        consent_refused=message.consent_refused,
        at=message.at or utcnow(),
    )


def set_bot_action(sender_id: str, message_id: str, bot_action: str) -> int:
    """What the bot did after a stored message, once the next message shows it."""
    try:
        with session_scope(write=True) as session:
            result = session.execute(
                update(ReviewItem)
                .where(
                    ReviewItem.conversation == conversation_hash(sender_id),
                    ReviewItem.message_id == message_id[:64],
                    ReviewItem.bot_action.is_(None),
                )
                .values(bot_action=bot_action[:200])
            )
            return rows_affected(result)
    except Exception:
        log.exception("review item's bot action not recorded")
        return 0


def mark_consent_refused(sender_id: str) -> int:
    """The person said no to consent: their items go at the next retention run."""
    with session_scope(write=True) as session:
        result = session.execute(
            update(ReviewItem)
            .where(ReviewItem.conversation == conversation_hash(sender_id))
            .values(consent_refused=True)
        )
        return rows_affected(result)


def erase_conversation(sender_id: str) -> int:
    """/forget: every item of this person, linked or not any more. Returns how many."""
    with session_scope(write=True) as session:
        result = session.execute(
            delete(ReviewItem).where(
                or_(
                    ReviewItem.conversation == conversation_hash(sender_id),
                    ReviewItem.sender_id == sender_id,
                )
            )
        )
        return rows_affected(result)


# --- retention -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReviewPurge:
    deleted: int
    unlinked: int


def purge(
    now: datetime, *, review_days: float, conversation_days: float, keep_sender_ids: set[str]
) -> ReviewPurge:
    """Delete items older than `review_days` and those of people who refused consent; clear
    the transcript link of items whose conversation the tracker purge removes (same rule:
    older than `conversation_days`, no lead)."""
    with session_scope(write=True) as session:
        deleted = rows_affected(
            session.execute(
                delete(ReviewItem).where(
                    or_(
                        ReviewItem.at < now - timedelta(days=review_days),
                        ReviewItem.consent_refused.is_(True),
                    )
                )
            )
        )
        stale = session.scalars(
            select(ReviewItem.sender_id)
            .where(
                ReviewItem.sender_id.is_not(None),
                ReviewItem.at < now - timedelta(days=conversation_days),
            )
            .distinct()
        ).all()
        doomed = [sender for sender in stale if sender not in keep_sender_ids]
        unlinked = 0
        for start in range(0, len(doomed), 500):
            unlinked += rows_affected(
                session.execute(
                    update(ReviewItem)
                    .where(ReviewItem.sender_id.in_(doomed[start : start + 500]))
                    .values(sender_id=None)
                )
            )
    return ReviewPurge(deleted=deleted, unlinked=unlinked)


def normalize(text: str) -> str:
    """Lower case, no accents, punctuation or repeated letters: "Cééé combien ??" → "ce combien"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = re.sub(r"\[(phone|email|name)\]", r" \1 ", plain)
    plain = re.sub(r"[^\w\s]|_", " ", plain)
    plain = re.sub(r"(\w)\1{2,}", r"\1", plain)
    return " ".join(plain.split())
