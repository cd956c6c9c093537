"""No personal data in any process's log, at DEBUG.

Real processes: the action server at DEBUG (`rasa_sdk -vv`), Rasa (at its default level),
and the Telegram bot (`python -m bot`, BOT_LOG_LEVEL=DEBUG) polling the fake Telegram. Two
people go through the whole check (one leaves an e-mail, the other a phone number), ask a
question, and one erases everything with /forget; then every log is searched for their chat
ids, names, contacts and motivations.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram, SentMessage
from tools.stack import PY, Stack, trained_model

pytestmark = pytest.mark.timeout(300)

STAFF_CHAT = -100777


@dataclass
class Persona:
    chat_id: int
    first_name: str
    contact: str
    motivation: str

    def secrets_in_logs(self) -> list[str]:
        """What must never be written: the values as typed, and as they are stored."""
        values = [
            str(self.chat_id),
            self.first_name,
            self.contact,
            self.motivation,
            self.motivation[20:60],
        ]
        digits = re.sub(r"\D", "", self.contact)
        if digits:
            values += [digits, digits.lstrip("0"), "32" + digits.lstrip("0")]
        return values


def personas() -> list[Persona]:
    return [
        Persona(
            7_000_000_000 + secrets.randbelow(10**9),
            "Zephyrine",
            "zephyrine.quillfeather@example.org",
            "Ik wil leren programmeren omdat ik spelletjes wil bouwen voor mijn "
            "broertje Wouterke en later echt werk wil vinden",
        ),
        Persona(
            7_000_000_000 + secrets.randbelow(10**9),
            "Barnabé",
            "0470 98 76 54",
            "Je veux apprendre à coder parce que je répare déjà les ordinateurs de "
            "tout mon immeuble à Schaerbeek",
        ),
    ]


@pytest.fixture(scope="module")
def debug_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(
        workdir=tmp_path_factory.mktemp("logs"), model=trained_model(), action_args=["-vv"]
    )
    try:
        stack.configure()
        stack.env.pop("LOG_LEVEL", None)
        stack.env.update({"BOT_LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG"})
        stack.migrate()
        stack.start_actions()
        # Rasa itself stays at its default levels: at DEBUG it prints every message and slot,
        # and its web server's access log every conversation id (Rasa's code, not ours).
        stack.env.pop("LOG_LEVEL_LIBRARIES")
        stack.start_rasa()
    except Exception as error:
        stack.close()
        pytest.fail(f"could not start the stack: {error}\n{stack.logs()}")
    yield stack
    stack.close()


@pytest.fixture
async def telegram_and_bot(debug_stack: Stack) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as telegram:
        telegram.group_chat(STAFF_CHAT, "Admissions")
        debug_stack.env.update(
            {
                "TELEGRAM_BOT_TOKEN": telegram.token,
                "TELEGRAM_API_BASE_URL": telegram.base_url,
                "STAFF_CHAT_ID": str(STAFF_CHAT),
                "DASHBOARD_URL": "http://dash.example",
            }
        )
        bot = debug_stack.spawn("bot", [str(PY), "-m", "bot"])
        try:
            await telegram.wait_for(lambda: telegram.commands, timeout=60)  # the bot is up
            yield telegram
        finally:
            debug_stack.stop("bot")
            assert bot.returncode is not None


class Chat:
    def __init__(self, telegram: FakeTelegram, stack: Stack, persona: Persona) -> None:
        self.telegram, self.stack, self.persona = telegram, stack, persona

    @property
    def messages(self) -> list[SentMessage]:
        return self.telegram.messages_to(self.persona.chat_id)

    async def say(self, text: str) -> list[SentMessage]:
        before = len(self.messages)
        self.telegram.send_text(
            self.persona.chat_id, text, language_code="nl", first_name=self.persona.first_name
        )
        return await self.telegram.next_messages(
            self.persona.chat_id, before, settle=0.8, timeout=60
        )

    async def press(self, payload: str) -> list[SentMessage]:
        message = next(
            m
            for m in reversed(self.messages)
            if any(b["callback_data"] == payload for b in m.buttons)
        )
        before = len(self.messages)
        self.telegram.press_data(message, payload, language_code="nl")
        return await self.telegram.next_messages(
            self.persona.chat_id, before, settle=0.8, timeout=60
        )

    async def answer_the_check(self) -> None:
        typed = {
            "first_name": self.persona.first_name,
            "age": "19",
            "motivation": self.persona.motivation,
            "contact": self.persona.contact,
        }
        for _ in range(30):
            tracker = await asyncio.to_thread(self.stack.tracker, f"tg-{self.persona.chat_id}")
            slot = tracker["slots"].get("requested_slot")
            if not (tracker.get("active_loop") or {}).get("name") or slot is None:
                return
            buttons = self.messages[-1].buttons
            if slot in typed:
                await self.say(typed[slot])
            elif buttons:
                await self.press(buttons[0]["callback_data"])
            else:
                await self.say("ja")
        raise AssertionError("the check did not finish")


async def test_no_personal_data_in_any_log_at_debug(
    debug_stack: Stack, telegram_and_bot: FakeTelegram
) -> None:
    telegram = telegram_and_bot
    people = personas()
    for persona in people:
        chat = Chat(telegram, debug_stack, persona)
        await chat.say("/start")
        await chat.say("Hoeveel kost de opleiding?")
        await chat.press("/start_check")
        await chat.answer_the_check()
        told = await telegram.wait_for(lambda: telegram.messages_to(STAFF_CHAT), timeout=10)
        assert told, "\n".join(m.text for m in chat.messages)
    forget = Chat(telegram, debug_stack, people[0])
    await forget.say("/forget")
    await forget.press("/affirm")

    debug_stack.stop("bot")  # flush and close every log before reading
    logs = {
        path.name: path.read_text(errors="replace")
        for path in Path(debug_stack.workdir).glob("*.log")
    }
    assert set(logs) >= {"actions.log", "rasa.log", "bot.log"}
    assert " DEBUG " in logs["bot.log"] and "DEBUG" in logs["actions.log"]  # really at DEBUG
    leaks = [
        (name, value)
        for person in people
        for value in person.secrets_in_logs()
        for name, text in logs.items()
        if value.casefold() in text.casefold()
    ]
    assert not leaks, leaks
