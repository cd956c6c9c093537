"""action_validate_slot_mappings: the reply language, the campaign, what the bot just offered
(`offer`) and the content slots.

Rasa runs it after every user message (action_extract_slots), before a response is chosen,
so it must stay cheap: the language decision is cached per text, and only slots whose value
changes are returned.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions import answers, funnel, nudges, review, store
from actions.content import content_slots
from actions.domain import domain_or_cached
from actions.language import choose_language
from passerelle_settings import environment

CHANGE_LANGUAGE_PAYLOAD_RE = re.compile(r"/change_language(\{.*\})", re.DOTALL)

# What the `language` entity may hold when the NLU synonyms did not map it to a code.
LANGUAGE_NAMES = {
    "nl": "nl",
    "nld": "nl",
    "ned": "nl",
    "nederlands": "nl",
    "nederlandse": "nl",
    "nederlans": "nl",
    "nedrlands": "nl",
    "nederlandstalig": "nl",
    "vlaams": "nl",
    "vlaamse": "nl",
    "dutch": "nl",
    "duch": "nl",
    "flemish": "nl",
    "flemmish": "nl",
    "flemisch": "nl",
    "neerlandais": "nl",
    "neerlandaise": "nl",
    "neerlandai": "nl",
    "flamand": "nl",
    "flamande": "nl",
    "hollandais": "nl",
    "fr": "fr",
    "fra": "fr",
    "frans": "fr",
    "franse": "fr",
    "franstalig": "fr",
    "francais": "fr",
    "francaise": "fr",
    "fransais": "fr",
    "francai": "fr",
    "french": "fr",
    "frensh": "fr",
    "franch": "fr",
    "frances": "fr",
    "en": "en",
    "eng": "en",
    "engels": "en",
    "engelse": "en",
    "engelstalig": "en",
    "english": "en",
    "englsh": "en",
    "englis": "en",
    "inglish": "en",
    "anglais": "en",
    "anglaise": "en",
    "anglai": "en",
    "ingles": "en",
}


def language_code(name: Any) -> str | None:
    """ "fr", "French", "frans", "Français" → "fr"; None for anything else."""
    if not isinstance(name, str):
        return None
    decomposed = unicodedata.normalize("NFD", name.strip().lower())
    key = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return LANGUAGE_NAMES.get(key)


def explicit_language(message: dict[str, Any]) -> str | None:
    """The language the person chose: a language button / `/language` payload, or the
    change_language intent with a language entity."""
    text = (message.get("text") or "").strip()
    payload = CHANGE_LANGUAGE_PAYLOAD_RE.fullmatch(text)
    if payload:
        try:
            chosen = json.loads(payload.group(1)).get("language")
        except (ValueError, AttributeError):
            chosen = None
        if language_code(chosen):
            return language_code(chosen)
    if (message.get("intent") or {}).get("name") != "change_language":
        return None
    for entity in message.get("entities") or []:
        if entity.get("entity") == "language" and language_code(entity.get("value")):
            return language_code(entity.get("value"))
    return None


# What the bot's last message offered, from its first button (the bot's main next step):
# a yes takes it, a no declines it (stories/check.yml).
OFFERS = {"/start_check": "check", "/human_handoff": "handoff", "/choose_topic": "topic"}


def offer_of(events: Iterable[dict[str, Any]]) -> str | None:
    """The offer on the table when the person wrote their latest message, or None."""
    seen_user = False
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None  # the bot said nothing in between
            seen_user = True
        elif kind == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or ()
            payload = str(buttons[0].get("payload") or "") if buttons else ""
            return OFFERS.get(payload.split("{", 1)[0])
    return None


SHORT_REPLY_WORDS = 3


def is_short_reply(text: str) -> bool:
    """ "c'est bon", "ja klopt", "oui for sure": a yes or a no of a few words. People answer
    in a word of another language without switching (payloads are not detected on either)."""
    return (
        "?" not in text
        and answers.word_count(text) <= SHORT_REPLY_WORDS
        and answers.parse_yes_no_unknown(text) is not None
    )


def default_language() -> str:
    return environment().default_language.value


class ValidatePasserelleSlotMappings(ValidationAction):
    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = tracker.latest_message or {}
        text = answers.clean_text(message.get("text") or "")
        current = tracker.get_slot("language")
        language = choose_language(
            "" if text.lstrip().startswith("/") or (current and is_short_reply(text)) else text,
            explicit=explicit_language(message),
            current=current,
            telegram_code=(message.get("metadata") or {}).get("language_code"),
            default=default_language(),
        )
        slots = {"language": language, **content_slots(language)}
        return {name: value for name, value in slots.items() if tracker.get_slot(name) != value}

    async def extract_offer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        offer = offer_of(tracker.events)
        return {} if offer == tracker.get_slot("offer") else {"offer": offer}

    async def extract_campaign(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        campaign = ((tracker.latest_message or {}).get("metadata") or {}).get("campaign")
        if isinstance(campaign, str) and campaign and campaign != tracker.get_slot("campaign"):
            return {"campaign": campaign}
        return {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await super().run(dispatcher, tracker, domain_or_cached(domain))

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # None of these slots needs a validate_ step; the parent would log a warning for
        # every slot without one (all content slots) on every message.
        changed = tracker.slots_to_validate()
        language = changed.get("language") or tracker.get_slot("language") or default_language()
        funnel.record_new_steps(tracker, language)
        # Written in the background: a stalled leads database must not hold the reply.
        offer = offer_of(tracker.events)
        store.in_background(
            tracker.sender_id, "review items", lambda: review.note_user_message(tracker, language)
        )
        store.in_background(
            tracker.sender_id, "nudges", lambda: nudges.follow_now(tracker, language, offer)
        )
        return [SlotSet(name, value) for name, value in changed.items()]
