"""Collection for the review inbox (actions/review.py): each of the four triggers, through the
actions that catch them, on a real (SQLite) lead store; masking on the way in; /forget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import review as collect
from actions.check_form import ValidateCheckForm
from actions.fallback import ActionFallback
from actions.lead_actions import ActionForget, ActionSaveLead
from leads.db import dispose_engines, session_scope
from leads.funnel import reset_salt_cache
from leads.migrate import upgrade
from leads.models import ReviewItem, UnderstandingCount

SENDER = "tg-4242"


@pytest.fixture(autouse=True)
def lead_store(tmp_path, monkeypatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PASSERELLE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PASSERELLE_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("PASSERELLE_SPOOL_FLUSHER", "off")
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("FUNNEL_SALT", "test-salt")
    monkeypatch.delenv("REVIEW_CONFIDENCE_THRESHOLD", raising=False)
    reset_salt_cache()
    upgrade(url)
    yield url
    dispose_engines()


def parse(
    text: str,
    intent: str,
    confidence: float,
    ranking: list[tuple[str, float]] = (),
    key: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [],
    }
    if key:
        data["response_selector"] = {key.split("/")[0]: {"response": {"intent_response_key": key}}}
    return data


def user(
    text: str, intent: str = "greet", confidence: float = 0.9, number: int = 1, **kwargs: Any
) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "timestamp": 1_780_000_000 + number,
        "message_id": f"msg-{number}",
        "parse_data": parse(text, intent, confidence, **kwargs),
        "metadata": {},
    }


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def tracker(events: list[dict[str, Any]], **slots: Any) -> Tracker:
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    loop = {"name": "check_form"} if slots.get("requested_slot") else {}
    values = {"language": "fr", "campaign": "poster-liege", **slots}
    return Tracker(SENDER, values, latest, events, False, None, loop, "action_listen")


def items() -> list[ReviewItem]:
    with session_scope() as session:
        return list(session.scalars(select(ReviewItem).order_by(ReviewItem.id)))


def counters() -> dict[str, int]:
    with session_scope() as session:
        return {c.metric: c.count for c in session.scalars(select(UnderstandingCount))}


async def test_a_fallback_is_recorded_with_what_the_bot_did() -> None:
    events = [
        user(
            "wesh c koi le plan",
            "nlu_fallback",
            0.45,
            ranking=[("nlu_fallback", 0.45), ("faq", 0.31)],
            key="faq/what_is",
        )
    ]
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker(events), {})
    assert dispatcher.messages[0]["response"] == "utter_fallback"
    [item] = items()
    assert (item.text, item.triggers, item.bot_action) == (
        "wesh c koi le plan",
        "fallback",
        "utter_fallback",
    )
    assert (item.predicted_label, item.confidence) == ("faq/what_is", 0.31)
    assert (item.language, item.campaign, item.sender_id) == ("fr", "poster-liege", SENDER)


async def test_low_confidence_is_recorded_and_its_outcome_filled_in_next_turn() -> None:
    events = [user("jpeux venir avec mon pote ?", "faq", 0.41, key="faq/requirements")]
    collect.note_user_message(tracker(events), "fr")
    [item] = items()
    assert (item.triggers, item.predicted_label, item.bot_action) == (
        "low_confidence",
        "faq/requirements",
        None,
    )
    events += [action("utter_faq"), action("action_listen"), user("ok merci", "thanks", 0.95, 2)]
    collect.note_user_message(tracker(events), "fr")
    assert [i.bot_action for i in items()] == ["utter_faq"]
    assert counters() == {"messages": 2, "understood": 1}


async def test_confident_messages_and_buttons_are_not_recorded() -> None:
    collect.note_user_message(tracker([user("c'est combien", "faq", 0.92, key="faq/cost")]), "fr")
    collect.note_user_message(tracker([user("/start_check", "start_check", 1.0, 2)]), "fr")
    assert items() == []


async def test_the_threshold_is_configurable(monkeypatch) -> None:
    monkeypatch.setenv("REVIEW_CONFIDENCE_THRESHOLD", "0.95")
    collect.note_user_message(tracker([user("c'est combien", "faq", 0.92, key="faq/cost")]), "fr")
    assert [i.triggers for i in items()] == ["low_confidence"]


async def test_an_answer_the_check_cannot_use_is_recorded_as_a_reask() -> None:
    events = [
        action("check_form"),
        {"event": "active_loop", "name": "check_form"},
        slot("requested_slot", "age"),
        action("action_listen"),
        user("euh ça dépend, appelle moi au 0470 12 34 56", "nlu_fallback", 0.6, 3),
    ]
    form = ValidateCheckForm()
    result = await form.run(CollectingDispatcher(), tracker(events, requested_slot="age"), {})
    assert {"event": "slot", "name": "check_reask", "value": "age", "timestamp": None} in result
    [item] = items()
    assert item.text == "euh ça dépend, appelle moi au [phone]"
    assert (item.triggers, item.requested_slot, item.bot_action) == (
        "reask",
        "age",
        "asked age again",
    )
    # a pending question's answers are the check's business, not the low-confidence trigger's
    collect.note_user_message(tracker(events, requested_slot="age"), "fr")
    assert [i.triggers for i in items()] == ["reask"]
    assert counters() == {"answered:age": 1}


async def test_the_two_messages_before_a_request_for_a_person_are_recorded() -> None:
    events = [
        user("bonjour", "greet", 0.99, 1),
        action("utter_greet"),
        user("c pour mon fils il a 17 ans", "faq", 0.7, 2, key="faq/age"),
        action("utter_faq"),
        user("/choose_topic", "choose_topic", 1.0, 3),
        action("utter_topics"),
        user("mon nom c Yasmine et jsuis perdue", "out_of_scope", 0.8, 4),
        action("action_fallback"),
        user("je veux parler à quelqu'un", "human_handoff", 0.9, 5),
    ]
    collect.note_user_message(tracker(events), "fr")
    found = [(i.text, i.triggers, i.bot_action, i.predicted_label) for i in items()]
    assert found == [
        ("c pour mon fils il a 17 ans", "handoff", "utter_faq", "faq/age"),
        ("mon nom c [name] et jsuis perdue", "handoff", "action_fallback", "out_of_scope"),
    ]


async def test_the_first_name_of_the_check_is_masked_everywhere() -> None:
    events = [user("Salma veut savoir si c gratuit wsh", "nlu_fallback", 0.3)]
    await ActionFallback().run(CollectingDispatcher(), tracker(events, first_name="Salma"), {})
    assert items()[0].text == "[name] veut savoir si c gratuit wsh"


async def test_forget_erases_the_review_items(tmp_path) -> None:
    events = [user("wesh", "nlu_fallback", 0.3)]
    await ActionFallback().run(CollectingDispatcher(), tracker(events), {})
    assert len(items()) == 1
    await ActionForget().run(CollectingDispatcher(), tracker(events), {})
    assert items() == []


def test_turns_read_the_pending_question_and_what_followed() -> None:
    events = [
        user("hey", number=1),
        action("utter_greet"),
        action("check_form"),
        {"event": "active_loop", "name": "check_form"},
        slot("requested_slot", "first_name"),
        action("action_listen"),
        user("Tom", number=2),
        action("check_form"),
        slot("requested_slot", "age"),
        {"event": "session_started"},
        user("yo", number=3),
    ]
    assert [(t.text, t.requested_slot) for t in collect.turns(events)] == [("yo", None)]
    found = collect.turns(events[:-2])
    assert [(t.text, t.requested_slot, t.active_loop, t.bot_actions) for t in found] == [
        ("hey", None, None, ("utter_greet", "check_form")),
        ("Tom", "first_name", "check_form", ("check_form",)),
    ]


async def test_a_refused_consent_sends_the_persons_items_at_the_next_purge() -> None:
    from leads.retention import purge

    events = [user("wesh", "nlu_fallback", 0.3)]
    await ActionFallback().run(CollectingDispatcher(), tracker(events), {})
    refused = tracker(events, consent=False, first_name="Mo", age="20")
    dispatcher = CollectingDispatcher()
    await ActionSaveLead().run(dispatcher, refused, {})
    assert dispatcher.messages[0]["response"] == "utter_check_no_consent"
    assert [i.consent_refused for i in items()] == [True]
    purge()
    assert items() == []
