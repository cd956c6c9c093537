"""The fake Telegram Bot API of the tests, made fit for thousands of chats at once.

tests/fake_telegram.py keeps one list of every message and wakes every waiter on every API
call, which is right for a test with three chats and quadratic for a load test. Here sent
messages are indexed per chat, each chat has its own wake-up event, and the moment each
update is handed to the bot (getUpdates) is recorded: bot-side latency starts there.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from tests.fake_telegram import ApiError, FakeTelegram, SentMessage


class BenchTelegram(FakeTelegram):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.calls = deque(maxlen=2000)  # type: ignore[assignment]  # only the latest matter
        self.handed_at: dict[int, float] = {}
        self._by_chat: dict[int | str, list[SentMessage]] = {}
        self._arrivals: dict[int | str, asyncio.Event] = {}

    def messages_to(self, chat_id: int | str) -> list[SentMessage]:
        return self._by_chat.get(chat_id, [])

    async def wait_for_count(self, chat_id: int | str, count: int, timeout: float) -> bool:
        """True once the chat has at least `count` messages; False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        event = self._arrivals.setdefault(chat_id, asyncio.Event())
        while len(self.messages_to(chat_id)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return len(self.messages_to(chat_id)) >= count
        return True

    def forget_chat(self, chat_id: int | str) -> None:
        """Drop a finished conversation's messages (memory stays flat over a long run)."""
        self._by_chat.pop(chat_id, None)
        self._arrivals.pop(chat_id, None)

    async def _notify(self) -> None:
        """Nobody uses wait_for() here: waking every waiter on every call is the cost we avoid."""

    async def _m_getupdates(self, params: dict) -> list[dict]:
        updates = await super()._m_getupdates(params)
        now = time.time()
        for update in updates:
            self.handed_at.setdefault(update["update_id"], now)
        return updates

    def _store(
        self,
        chat: dict,
        visible: str,
        raw: str,
        parse_mode: str | None,
        markup: dict | None,
        photo: str | None = None,
    ) -> dict:
        message = SentMessage(
            chat_id=chat["id"],
            message_id=next(self._message_ids[chat["id"]]),
            text=visible,
            raw=raw,
            parse_mode=parse_mode,
            reply_markup=markup,
            at=time.time(),
            photo=photo,
        )
        self._by_chat.setdefault(chat["id"], []).append(message)
        event = self._arrivals.get(chat["id"])
        if event is not None:
            event.set()
        return self._message_json(message)

    def _find_sent(self, chat_id: int | str, message_id: Any) -> SentMessage:
        wanted = int(message_id or 0)
        for message in reversed(self.messages_to(chat_id)):
            if message.message_id == wanted:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")
