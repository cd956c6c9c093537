"""action_answer_topic: the answer behind a topic button, or the topic menu.

A button sends `/choose_topic{"topic":"faq/cost"}`; the topic entity names a FAQ or doubt
key of labels.md and the answer is its retrieval response (`utter_faq/cost`). Without a
topic, or with one we don't know, the person gets the menu (`utter_topics`).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

FAQ_KEYS = (
    "what_is",
    "cost",
    "duration",
    "schedule",
    "locations",
    "requirements",
    "age",
    "income",
    "registration",
    "curriculum",
    "internship",
    "job_outcomes",
    "equipment",
    "teaching_language",
    "start_date",
    "selection",
    "support",
    "contact",
)
DOUBT_KEYS = (
    "no_diploma",
    "bad_at_math",
    "too_old",
    "never_coded",
    "no_computer",
    "fear_of_failure",
    "language_skills",
    "family_constraints",
)
TOPICS = frozenset([f"faq/{key}" for key in FAQ_KEYS] + [f"doubt/{key}" for key in DOUBT_KEYS])
TOPIC_MENU = "utter_topics"


def response_for_topic(topic: str | None) -> str:
    """`utter_faq/cost` for "faq/cost"; the topic menu for anything else."""
    key = (topic or "").strip().lower()
    return f"utter_{key}" if key in TOPICS else TOPIC_MENU


class ActionAnswerTopic(Action):
    def name(self) -> str:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        topic = next(tracker.get_latest_entity_values("topic"), None)
        dispatcher.utter_message(response=response_for_topic(topic))
        return []
