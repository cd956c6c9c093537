"""What `make learn` reads and writes: the reviewed NLU files, the real held-out set, and the
split of new labelled messages (tools/learn.py runs the whole thing)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from passerelle_settings import LANGUAGES

HELDOUT_EVERY = 5


@dataclass(frozen=True)
class Project:
    """Where the data, models and held-out sets are (the repository, or a test's copy)."""

    root: Path

    @property
    def nlu(self) -> Path:
        return self.root / "nlu"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def real_heldout(self) -> Path:
        return self.root / "tests" / "data" / "nlu_real_heldout.jsonl"

    def heldout_files(self) -> list[Path]:
        files = sorted((self.root / "tests" / "data").glob("nlu_heldout*.jsonl"))
        if self.real_heldout.exists() and self.real_heldout.stat().st_size:
            files.append(self.real_heldout)
        return files

    def reviewed_file(self, language: str) -> Path:
        return self.nlu / f"reviewed_{language}.yml"


def key(text: str) -> str:
    """How two examples are the same example: case and spacing do not count."""
    return " ".join(text.lower().split())


def clean(text: str) -> str:
    # one line, and never Rasa's entity markup ("[phone](x)" would read as an entity)
    return " ".join(text.split()).replace("](", "] (").replace("]{", "] {")


# --- reading what is there ---------------------------------------------------------------------


def read_nlu_examples(path: Path) -> list[tuple[str, str]]:
    """(label, text) of a Rasa NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        label = block.get("intent")
        if not label:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                found.append((label, line[2:].strip()))
    return found


def read_jsonl(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@dataclass
class Plan:
    """What learning would write: training examples per language, held-out additions."""

    train: dict[str, dict[str, tuple[str, str]]]  # lang -> key -> (label, text)
    new_heldout: list[dict[str, str]]
    new_train: dict[str, int]
    skipped: dict[str, int] = field(default_factory=dict)  # why some were not taken

    def changed(self) -> bool:
        return bool(self.new_heldout) or any(self.new_train.values())


def plan(project: Project, examples: list[Any], labels: frozenset[str]) -> Plan:
    """Split the new labelled examples; keep everything learnt before."""
    train: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for lang in LANGUAGES:
        if project.reviewed_file(lang).exists():
            for label, text in read_nlu_examples(project.reviewed_file(lang)):
                train[lang][key(text)] = (label, text)
    real = read_jsonl(project.real_heldout)
    heldout_keys = {
        (c["lang"], key(c["text"])) for path in project.heldout_files() for c in read_jsonl(path)
    }
    written = {
        key(text)
        for path in project.nlu.glob("*.yml")
        if not path.name.startswith("reviewed_")
        for _l, text in read_nlu_examples(path)
    }
    known = sum(len(v) for v in train.values()) + len(real)
    heldout_count = len(real)
    new_heldout: list[dict[str, str]] = []
    new_train: dict[str, int] = defaultdict(int)
    skipped: dict[str, int] = defaultdict(int)
    for example in examples:
        text, lang = clean(example.text), example.language
        k = key(text)
        reason = _skip_reason(example.label, lang, k, labels, written, train, heldout_keys)
        if reason:
            skipped[reason] += 1
            continue
        known += 1
        if (heldout_count + 1) * HELDOUT_EVERY <= known:
            heldout_count += 1
            new_heldout.append({"text": text, "label": example.label, "lang": lang})
            heldout_keys.add((lang, k))
        else:
            train[lang][k] = (example.label, text)
            new_train[lang] += 1
    return Plan(dict(train), new_heldout, dict(new_train), dict(skipped))


def _skip_reason(
    label: str,
    lang: str,
    text_key: str,
    labels: frozenset[str],
    written: set[str],
    train: dict[str, dict[str, tuple[str, str]]],
    heldout_keys: set[tuple[str, str]],
) -> str | None:
    if lang not in LANGUAGES or label not in labels or not text_key:
        return "not a known language or label"
    if text_key in written:
        return "already in the training data"
    if text_key in train[lang] or (lang, text_key) in heldout_keys:
        return "learnt before or in a test set"
    return None


def write_reviewed(folder: Path, train: dict[str, dict[str, tuple[str, str]]]) -> list[Path]:
    """nlu/reviewed_<lang>.yml in Rasa's format, one block per label, sorted."""
    written = []
    for lang, examples in sorted(train.items()):
        if not examples:
            continue
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, text in examples.values():
            by_label[label].append(text)
        lines = [
            'version: "3.1"',
            "",
            "# Messages of real conversations, labelled by staff in",
            "# the review inbox (masked). Written by `make learn`: do not edit by hand.",
            "nlu:",
        ]
        for label in sorted(by_label):
            lines += [f"- intent: {label}", "  examples: |"]
            lines += [f"    - {text}" for text in sorted(by_label[label])]
        path = folder / f"reviewed_{lang}.yml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written
