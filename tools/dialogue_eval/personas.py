"""Personas as data (tests/personas/README.md): loading and the few rules of their format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from passerelle_settings import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
PERSONAS_DIR = ROOT / "tests" / "personas"
SETS = ("dev", "dev2", "heldout", "heldout2")


@dataclass(frozen=True)
class Interjection:
    before: str
    say: str


@dataclass(frozen=True)
class Pause:
    before: str
    say: str
    confirm: str | None
    later: tuple[str, ...]


@dataclass(frozen=True)
class Edit:
    say: str
    field: str
    answer: str
    field_say: str | None


@dataclass(frozen=True)
class Expectation:
    lead: bool
    status: str | None = None
    handoff: bool = False
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Persona:
    id: str
    language: str
    kinds: tuple[str, ...]
    opening: tuple[str, ...]
    answers: dict[str, tuple[str, ...]]
    expect: Expectation
    telegram_language: str | None = None
    during: tuple[Interjection, ...] = ()
    pause: Pause | None = None
    edit: Edit | None = None
    after: tuple[str, ...] = ()

    def answer(self, slot: str, attempt: int) -> str | None:
        """The answer to `slot` on this attempt (0-based); the last one once they run out."""
        tries = self.answers.get(slot)
        if not tries:
            return None
        return tries[min(attempt, len(tries) - 1)]


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return (str(value),)


def persona_from(raw: dict[str, Any]) -> Persona:
    stop = raw.get("stop")
    edit = raw.get("edit")
    expect = raw.get("expect") or {}
    return Persona(
        id=str(raw["id"]),
        language=str(raw["language"]),
        kinds=_texts(raw.get("kinds")),
        opening=_texts(raw.get("opening")),
        answers={str(slot): _texts(value) for slot, value in (raw.get("answers") or {}).items()},
        expect=Expectation(
            lead=bool(expect.get("lead")),
            status=expect.get("status"),
            handoff=bool(expect.get("handoff")),
            fields=dict(expect.get("fields") or {}),
        ),
        telegram_language=raw.get("telegram_language"),
        during=tuple(
            Interjection(before=str(d["before"]), say=str(d["say"]))
            for d in raw.get("during") or ()
        ),
        pause=Pause(
            before=str(stop["before"]),
            say=str(stop["say"]),
            confirm=None if stop.get("confirm") is None else str(stop["confirm"]),
            later=_texts(stop.get("later")),
        )
        if stop
        else None,
        edit=Edit(
            say=str(edit["say"]),
            field=str(edit["field"]),
            answer=str(edit["answer"]),
            field_say=None if edit.get("field_say") is None else str(edit["field_say"]),
        )
        if edit
        else None,
        after=_texts(raw.get("after")),
    )


def load_file(path: Path) -> list[Persona]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [persona_from(raw) for raw in data.get("personas") or ()]


def load(set_name: str, languages: tuple[str, ...] = LANGUAGES) -> list[Persona]:
    """The personas of one set (dev, heldout), in file order."""
    personas: list[Persona] = []
    for language in languages:
        for path in sorted((PERSONAS_DIR / set_name).glob(f"{language}*.yml")):
            personas.extend(load_file(path))
    ids = [p.id for p in personas]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"persona ids used twice in {set_name}: {', '.join(duplicates)}")
    return personas
