"""One person talking to the real bot through the fake Telegram server (tests only)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.app import PasserelleBot
from tests.fake_telegram import FakeTelegram, SentMessage
from tools.stack import Stack


@dataclass
class TelegramChat:
    bot: PasserelleBot
    telegram: FakeTelegram
    stack: Stack
    chat_id: int
    language: str

    @property
    def sender_id(self) -> str:
        return f"tg-{self.chat_id}"

    @property
    def messages(self) -> list[SentMessage]:
        return self.telegram.messages_to(self.chat_id)

    async def say(self, text: str, timeout: float = 60, quiet: float = 0.0) -> list[SentMessage]:
        """Send one message; the bot's messages in answer (see `settle`)."""
        before = len(self.messages)
        self.telegram.send_text(self.chat_id, text, language_code=self.language)
        return await self.settle(before, timeout, quiet)

    async def press(self, message: SentMessage, button: dict) -> list[SentMessage]:
        before = len(self.messages)
        self.telegram.press_data(message, button["callback_data"], language_code=self.language)
        return await self.settle(before)

    async def settle(
        self, before: int, timeout: float = 60, quiet: float = 0.0
    ) -> list[SentMessage]:
        """At least one message, then the chat's turn is over (and, with `quiet`, nothing
        more arrived for that many seconds: replies held through a fault come later)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.telegram.wait_for_messages(self.chat_id, before + 1, timeout=timeout)
        while True:
            seen = len(self.messages)
            await asyncio.sleep(quiet or 0.05)
            if not self.bot.turns.is_busy(self.chat_id) and (
                not quiet or len(self.messages) == seen
            ):
                return self.messages[before:]
            assert loop.time() < deadline, "the chat never went quiet"

    def last_with_buttons(self) -> SentMessage:
        return next(m for m in reversed(self.messages) if m.buttons)

    async def tracker(self) -> dict:
        return await asyncio.to_thread(self.stack.tracker, self.sender_id)

    async def user_texts(self) -> list[str]:
        events = (await self.tracker())["events"]
        return [e.get("text") for e in events if e.get("event") == "user"]

    def dump(self) -> str:
        return "\n".join(f"< {m.text}" for m in self.messages)
