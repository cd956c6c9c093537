"""How long Passerelle keeps what: one period per lead status, one for conversations that
never became a lead. The one setting that both the privacy notice (actions/content.py fills
its `c_retention_*_days` slots) and the purge (`leads.retention`) read.

The periods live in the content file (env PASSERELLE_CONTENT, default content/facts.yml)
under `privacy: retention_days:`. A period missing there takes its default below; a value
that is not a whole number of days > 0, or an unknown key, is an error (never guessed).

A lead is erased, with its conversation, notes and status history, when it has not
changed for the period of its current status; a conversation without a lead is erased
when its last message is older than `conversation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from leads.models import STATUSES
from leads.paths import REPO_ROOT
from passerelle_settings import environment

CONVERSATION = "conversation"
DEFAULT_DAYS: Mapping[str, int] = {
    "new": 180,
    "contacted": 180,
    "invited": 180,
    "enrolled": 365,
    "declined": 30,
    "not_suitable": 30,
    "no_response": 90,
    "nurture": 180,
    CONVERSATION: 30,
}
DEFAULT_CONTENT_PATH = "content/facts.yml"


class RetentionError(ValueError):
    """The retention periods in the content file are not valid."""


@dataclass(frozen=True, kw_only=True)
class RetentionPolicy:
    lead_days: Mapping[str, int]  # per lead status
    conversation_days: int  # a conversation that never became a lead

    def days_for(self, status: str) -> int:
        return self.lead_days[status]


def parse_retention(value: Any, where: str = "privacy.retention_days") -> RetentionPolicy:
    """The policy from the content file's `retention_days` mapping (None: all defaults)."""
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise RetentionError(f"{where}: expected a mapping of status: days")
    unknown = sorted(set(map(str, value)) - set(DEFAULT_DAYS))
    if unknown:
        known = ", ".join(DEFAULT_DAYS)
        raise RetentionError(f"{where}: unknown {', '.join(unknown)} (known: {known})")
    days = {
        key: _days(value.get(key, default), f"{where}.{key}")
        for key, default in DEFAULT_DAYS.items()
    }
    return RetentionPolicy(
        lead_days={status: days[status] for status in STATUSES},
        conversation_days=days[CONVERSATION],
    )


def load_retention(path: Path | None = None) -> RetentionPolicy:
    """The policy of the content file (the defaults when there is no content file)."""
    path = path or content_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return parse_retention(None)
    except OSError as error:
        raise RetentionError(f"{path}: {error}") from error
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise RetentionError(f"{path}: {error}") from error
    privacy = data.get("privacy") if isinstance(data, Mapping) else None
    return parse_retention(privacy.get("retention_days") if isinstance(privacy, Mapping) else None)


def content_path() -> Path:
    """$PASSERELLE_CONTENT (relative paths from the repo root), else content/facts.yml."""
    path = environment().content_path or Path(DEFAULT_CONTENT_PATH)
    return path if path.is_absolute() else REPO_ROOT / path


def _days(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RetentionError(f"{where}: expected a whole number of days (more than 0)")
    return value


DEFAULT_REVIEW_DAYS = 90


def review_retention_days() -> float:
    """How long a masked message the bot did not understand stays in the review inbox:
    env REVIEW_RETENTION_DAYS, else 90 days (the purge and the privacy notice both read it)."""
    days = environment().review_retention_days
    return days if days and days > 0 else DEFAULT_REVIEW_DAYS
