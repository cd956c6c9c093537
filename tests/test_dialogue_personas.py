"""The development personas (tests/personas/dev/): every conversation ends with exactly the
right lead, or rightly none (issue 11; `make eval-dialogue` prints the same per kind)."""

from __future__ import annotations

import pytest

from passerelle_settings import LANGUAGES
from tools.dialogue_eval.evaluate import evaluate, report
from tools.dialogue_eval.personas import load
from tools.stack import Stack

DEV = load("dev")


def test_the_dev_set_is_big_enough_in_every_language() -> None:
    for language in LANGUAGES:
        assert sum(p.language == language for p in DEV) >= 25, language


def test_every_dev_persona_ends_with_the_right_lead(stack: Stack) -> None:
    outcomes = evaluate(DEV, stack, stack.database_url)
    lines: list[str] = []
    report(outcomes, out=lines.append)
    failed = [o.persona.id for o in outcomes if not o.verdict.correct]
    if failed:
        pytest.fail("\n".join(lines))
