"""The persona driver and judge on a scripted bot (no Rasa): what the driver answers, when it
calls a conversation trapped, and how a lead is judged."""

from __future__ import annotations

from typing import Any

from tools.dialogue_eval.driver import play
from tools.dialogue_eval.judge import judge
from tools.dialogue_eval.personas import persona_from


class ScriptedBot:
    """Asks `questions` in order; a question whose answer is in `refuse` is asked again."""

    def __init__(self, questions: list[str], refuse: tuple[str, ...] = ()) -> None:
        self.questions = list(questions)
        self.refuse = refuse
        self.heard: list[str] = []

    def send(self, sender_id: str, text: str, metadata: dict | None = None) -> list[dict]:
        self.heard.append(text)
        if self.questions and text not in self.refuse and len(self.heard) > 1:
            self.questions.pop(0)
        return [{"text": "ok"}]

    def tracker(self, sender_id: str) -> dict[str, Any]:
        events = [{"event": "action", "name": "action_fallback"}]
        if not self.questions:
            return {"active_loop": {}, "slots": {"requested_slot": None}, "events": events}
        slot = self.questions[0]
        return {
            "active_loop": {"name": "check_form"},
            "slots": {"requested_slot": slot},
            "events": events,
        }


PERSONA = {
    "id": "t-1",
    "language": "en",
    "kinds": ["offer_yes"],
    "opening": ["hi"],
    "answers": {"first_name": ["sami?", "Sami"], "age": "20"},
    "during": [{"before": "age", "say": "is it free?"}],
    "expect": {"lead": True, "fields": {"first_name": "sami", "age": 20}},
}


def test_the_driver_answers_what_is_asked_with_second_tries_and_questions_in_between() -> None:
    bot = ScriptedBot(["first_name", "age"], refuse=("sami?", "is it free?"))
    conversation = play(persona_from(PERSONA), bot, "s")
    assert bot.heard == ["hi", "sami?", "Sami", "is it free?", "20"]
    assert conversation.trapped is None and conversation.fallbacks == 1


def test_a_third_time_the_same_question_is_a_trap() -> None:
    bot = ScriptedBot(["first_name"], refuse=("sami?", "Sami"))
    conversation = play(persona_from(PERSONA), bot, "s")
    assert conversation.trapped == "first_name"
    assert not judge(conversation, None).correct


def test_the_judge_compares_the_lead_field_by_field() -> None:
    conversation = play(persona_from(PERSONA), ScriptedBot(["first_name", "age"]), "s")
    lead = {
        "first_name": "Sami",
        "age": 20,
        "language": "en",
        "handoff_requested": False,
        "status": "new",
        "motivation": None,
    }
    assert judge(conversation, lead).correct
    wrong = judge(conversation, {**lead, "age": 21, "language": "nl"})
    assert not wrong.correct and len(wrong.problems) == 2
    assert not judge(conversation, None).correct


def test_rightly_no_lead() -> None:
    persona = persona_from({**PERSONA, "expect": {"lead": False}})
    conversation = play(persona, ScriptedBot([]), "s")
    assert judge(conversation, None).correct
    assert not judge(conversation, {"status": "nurture"}).correct
