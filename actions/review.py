"""Collecting what the bot did not understand, for the review inbox (leads/review.py).

Why here: the action server sees the whole tracker (the message, its intent ranking, the
events around it) and every message passes through it, on Telegram and on the REST channel
alike (the bot process never sees REST conversations). Each trigger is caught where it
happens, so the last message of a conversation is never lost:

- fallback: action_fallback records the message it answers;
- low confidence: action_validate_slot_mappings (after every user message, before the reply)
  records a typed message whose confidence is under REVIEW_CONFIDENCE_THRESHOLD (default
  0.9) - not an answer to a pending check question: the check reads those itself;
- re-ask: validate_check_form records the answer it could not use (`check_reask` set);
- a person within two turns: action_validate_slot_mappings, on a request for a person,
  records the (up to) two typed messages before it.

What the bot did after a message the dialogue recorded before replying is filled in with
the next message. The same call counts the anonymous weekly figures of leads/understanding.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.forms import REQUESTED_SLOT

from actions import answers
from actions.fallback import FRESH_START, NOT_UNDERSTOOD
from passerelle_settings import environment

log = logging.getLogger(__name__)

# Measured on the held-out sets (2222 messages, 96 wrong today): a fallback or a confidence
# under 0.9 catches 88 of the 96 errors (0.8: 82, 0.5: 68) and sends 13% of the right answers
# to review too, where the bot's guess is pre-filled: one key confirms it, and a confirmed
# real message is training or test data as good as a corrected one.
DEFAULT_THRESHOLD = 0.9
HANDOFF_INTENT = "human_handoff"
HANDOFF_LOOKBACK = 2
RETRIEVAL_INTENTS = frozenset({"faq", "doubt"})
ROUTINE_ACTIONS = frozenset(
    {"action_listen", "action_extract_slots", "action_validate_slot_mappings"}
)


def review_threshold() -> float:
    try:
        return environment().review_confidence_threshold or DEFAULT_THRESHOLD
    except ValueError:
        return DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Turn:
    """One user message with what surrounded it."""

    event: dict[str, Any]
    requested_slot: str | None  # the question pending when it was written
    active_loop: str | None
    bot_actions: tuple[str, ...]  # what the bot did after it (until the next message)

    @property
    def text(self) -> str:
        return answers.clean_text(str(self.event.get("text") or ""))

    @property
    def message_id(self) -> str:
        return str(self.event.get("message_id") or self.event.get("timestamp") or "")

    @property
    def is_typed(self) -> bool:
        return bool(self.text) and not self.text.startswith("/")

    @property
    def parse(self) -> dict[str, Any]:
        return self.event.get("parse_data") or {}

    @property
    def intent(self) -> str | None:
        return (self.parse.get("intent") or {}).get("name")

    @property
    def at(self) -> datetime | None:
        stamp = self.event.get("timestamp")
        return datetime.fromtimestamp(stamp, tz=UTC) if stamp else None


def turns(events: Iterable[dict[str, Any]]) -> list[Turn]:
    """The user messages of the current session, oldest first."""
    found: list[Turn] = []
    pending: dict[str, Any] | None = None
    slot, loop = None, None
    done: list[str] = []
    request_slot, request_loop = None, None
    for event in events:
        kind = event.get("event")
        if kind in FRESH_START:
            found, pending, done, slot, loop = [], None, [], None, None
        elif kind == "user":
            if pending is not None:
                found.append(Turn(pending, request_slot, request_loop, tuple(done)))
            pending, done, request_slot, request_loop = event, [], slot, loop
        elif kind == "slot" and event.get("name") == REQUESTED_SLOT:
            slot = event.get("value")
        elif kind == "active_loop":
            loop = event.get("name")
            if loop is None:
                slot = None
        elif kind == "action" and pending is not None:
            name = str(event.get("name") or "")
            if name not in ROUTINE_ACTIONS and not name.startswith("validate_"):
                done.append(name)
    if pending is not None:
        found.append(Turn(pending, request_slot, request_loop, tuple(done)))
    return found


def predicted(parse: dict[str, Any]) -> tuple[str | None, float]:
    """The label the model leaned to (under a fallback too) and its confidence."""
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    intent = parse.get("intent") or {}
    top = intent if intent.get("name") != "nlu_fallback" or not ranking else ranking[0]
    name, confidence = top.get("name"), float(top.get("confidence") or 0.0)
    if name in RETRIEVAL_INTENTS:
        selector = (parse.get("response_selector") or {}).get(name) or {}
        name = (selector.get("response") or {}).get("intent_response_key") or name
    return name, confidence


def understood(turn: Turn, threshold: float) -> bool:
    _label, confidence = predicted(turn.parse)
    return turn.intent not in NOT_UNDERSTOOD and confidence >= threshold


def answers_a_question(turn: Turn) -> bool:
    return bool(turn.requested_slot and turn.active_loop)


# "… et mon nom c Yasmine", "btw my name is Tom": a name given in the middle of a message
NAME_GIVEN = re.compile(
    r"(?:my name is|my name's|call me|i'm called|mijn (?:voor)?naam is|ik heet|noem me|"
    r"noem mij|je m'? ?appelle|j'? ?m'? ?app?ell?e?|on m'appelle|mon (?:pr[ée])?nom "
    r"(?:est|c'est|cest|c)|moi c'est|moi cest)\s+([^\W\d_][\w'-]*)",
    re.IGNORECASE,
)


def names_in(tracker: Tracker, turn: Turn) -> tuple[str, ...]:
    """First names to mask: the check's answer, and a name the message itself gives."""
    names = [tracker.get_slot("first_name"), *NAME_GIVEN.findall(turn.text)]
    if turn.requested_slot == "first_name" or answers.has_name_prefix(turn.text):
        names.append(answers.parse_first_name(turn.text))
    return tuple(str(name) for name in names if name)


def bot_did(actions: Iterable[str]) -> str | None:
    return ", ".join(actions) or None


def message_for(tracker: Tracker, turn: Turn, trigger: str, bot_action: str | None = None):  # noqa: ANN201 - leads type, loaded when used
    from leads.review import ReviewMessage

    label, confidence = predicted(turn.parse)
    return ReviewMessage(
        sender_id=tracker.sender_id,
        message_id=turn.message_id,
        text=turn.text,
        language=str(tracker.get_slot("language") or "nl"),
        trigger=trigger,
        predicted_label=label,
        confidence=confidence,
        bot_action=bot_action or bot_did(turn.bot_actions),
        requested_slot=turn.requested_slot,
        campaign=tracker.get_slot("campaign"),
        names=names_in(tracker, turn),
        consent_refused=tracker.get_slot("consent") is False,
        at=turn.at,
    )


# --- the three places that call in ----------------------------------------------------------


def note_user_message(tracker: Tracker, language: str) -> None:
    """After each user message (action_validate_slot_mappings, through actions/store's
    background pool): low confidence, a person asked for, last turn's outcome, and the weekly
    counters."""
    from leads import review, understanding

    session = turns(tracker.events)
    if not session:
        return
    *earlier, latest = session
    threshold = review_threshold()
    if earlier and earlier[-1].is_typed and _maybe_recorded(earlier[-1], threshold):
        outcome = bot_did(earlier[-1].bot_actions)
        if outcome:
            review.set_bot_action(tracker.sender_id, earlier[-1].message_id, outcome)
    if latest.intent == HANDOFF_INTENT:
        for turn in [t for t in earlier if t.is_typed][-HANDOFF_LOOKBACK:]:
            review.record(message_for(tracker, turn, "handoff"))
    if not latest.is_typed:
        return
    metrics = []
    if answers_a_question(latest):
        if _first_answer_to(latest.requested_slot, earlier):
            metrics.append(f"answered:{latest.requested_slot}")
    else:
        metrics.append("messages")
        if understood(latest, threshold):
            metrics.append("understood")
        else:
            review.record(message_for(tracker, latest, "low_confidence"))
    understanding.count(language, metrics, at=latest.at)


def _maybe_recorded(turn: Turn, threshold: float) -> bool:
    """Recorded before the bot replied (so its outcome is still to be written)."""
    return not answers_a_question(turn) and not understood(turn, threshold)


def _first_answer_to(slot: str | None, earlier: list[Turn]) -> bool:
    return not any(t.requested_slot == slot and t.active_loop for t in earlier)


def _latest_turn(tracker: Tracker) -> Turn | None:
    found = turns(tracker.events)
    return found[-1] if found else None


async def on_fallback(tracker: Tracker, response: str) -> None:
    """action_fallback: the message it answers."""
    latest = _latest_turn(tracker)
    if latest is not None and latest.is_typed:
        from leads.review import record

        message = message_for(tracker, latest, "fallback", bot_action=response)
        await asyncio.to_thread(record, message)


async def on_reask(tracker: Tracker, slot: str) -> None:
    """validate_check_form: the answer it could not use for `slot`."""
    latest = _latest_turn(tracker)
    if latest is not None and latest.is_typed:
        from leads.review import record

        message = message_for(tracker, latest, "reask", bot_action=f"asked {slot} again")
        await asyncio.to_thread(record, message)


async def on_forget(sender_id: str) -> None:
    from leads.review import erase_conversation

    await asyncio.to_thread(erase_conversation, sender_id)


async def on_consent_refused(sender_id: str) -> None:
    from leads.review import mark_consent_refused

    try:
        await asyncio.to_thread(mark_consent_refused, sender_id)
    except Exception:
        log.exception("review items not marked for the consent refusal")
