"""The motivation check's transparent score (PRODUCT.md §5.1), from content/scoring.yml.

    score(answers) -> ScoreResult(score, breakdown, qualified, status)

`answers` holds the check's slots: age, campus, situation, registered, experience, motivation,
commitment, contact, consent (True/False). Pure: reads only the rubric file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.answers import word_count, words
from passerelle_settings import environment

RUBRIC_PATH = Path(__file__).resolve().parent.parent / "content" / "scoring.yml"

# The answers a completed check has (first_name and contact are not scored).
CHECK_ANSWERS = (
    "first_name",
    "age",
    "campus",
    "situation",
    "registered",
    "experience",
    "motivation",
    "commitment",
    "contact",
    "consent",
)

STATUS_NEW = "new"
STATUS_NURTURE = "nurture"
STATUS_NOT_STORED = "not_stored"  # no consent: nothing personal is saved


@dataclass(frozen=True)
class ScoreResult:
    score: int
    breakdown: dict[str, int] = field(default_factory=dict)
    qualified: bool = False
    status: str = STATUS_NURTURE


@lru_cache(maxsize=4)
def load_rubric(path: str | None = None) -> dict[str, Any]:
    """The rubric from PASSERELLE_SCORING or content/scoring.yml (cached)."""
    source = Path(path or environment().scoring_path or RUBRIC_PATH)
    with source.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def score(answers: Mapping[str, Any], rubric: Mapping[str, Any] | None = None) -> ScoreResult:
    """Score a check's answers and decide qualification and the lead status."""
    rules = rubric if rubric is not None else load_rubric()
    breakdown = {
        "commitment": _points(rules["commitment"], answers.get("commitment")),
        "motivation": motivation_points(str(answers.get("motivation") or ""), rules["motivation"]),
        "situation": _points(rules["situation"], answers.get("situation")),
        "registered": _points(rules["registered"], answers.get("registered")),
        "campus": int(rules["campus_in_list"]) if _is_campus(answers.get("campus")) else 0,
        "completed": int(rules["completed_check"]) if _completed(answers) else 0,
    }
    total = min(100, sum(breakdown.values()))
    consent = answers.get("consent") is True
    qualified = (
        _age(answers.get("age")) >= int(rules.get("min_age", 18))
        and consent
        and answers.get("commitment") != "no"
        and total >= int(rules["threshold"])
    )
    if qualified:
        status = STATUS_NEW
    elif consent:
        status = STATUS_NURTURE
    else:
        status = STATUS_NOT_STORED
    return ScoreResult(score=total, breakdown=breakdown, qualified=qualified, status=status)


def motivation_points(text: str, rules: Mapping[str, Any]) -> int:
    """Length band points + points per group of concrete reasons named, capped at `max`."""
    count = word_count(text)
    length = max(
        (int(band["points"]) for band in rules["length_bands"] if count >= band["min_words"]),
        default=0,
    )
    reasons_rules = rules["reasons"]
    tokens = words(text)
    groups = sum(
        1
        for group in reasons_rules["groups"].values()
        if any(_mentions(tokens, stem) for stems in group.values() for stem in stems)
    )
    reasons = min(int(reasons_rules["max"]), groups * int(reasons_rules["points_per_group"]))
    return min(int(rules["max"]), length + reasons)


def _mentions(tokens: list[str], stem: str) -> bool:
    stem = str(stem)
    if len(stem) <= 3:
        return stem in tokens
    return any(token.startswith(stem) for token in tokens)


def _points(table: Mapping[str, Any], value: Any) -> int:
    return int(table.get(str(value), 0)) if value is not None else 0


def _is_campus(value: Any) -> bool:
    return bool(value) and value != "other"


def _completed(answers: Mapping[str, Any]) -> bool:
    return all(answers.get(name) is not None for name in CHECK_ANSWERS)


def _age(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0
