"""The anonymous funnel: which steps one conversation reached (leads/ stores the counts).

The first two steps are read off the conversation itself, on every message, by
action_validate_slot_mappings: `started` on the first message, `asked_question` on the first
FAQ or doubt (typed, or by a topic button). The database is only touched when a step is new.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import store

QUESTION_INTENTS = frozenset({"faq", "doubt", "choose_topic"})


def _intent(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def new_steps(tracker: Tracker) -> list[str]:
    """The steps the latest message reaches for the first time in this conversation."""
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if not user_events:
        return []
    *earlier, latest = user_events
    steps = [] if earlier else ["started"]
    if _intent(latest) in QUESTION_INTENTS and not any(
        _intent(e) in QUESTION_INTENTS for e in earlier
    ):
        steps.append("asked_question")
    return steps


def record(kind: str, tracker: Tracker, language: str) -> None:
    """Count one step (idempotent per conversation and step; in the background: a reply
    never waits for the funnel, nor for a stalled database)."""
    store.record_funnel_event(
        kind,
        sender_id=tracker.sender_id,
        language=language,
        campaign=tracker.get_slot("campaign"),
    )


def record_new_steps(tracker: Tracker, language: str) -> None:
    for kind in new_steps(tracker):
        record(kind, tracker, language)
