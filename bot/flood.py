"""Per-chat flood limit on incoming messages: a token bucket (burst, then a steady rate).

A refused message is not passed on; the first refusal of a flood gets one "slow down"
notice, the rest are dropped quietly so a flood cannot make the bot flood back. A flood is
over once no message was refused for one refill interval (60 / per_minute seconds): the
tokens that trickle back while it goes on let a message through, but earn no new notice.
Messages are checked as they arrive (bot.ordering), not when their chat's turn comes.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # refused, tell the person once
    DROP = "drop"  # refused, already told


@dataclass
class _Bucket:
    tokens: float
    updated: float
    last_refused: float | None = None  # while set, the person was told to slow down


class FloodGuard:
    def __init__(
        self,
        burst: int = 20,
        per_minute: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_chats: int = 50_000,
    ) -> None:
        self.burst = float(burst)
        self.rate = per_minute / 60.0
        self._calm = 1 / self.rate if self.rate > 0 else float("inf")
        self._clock = clock
        self._buckets: OrderedDict[int | str, _Bucket] = OrderedDict()
        self._max = max_chats

    def check(self, chat_id: int | str) -> Verdict:
        now = self._clock()
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(tokens=self.burst, updated=now)
            if len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(chat_id)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.last_refused is not None and now - bucket.last_refused >= self._calm:
            bucket.last_refused = None  # that flood is over
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict.ALLOW
        told = bucket.last_refused is not None
        bucket.last_refused = now
        return Verdict.DROP if told else Verdict.WARN
