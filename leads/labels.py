"""The labels staff may give a message: docs/labels.md (the contract), plus the domain's
intents it does not list (privacy, help). Read from the files, never hard-coded twice."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from leads.paths import REPO_ROOT

LABELS_FILE = REPO_ROOT / "docs" / "labels.md"
DOMAIN_CORE = REPO_ROOT / "domain" / "core.yml"
# Not for people's messages: what the classifier says when unsure, buttons, the bare
# retrieval intents (their keys are the labels).
NOT_LABELS = frozenset({"nlu_fallback", "choose_topic", "faq", "doubt"})
EXTRA_MEANINGS = {"privacy": "what happens with my data", "help": "what can you do / help"}
_ROW = re.compile(r"^\|\s*([a-z_]+(?:/[a-z_]+)?)\s*\|\s*([^|]*)\|")


@dataclass(frozen=True)
class Label:
    name: str
    meaning: str

    @property
    def group(self) -> str:
        return self.name.split("/")[0] if "/" in self.name else "intent"


@functools.lru_cache(maxsize=4)
def all_labels(labels_file: Path = LABELS_FILE, domain_file: Path = DOMAIN_CORE) -> list[Label]:
    found: dict[str, str] = {}
    for line in labels_file.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match and match.group(1) not in {"label", "key"} | NOT_LABELS:
            found.setdefault(match.group(1), match.group(2).strip().strip('"'))
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    for intent in domain.get("intents") or []:
        name = intent if isinstance(intent, str) else next(iter(intent))
        if name not in NOT_LABELS:
            found.setdefault(name, EXTRA_MEANINGS.get(name, ""))
    return [Label(name, meaning) for name, meaning in found.items()]


def label_names() -> frozenset[str]:
    return frozenset(label.name for label in all_labels())
