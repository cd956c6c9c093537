"""Per-chat order with concurrency across chats.

`ChatTurns.run(chat, work)` runs `work` after every earlier work for the same chat has
finished; different chats run side by side. The update processor puts each Telegram update
in its chat's line; the retry of held-back messages uses the same lines, so nothing
overtakes anything within a chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import BaseUpdateProcessor

T = TypeVar("T")


class ChatTurns:
    def __init__(self) -> None:
        self._tails: dict[Any, asyncio.Future[None]] = {}

    async def run(self, chat_key: Any, work: Awaitable[T]) -> T:
        # Booking the turn happens before the first await, so turns follow call order.
        previous = self._tails.get(chat_key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[chat_key] = mine
        started = False
        try:
            if previous is not None:
                await asyncio.shield(previous)
            started = True
            return await work
        finally:
            if not started and asyncio.iscoroutine(work):
                work.close()  # cancelled while waiting: never run, and no warning about it
            mine.set_result(None)
            if self._tails.get(chat_key) is mine:
                del self._tails[chat_key]

    @property
    def busy_chats(self) -> int:
        return len(self._tails)

    def is_busy(self, chat_key: Any) -> bool:
        """Something is running or waiting in this chat's line."""
        return chat_key in self._tails


def chat_key(update: object) -> Any:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """PTB update processor: concurrent across chats, in order within a chat.

    `max_concurrent_updates` only bounds updates PTB hands over at once; it is large so
    PTB's own semaphore never reorders updates (waiting in a chat's line is cheap).
    """

    def __init__(
        self,
        turns: ChatTurns,
        max_concurrent_updates: int = 4096,
        on_arrival: Callable[[object], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.turns = turns
        self.on_arrival = on_arrival

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.on_arrival is not None:  # now, in arrival order: not when the turn comes
            self.on_arrival(update)
        key = chat_key(update)
        if key is None:
            await coroutine
        else:
            await self.turns.run(key, coroutine)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
