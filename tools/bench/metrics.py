"""Figures of a run: per-step latency and throughput, CPU and memory per process, leads."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field

import psutil

from tools.bench.load import Step
from tools.bench.person import Person, Turn

P95_TARGET_MS = 300.0
BENCH_PROCESS = "bench (fake Telegram + people)"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class StepFigures:
    step: Step
    sent: int
    answered_in_window: int
    latencies_ms: list[float]
    errors: Counter[str]
    leads_expected: int = 0
    leads_found: int = 0

    @property
    def offered(self) -> float:
        return self.sent / self.step.seconds

    @property
    def sustained(self) -> float:
        return self.answered_in_window / self.step.seconds

    def p(self, q: float) -> float | None:
        return percentile(self.latencies_ms, q)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def meets_target(self) -> bool:
        p95 = self.p(95)
        return p95 is not None and p95 <= P95_TARGET_MS


def step_figures(steps: list[Step], people: list[Person], found: set[str]) -> list[StepFigures]:
    turns = _turns(people)
    figures = []
    for step in steps:
        inside = [t for t in turns if step.start <= t.sent_at < step.end]
        answered = [
            t
            for t in turns
            if t.error is None
            and t.last_reply_at is not None
            and step.start <= t.last_reply_at < step.end
        ]
        figures.append(
            StepFigures(
                step=step,
                sent=len(inside),
                answered_in_window=len(answered),
                latencies_ms=[t.latency * 1000 for t in inside if t.latency is not None],
                errors=Counter(t.error for t in inside if t.error),
            )
        )
    for person in people:
        if person.outcome != "qualified":
            continue
        at = person.turns[-1].sent_at
        for figure in figures:
            if (
                figure.step.start <= at < figure.step.end
                or figure is figures[-1]
                and at >= figure.step.end
            ):
                figure.leads_expected += 1
                figure.leads_found += person.sender_id in found
                break
    return figures


def error_samples(people: list[Person], per_kind: int = 3) -> list[str]:
    """A few failed conversations of each kind, with what went wrong."""
    shown: Counter[str] = Counter()
    samples = []
    for person in people:
        if person.outcome.startswith("error") and shown[person.outcome] < per_kind:
            shown[person.outcome] += 1
            samples.append(f"{person.sender_id} {person.outcome}: {person.problem[:400]}")
    return samples


def latency_by_kind(
    people: list[Person], start: float, end: float
) -> dict[str, tuple[int, float | None, float | None]]:
    """kind of message → (count, p50 ms, p95 ms) for the turns sent in the window."""
    by_kind: dict[str, list[float]] = {}
    for turn in _turns(people):
        if start <= turn.sent_at < end and turn.latency is not None:
            by_kind.setdefault(turn.kind, []).append(turn.latency * 1000)
    return {
        kind: (len(values), percentile(values, 50), percentile(values, 95))
        for kind, values in sorted(by_kind.items())
    }


def _turns(people: list[Person]) -> list[Turn]:
    return [turn for person in people for turn in person.turns]


# --- processes ---------------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    name: str
    cpu: float  # percent of one core, summed over the process and its children
    rss: int  # bytes, summed likewise


@dataclass
class ProcessSampler:
    """Samples CPU% and RSS of named process trees every `every` seconds."""

    pids: dict[str, int]
    every: float = 1.0
    samples: list[Sample] = field(default_factory=list)
    _known: dict[int, psutil.Process] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.pids = {**self.pids, BENCH_PROCESS: os.getpid()}
        self._sample(record=False)  # the first cpu_percent() of a process is meaningless
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            self._sample(record=True)

    def _sample(self, record: bool) -> None:
        now = time.time()
        for name, pid in self.pids.items():
            cpu, rss = 0.0, 0
            for process in self._tree(pid):
                try:
                    cpu += process.cpu_percent(None)
                    rss += process.memory_info().rss
                except psutil.Error:
                    continue
            if record:
                self.samples.append(Sample(now, name, cpu, rss))
        if record:
            self.samples.append(Sample(now, "machine (all cores)", psutil.cpu_percent(None), 0))
        else:
            psutil.cpu_percent(None)

    def _tree(self, pid: int) -> list[psutil.Process]:
        try:
            root = self._known.setdefault(pid, psutil.Process(pid))
            # the processes under test are the bench's children: not part of its own figure
            children = [] if pid == os.getpid() else root.children(recursive=True)
        except psutil.Error:
            return []
        tree = [root]
        for child in children:
            tree.append(self._known.setdefault(child.pid, child))
        return tree

    def during(self, start: float, end: float) -> dict[str, tuple[float, float]]:
        """name → (mean CPU %, peak RSS MiB) over the window."""
        by_name: dict[str, list[Sample]] = {}
        for sample in self.samples:
            if start <= sample.at < end:
                by_name.setdefault(sample.name, []).append(sample)
        return {
            name: (sum(s.cpu for s in samples) / len(samples), max(s.rss for s in samples) / 2**20)
            for name, samples in by_name.items()
        }
