"""Per-chat pacing of outgoing messages (Telegram allows about one per second per chat).

PTB's AIORateLimiter paces the whole bot and group chats, not private chats, so a reply of
several messages is spread out here. Each chat waits only for its own previous message;
other chats are never slowed down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class ChatPacer:
    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._next_free: dict[int | str, float] = {}

    def reserve(self, chat_id: int | str) -> float:
        """Book this chat's next send slot; returns how long to wait for it."""
        now = self._clock()
        at = max(now, self._next_free.get(chat_id, 0.0))
        self._next_free[chat_id] = at + self.interval
        if len(self._next_free) > 10_000:
            self._forget_idle(now)
        return at - now

    async def wait_turn(self, chat_id: int | str) -> None:
        delay = self.reserve(chat_id)
        if delay > 0:
            await asyncio.sleep(delay)

    def _forget_idle(self, now: float) -> None:
        for chat_id in [c for c, at in self._next_free.items() if at <= now]:
            del self._next_free[chat_id]
