"""Plays one persona: sends what they type, answers whatever the check asks.

What the bot asks is read from Rasa's tracker (`active_loop`, `requested_slot`), never from its
wording, so a rewrite of the texts changes nothing here. When the bot misunderstands (never starts
the check, drops it), the persona just ends: the missing or wrong lead then says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from tools.dialogue_eval.personas import Persona

FORMS = ("check_form", "handoff_form")
MAX_TURNS = 70
# A question may come back once (the bot did not get the first answer); a third time traps.
MAX_ANSWERS_PER_QUESTION = 2


class Bot(Protocol):
    def send(self, sender_id: str, text: str, metadata: dict | None = None) -> list[dict]: ...

    def tracker(self, sender_id: str) -> dict: ...


@dataclass
class Conversation:
    persona: Persona
    sender_id: str
    lines: list[tuple[str, list[str]]] = field(default_factory=list)
    answered: Counter[str] = field(default_factory=Counter)
    motivation: str | None = None
    trapped: str | None = None
    missing_answer: str | None = None
    fallbacks: int = 0
    final_slots: dict[str, Any] = field(default_factory=dict)

    @property
    def turns(self) -> int:
        return len(self.lines)

    def transcript(self) -> str:
        out = []
        for said, replies in self.lines:
            out.append(f"  > {said}")
            out.extend(f"    < {reply[:160]}" for reply in replies)
        return "\n".join(out)


def _asked(tracker: dict) -> tuple[str | None, str | None]:
    loop = (tracker.get("active_loop") or {}).get("name")
    slot = (tracker.get("slots") or {}).get("requested_slot")
    return (loop if loop in FORMS else None), slot


def _reply_texts(replies: list[dict]) -> list[str]:
    texts = []
    for reply in replies:
        text = str(reply.get("text") or "")
        buttons = [b.get("title", "") for b in reply.get("buttons") or ()]
        texts.append(text.replace("\n", " ") + (f" [{' | '.join(buttons)}]" if buttons else ""))
    return texts


def play(persona: Persona, bot: Bot, sender_id: str) -> Conversation:
    conversation = Conversation(persona=persona, sender_id=sender_id)
    metadata = {"language_code": persona.telegram_language} if persona.telegram_language else {}

    def say(text: str) -> None:
        replies = bot.send(sender_id, text, metadata)
        conversation.lines.append((text, _reply_texts(replies)))

    for text in persona.opening:
        say(text)
    during = list(persona.during)
    after = list(persona.after)
    paused = editing = False
    overrides: dict[str, str] = {}
    allowed_extra: Counter[str] = Counter()

    while conversation.turns < MAX_TURNS:
        loop, slot = _asked(bot.tracker(sender_id))
        if loop is None or slot is None:
            if not after:
                break
            say(after.pop(0))
            continue
        pause = persona.pause
        if pause and not paused and slot == pause.before:
            paused = True
            say(pause.say)
            loop_now, _ = _asked(bot.tracker(sender_id))
            if loop_now is not None and pause.confirm:
                say(pause.confirm)  # the bot asked "pause the questions?"
            for text in pause.later:
                say(text)
            continue
        interjection = next((d for d in during if d.before == slot), None)
        if interjection is not None:
            during.remove(interjection)
            say(interjection.say)
            continue
        if slot == "check_confirmed" and persona.edit and not editing:
            editing = True
            say(persona.edit.say)
            overrides[persona.edit.field] = persona.edit.answer
            if persona.edit.field_say:
                overrides["check_edit_field"] = persona.edit.field_say
            allowed_extra[persona.edit.field] += 1
            continue
        if conversation.answered[slot] >= MAX_ANSWERS_PER_QUESTION + allowed_extra[slot]:
            conversation.trapped = slot
            break
        if slot in overrides and conversation.answered[slot] >= allowed_extra[slot]:
            answer: str | None = overrides[slot]
        else:
            answer = persona.answer(slot, conversation.answered[slot])
        if answer is None:
            conversation.missing_answer = slot
            break
        conversation.answered[slot] += 1
        if slot == "motivation":
            conversation.motivation = answer
        say(answer)

    final = bot.tracker(sender_id)
    conversation.final_slots = dict(final.get("slots") or {})
    conversation.fallbacks = sum(
        1
        for e in final.get("events") or ()
        if e.get("event") == "action" and e.get("name") == "action_fallback"
    )
    return conversation
