"""The funnel's first two steps, read off the conversation (actions/funnel.py)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.funnel import new_steps


def user(intent: str, text: str = "...") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def bot(text: str = "...") -> dict:
    return {"event": "bot", "text": text}


def tracker(events: list[dict]) -> Tracker:
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    return Tracker("tg-1", {}, latest, events, False, None, {}, "action_listen")


def test_the_first_message_starts_the_conversation() -> None:
    assert new_steps(
        tracker([{"event": "action", "name": "action_session_start"}, user("greet")])
    ) == ["started"]


def test_a_first_message_that_is_a_question_is_both_steps() -> None:
    assert new_steps(tracker([user("faq")])) == ["started", "asked_question"]


def test_the_first_question_later_on_counts_once() -> None:
    events = [user("greet"), bot(), user("doubt")]
    assert new_steps(tracker(events)) == ["asked_question"]
    events += [bot(), user("faq")]
    assert new_steps(tracker(events)) == []
    assert new_steps(tracker([user("greet"), bot(), user("choose_topic")])) == ["asked_question"]


def test_other_messages_add_nothing() -> None:
    assert new_steps(tracker([user("greet"), bot(), user("affirm")])) == []
    assert new_steps(tracker([])) == []
