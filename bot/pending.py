"""Messages Rasa could not take yet, kept per chat in arrival order and retried when it is back.

Every incoming message is first put in its chat's line here, then the line is worked off.
When Rasa (or the action server) is down, the line simply stays put: the next message of
that chat, or the retry loop once a probe says Rasa answers again, works it off in order.
Kept in memory: a bot restart while Rasa is down loses what was held (bounded per chat).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from bot.ordering import ChatTurns
from leads.log_privacy import pseudonym

log = logging.getLogger(__name__)


@dataclass
class Inbound:
    """One message for Rasa, as the person sent it (already trimmed and sanitised)."""

    chat_id: int | str
    text: str
    metadata: dict[str, Any]
    language_code: str | None = None
    received_at: float = field(default_factory=time.monotonic)

    @property
    def sender_id(self) -> str:
        return f"tg-{self.chat_id}"


@dataclass
class _Line:
    messages: deque[Inbound] = field(default_factory=deque)
    told_at: float | None = None  # when the person last heard "we're having a hiccup"


class HeldMessages:
    def __init__(self, max_per_chat: int = 20) -> None:
        self._lines: OrderedDict[int | str, _Line] = OrderedDict()
        self.max_per_chat = max_per_chat

    def add(self, message: Inbound) -> None:
        line = self._lines.setdefault(message.chat_id, _Line())
        if len(line.messages) >= self.max_per_chat:
            dropped = line.messages.popleft()
            log.warning(
                "chat %s: holding too many messages, dropped the oldest (%d chars)",
                pseudonym(dropped.chat_id),
                len(dropped.text),
            )
        line.messages.append(message)

    def first(self, chat_id: int | str) -> Inbound | None:
        line = self._lines.get(chat_id)
        return line.messages[0] if line and line.messages else None

    def done(self, chat_id: int | str) -> None:
        """The first message of the chat got through; a chat with nothing left is dropped."""
        line = self._lines.get(chat_id)
        if line is None:
            return
        if line.messages:
            line.messages.popleft()
        if not line.messages:
            del self._lines[chat_id]

    def should_tell(self, chat_id: int | str, every: float = 60.0) -> bool:
        """True once per outage (and again after `every` seconds) for this chat."""
        line = self._lines.get(chat_id)
        now = time.monotonic()
        if line is None or (line.told_at is not None and now - line.told_at < every):
            return False
        line.told_at = now
        return True

    def chats(self) -> list[int | str]:
        return list(self._lines)

    def forget(self, chat_id: int | str) -> None:
        self._lines.pop(chat_id, None)

    def __len__(self) -> int:
        return sum(len(line.messages) for line in self._lines.values())


class RetryLoop:
    """While messages are held, probe with growing pauses; once up, work off every line."""

    def __init__(
        self,
        held: HeldMessages,
        turns: ChatTurns,
        probe: Callable[[], Awaitable[bool]],
        work_off: Callable[[int | str], Awaitable[None]],
        max_delay: float = 10.0,
    ) -> None:
        self.held, self.turns, self.probe, self.work_off = held, turns, probe, work_off
        self.max_delay = max_delay
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="passerelle-retry")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            delay = 0.5
            while self.held.chats():
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)
                try:
                    if not await self.probe():
                        continue
                    chats = self.held.chats()
                    log.info("Rasa answers again: retrying held messages of %d chats", len(chats))
                    await asyncio.gather(
                        *(self.turns.run(chat, self.work_off(chat)) for chat in chats),
                        return_exceptions=True,
                    )
                except Exception:  # the loop must survive anything one retry does
                    log.exception("retrying held messages failed")
