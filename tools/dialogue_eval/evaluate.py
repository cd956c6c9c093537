"""Plays a set of personas against a running stack and reports per kind and per language."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tools.dialogue_eval.driver import Bot, Conversation, play
from tools.dialogue_eval.judge import Verdict, judge, lead_row
from tools.dialogue_eval.personas import Persona

WORKERS = 3


@dataclass(frozen=True)
class Outcome:
    conversation: Conversation
    verdict: Verdict

    @property
    def persona(self) -> Persona:
        return self.conversation.persona


def evaluate(
    personas: Iterable[Persona], bot: Bot, database_url: str, workers: int = WORKERS
) -> list[Outcome]:
    run = uuid.uuid4().hex[:8]

    def one(persona: Persona) -> Outcome:
        conversation = play(persona, bot, f"persona-{run}-{persona.id}")
        return Outcome(
            conversation, judge(conversation, lead_row(database_url, conversation.sender_id))
        )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, personas))


def _rate(outcomes: list[Outcome]) -> str:
    correct = sum(o.verdict.correct for o in outcomes)
    return f"{correct}/{len(outcomes)} ({correct / len(outcomes):.0%})" if outcomes else "-"


def report(
    outcomes: list[Outcome], out: Callable[[str], None] = print, transcripts: bool = True
) -> None:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    by_language: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_language[outcome.persona.language].append(outcome)
        for kind in outcome.persona.kinds or ("(none)",):
            by_kind[kind].append(outcome)
    out("per kind:")
    for kind in sorted(by_kind):
        out(f"  {kind:20} {_rate(by_kind[kind])}")
    out("per language:")
    for language in sorted(by_language):
        out(f"  {language:20} {_rate(by_language[language])}")
    failures = [o for o in outcomes if not o.verdict.correct]
    if failures:
        out(f"failed ({len(failures)}):")
    for outcome in failures:
        out(
            f"- {outcome.persona.id} [{', '.join(outcome.persona.kinds)}]: "
            + "; ".join(outcome.verdict.problems)
        )
        if transcripts:
            out(outcome.conversation.transcript())
    out(summary_line(outcomes))


def summary_line(outcomes: list[Outcome]) -> str:
    correct = sum(o.verdict.correct for o in outcomes)
    turns = sum(o.conversation.turns for o in outcomes)
    fallbacks = sum(o.conversation.fallbacks for o in outcomes)
    return f"conversations_correct={correct}/{len(outcomes)} turns={turns} fallbacks={fallbacks}"
