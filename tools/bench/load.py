"""The ramp: offered load in steps of incoming messages per second, each bounded in time.

Within a step a pacer hands out one "you may send" per 1/rate seconds. It goes to the person
who has waited longest since their think time ended; when nobody is ready, a new person opens
the deep link. So the offered load follows the target even when the bot slows down (more
people are then in a conversation at once), the way a crowd at a LAN party does not wait for
the bot. After the last step nobody new arrives; the people still talking finish their
conversation at their own pace (the drain), then leave.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import deque
from dataclasses import dataclass, field

from passerelle_settings import LANGUAGES
from tools.bench.fake import BenchTelegram
from tools.bench.person import Leave, Person
from tools.bench.recognizer import Recognizer

FIRST_CHAT_ID = 810_000_000


@dataclass
class Step:
    rate: float
    start: float = 0.0  # time.time()
    end: float = 0.0
    people_at_end: int = 0
    not_offered: int = 0  # sends the pacer wanted but no person could make (max_people)

    @property
    def seconds(self) -> float:
        return max(self.end - self.start, 1e-9)


@dataclass
class LoadOptions:
    rates: list[float]
    step_seconds: float = 40.0
    drain_seconds: float = 75.0
    think_scale: float = 1.0
    reply_timeout: float = 30.0
    max_people: int = 3000
    warmup_people: int = 3
    seed: int = 20261127


@dataclass
class Load:
    telegram: BenchTelegram
    recognizer: Recognizer
    campaigns: list[str]
    options: LoadOptions
    people: list[Person] = field(default_factory=list)
    warmup: list[Person] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    _ready: deque[asyncio.Future[None]] = field(default_factory=deque)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _free: bool = True
    _closed: bool = False

    def __post_init__(self) -> None:
        self._rng = random.Random(self.options.seed)
        self._chat_ids = itertools.count(FIRST_CHAT_ID + self._rng.randrange(10**6) * 100)
        self._languages = itertools.cycle(LANGUAGES)

    # --- the Gate the people wait on ------------------------------------------------------

    async def turn(self) -> None:
        if self._closed:
            raise Leave
        if self._free:
            return
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ready.append(ready)
        await ready

    # --- phases ---------------------------------------------------------------------------

    async def warm_up(self) -> None:
        """A few quick conversations first: Rasa's first predictions build its graphs."""
        self._free = True
        people = [self._new_person(think_scale=0.05) for _ in range(self.options.warmup_people)]
        self.warmup.extend(people)
        await asyncio.gather(*(person.run() for person in people))

    async def run_steps(self) -> None:
        self._free, self._closed = False, False
        for rate in self.options.rates:
            step = Step(rate=rate, start=time.time())
            self.steps.append(step)
            await self._pace(step)
            step.end = time.time()
            step.people_at_end = sum(1 for task in self._tasks if not task.done())

    async def drain(self) -> float:
        """Let the people still talking finish; returns how long that took."""
        started = time.monotonic()
        self._free = True
        while self._ready:
            self._grant(self._ready.popleft())
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.options.drain_seconds)
        self._closed = True
        while self._ready:
            waiting = self._ready.popleft()
            if not waiting.done():
                waiting.set_exception(Leave())
        if self._tasks:  # people in the middle of a turn still get their reply (or time out)
            await asyncio.wait(set(self._tasks), timeout=self.options.reply_timeout + 5)
        for task in self._tasks:
            task.cancel()
        return time.monotonic() - started

    # --- internals ------------------------------------------------------------------------

    async def _pace(self, step: Step) -> None:
        interval = 1.0 / step.rate
        deadline = time.monotonic() + self.options.step_seconds
        next_at = time.monotonic()
        while next_at < deadline:
            if not self._release_one():
                step.not_offered += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    def _release_one(self) -> bool:
        while self._ready:
            waiting = self._ready.popleft()
            if not waiting.done():
                self._grant(waiting)
                return True
        active = sum(1 for task in self._tasks if not task.done())
        if active >= self.options.max_people:
            return False
        person = self._new_person(think_scale=self.options.think_scale)
        self.people.append(person)
        task = asyncio.create_task(person.run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    @staticmethod
    def _grant(waiting: asyncio.Future[None]) -> None:
        if not waiting.done():
            waiting.set_result(None)

    def _new_person(self, think_scale: float) -> Person:
        number = len(self.people) + len(self.warmup)
        return Person(
            number=number,
            chat_id=next(self._chat_ids),
            language=next(self._languages),
            campaign=self._rng.choice(self.campaigns),
            telegram=self.telegram,
            recognizer=self.recognizer,
            gate=self,
            rng=random.Random(self._rng.random()),
            think_scale=think_scale,
            reply_timeout=self.options.reply_timeout,
        )
