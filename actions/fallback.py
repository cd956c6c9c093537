"""action_fallback: the two-stage fallback of PRODUCT.md §4.

The first message in a row that the bot did not understand (nlu_fallback) or cannot help
with (out_of_scope) gets an honest "I didn't get that" with topic buttons; the second in a
row offers a person first. Any other intent resets the count. The turn is kept (no
UserUtteranceReverted): staff see what people asked that the bot could not answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

NOT_UNDERSTOOD = frozenset({"nlu_fallback", "out_of_scope"})
# Events after which the conversation starts afresh.
FRESH_START = frozenset({"restart", "session_started"})


def fallback_streak(events: Iterable[dict[str, Any]]) -> int:
    """How many user turns in a row, up to the latest, were not understood."""
    intents: list[str | None] = []
    for event in events:
        kind = event.get("event")
        if kind in FRESH_START:
            intents.clear()
        elif kind == "rewind" and intents:
            intents.pop()  # UserUtteranceReverted: that turn no longer counts
        elif kind == "user":
            intents.append(((event.get("parse_data") or {}).get("intent") or {}).get("name"))
    streak = 0
    for intent in reversed(intents):
        if intent not in NOT_UNDERSTOOD:
            break
        streak += 1
    return streak


def fallback_response(streak: int) -> str:
    return "utter_fallback_twice" if streak >= 2 else "utter_fallback"


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        response = fallback_response(fallback_streak(tracker.events))
        dispatcher.utter_message(response=response)
        from actions.review import on_fallback  # it imports this module

        await on_fallback(tracker, response)
        return []
