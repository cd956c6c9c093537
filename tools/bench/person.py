"""One virtual young person: deep link, a couple of questions, then the motivation check.

The person reads what the bot actually sends (tools/bench/recognizer.py) and answers the
question it finds there, with a think time before every message; it never assumes what comes
next. Each message it sends is a Turn: when it was sent, when the fake Telegram server handed
the update to the bot, when the bot's last reply for it arrived, and what went wrong, if
anything.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from tests.fake_telegram import SentMessage
from tools.bench import phrases
from tools.bench.fake import BenchTelegram
from tools.bench.recognizer import Recognizer

ERROR_TEXTS = {
    "bot:hiccup",
    "bot:slow_down",
    "bot:trimmed",
    "bot:text_only",
    "utter_fallback",
    "utter_fallback_twice",
}
SETTLE = 0.25  # a reply is complete once its chat has been quiet this long
MAX_FORM_TURNS = 25

# Seconds a person takes before each kind of message (uniform in the range).
THINK = {
    "button": (1.0, 3.0),
    "short": (2.0, 4.5),
    "question": (3.0, 7.0),
    "contact": (4.0, 8.0),
    "motivation": (8.0, 15.0),
}


class Leave(Exception):
    """The run is over: the person stops before their next message."""


class Gate(Protocol):
    async def turn(self) -> None:
        """Returns when the load generator lets this person send (raises Leave at the end)."""


@dataclass
class Turn:
    chat_id: int
    kind: str
    text: str
    update_id: int
    sent_at: float
    handed_at: float | None = None
    last_reply_at: float | None = None
    replies: list[str | None] = field(default_factory=list)
    error: str | None = None

    @property
    def latency(self) -> float | None:
        """Bot-side: the update handed to the bot → the last message it sent for it."""
        if self.error or self.handed_at is None or self.last_reply_at is None:
            return None
        return max(0.0, self.last_reply_at - self.handed_at)


class ConversationError(Exception):
    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


@dataclass
class Person:
    number: int
    chat_id: int
    language: str
    campaign: str
    telegram: BenchTelegram
    recognizer: Recognizer
    gate: Gate
    rng: random.Random
    think_scale: float = 1.0
    reply_timeout: float = 30.0
    turns: list[Turn] = field(default_factory=list)
    outcome: str = "running"  # qualified | left | error:<kind>
    problem: str = ""
    _seen: int = 0

    @property
    def sender_id(self) -> str:
        return f"tg-{self.chat_id}"

    async def run(self) -> None:
        try:
            await self._conversation()
            self.outcome = "qualified"
        except Leave:
            self.outcome = "left"
        except ConversationError as error:
            self.outcome = f"error:{error.kind}"
            self.problem = error.detail
            if self.turns and self.turns[-1].error is None:
                self.turns[-1].error = error.kind
        finally:
            self._close_turn()
            self.telegram.forget_chat(self.chat_id)

    # --- the script -----------------------------------------------------------------------

    async def _conversation(self) -> None:
        await self._type(f"/start {self.campaign}", "start", first=True)
        await self._expect(lambda name: name == "utter_greet", "no greeting")
        for number in range(2):
            await self._ask_question(allow_button=number == 0)
        await self._start_check()
        asked_during_check = False
        for _ in range(MAX_FORM_TURNS):
            names = self._names(self._reply())
            if "utter_check_qualified" in names:
                return
            slot = _asked_slot(names)
            if slot is None:
                if await self._more_reply():  # the question may come a while after the rest
                    continue
                raise ConversationError("stuck", f"no question in {names}")
            if (
                not asked_during_check
                and slot not in ("first_name", "check_confirmed")
                and self.rng.random() < 0.15
            ):
                asked_during_check = True
                await self._ask_question(allow_button=False)
                while _asked_slot(self._names(self._reply())) != slot:
                    if not await self._more_reply():
                        raise ConversationError(
                            "stuck",
                            f"{slot} not asked again after a question: "
                            f"{self._names(self._reply())}",
                        )
            await self._answer(slot)
        raise ConversationError("stuck", "the check never ended")

    async def _ask_question(self, allow_button: bool) -> None:
        keyboard = self._last_keyboard()
        topics = [
            b["callback_data"]
            for b in (keyboard.buttons if keyboard else [])
            if str(b.get("callback_data", "")).startswith("/choose_topic{")
        ]
        if allow_button and topics and self.rng.random() < 0.5:
            await self._press(keyboard, self.rng.choice(topics), "topic")  # type: ignore[arg-type]
        else:
            await self._type(self.rng.choice(phrases.QUESTIONS[self.language]), "question")
        await self._expect(
            lambda name: name.startswith(("utter_faq/", "utter_doubt/")), "no answer to a question"
        )

    async def _start_check(self) -> None:
        keyboard = self._last_keyboard()
        can_press = keyboard is not None and any(
            b.get("callback_data") == "/start_check" for b in keyboard.buttons
        )
        if can_press and self.rng.random() < 0.6:
            await self._press(keyboard, "/start_check", "button")  # type: ignore[arg-type]
        else:
            await self._type(phrases.APPLY[self.language], "short")

    async def _answer(self, slot: str) -> None:
        language = self.language
        if slot == "first_name":
            await self._type(self.rng.choice(phrases.FIRST_NAMES), "short")
        elif slot == "age":
            await self._type(phrases.AGE[language].format(age=self.rng.randint(18, 29)), "short")
        elif slot == "motivation":
            await self._type(self.rng.choice(phrases.MOTIVATION[language]), "motivation")
        elif slot == "contact":
            await self._type(self._contact(), "contact")
        elif slot in phrases.CHOICES:
            payload, typed = phrases.CHOICES[slot][language]
            keyboard = self._last_keyboard()
            has_button = keyboard is not None and any(
                b.get("callback_data") == payload for b in keyboard.buttons
            )
            if has_button and self.rng.random() < 0.7:
                await self._press(keyboard, payload, "button")  # type: ignore[arg-type]
            else:
                await self._type(typed, "short")
        else:
            raise ConversationError("stuck", f"no answer for {slot}")

    def _contact(self) -> str:
        if self.rng.random() < 0.5:
            return f"bench.{self.chat_id}@example.org"
        digits = [self.rng.randint(10, 99) for _ in range(3)]
        return f"04{self.rng.randint(70, 99)} {digits[0]} {digits[1]} {digits[2]}"

    # --- sending and reading --------------------------------------------------------------

    async def _type(self, text: str, kind: str, first: bool = False) -> list[SentMessage]:
        await self._before_sending(kind, first)
        update = self.telegram.send_text(self.chat_id, text, language_code=self.language)
        return await self._await_reply(
            Turn(self.chat_id, kind, text, update["update_id"], time.time())
        )

    async def _press(self, keyboard: SentMessage, data: str, kind: str) -> list[SentMessage]:
        await self._before_sending(kind, first=False)
        update = self.telegram.press_data(keyboard, data, language_code=self.language)
        return await self._await_reply(
            Turn(self.chat_id, kind, data, update["update_id"], time.time())
        )

    async def _before_sending(self, kind: str, first: bool) -> None:
        if not first:
            low, high = THINK["button" if kind == "topic" else kind]
            await asyncio.sleep(self.rng.uniform(low, high) * self.think_scale)
            await self.gate.turn()
        self._close_turn()

    async def _await_reply(self, turn: Turn) -> list[SentMessage]:
        self.turns.append(turn)
        self._seen = len(self.telegram.messages_to(self.chat_id))
        if not await self.telegram.wait_for_count(self.chat_id, self._seen + 1, self.reply_timeout):
            turn.error = "timeout"
            turn.handed_at = self.telegram.handed_at.get(turn.update_id)
            raise ConversationError("timeout", f"no reply to {turn.text!r}")
        await self._settle()  # the rest of a reply of several messages
        self._record_checked(turn)
        return self._reply()

    def _record_checked(self, turn: Turn) -> None:
        self._record(turn, self._reply())
        errors = [name for name in turn.replies if name in ERROR_TEXTS]
        if errors:
            turn.error = "error_text"
            raise ConversationError("error_text", f"{errors} after {turn.text!r}")

    def _reply(self) -> list[SentMessage]:
        return self.telegram.messages_to(self.chat_id)[self._seen :]

    def _record(self, turn: Turn, reply: list[SentMessage]) -> None:
        turn.handed_at = self.telegram.handed_at.get(turn.update_id)
        turn.last_reply_at = max((m.at for m in reply), default=None)
        turn.replies = [self.recognizer.name(m.text) if m.text else None for m in reply]

    def _close_turn(self) -> None:
        """Messages that came in during the think time still belong to the previous turn."""
        if self.turns and self.turns[-1].error is None:
            reply = self._reply()
            if reply:
                self._record(self.turns[-1], reply)

    def _names(self, reply: list[SentMessage]) -> list[str | None]:
        return [self.recognizer.name(m.text) if m.text else None for m in reply]

    def _last_keyboard(self) -> SentMessage | None:
        return next((m for m in reversed(self._reply()) if m.buttons), None)

    async def _more_reply(self) -> bool:
        """Wait for one more message of the current reply (a slow bot sends the parts of a
        reply far apart); False when none comes."""
        count = len(self.telegram.messages_to(self.chat_id))
        if not await self.telegram.wait_for_count(self.chat_id, count + 1, self.reply_timeout):
            return False
        await self._settle()
        self._record_checked(self.turns[-1])
        return True

    async def _settle(self) -> None:
        while True:
            count = len(self.telegram.messages_to(self.chat_id))
            await asyncio.sleep(SETTLE)
            if len(self.telegram.messages_to(self.chat_id)) == count:
                return

    async def _expect(self, wanted: Callable[[str], bool], what: str) -> None:
        while not any(name and wanted(name) for name in self._names(self._reply())):
            if not await self._more_reply():
                reply = self._reply()
                raise ConversationError(
                    "unexpected", f"{what}: got {self._names(reply)} {[m.text[:60] for m in reply]}"
                )


def _asked_slot(names: list[str | None]) -> str | None:
    """The slot of the last question in a reply (utter_ask_<slot>), if any."""
    for name in reversed(names):
        if name and name.startswith("utter_ask_"):
            return name.removeprefix("utter_ask_")
    return None
