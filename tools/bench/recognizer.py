"""Which domain response a message from the bot is: how a virtual person reads its replies.

Every text variation of every response in domain/*.yml becomes a pattern: the visible text
(Markdown links and emphasis as Telegram shows them), with each `{slot}` a wildcard. A message
is the response whose pattern matches it with the most literal characters. Identical texts
repeat a lot (same question, same answer), so results are cached per text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.texts import TEXTS

ROOT = Path(__file__).resolve().parents[2]
PREFIX_LENGTH = 8
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_EMPHASIS = re.compile(
    r"\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<![\w/])_(?=\S)|(?<=\S)_(?!\w)"
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Pattern:
    name: str
    language: str | None
    regex: re.Pattern[str]
    literal: int  # characters outside placeholders: the more, the surer the match


def visible(text: str) -> str:
    """What Telegram shows of a template: link labels, no emphasis marks, single spaces."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return _SPACE.sub(" ", text).strip()


def _compile(name: str, language: str | None, template: str) -> Pattern:
    text = visible(template)
    parts = _PLACEHOLDER.split(text)
    regex = ".*?".join(re.escape(part) for part in parts)
    return Pattern(name, language, re.compile(regex, re.DOTALL), sum(len(part) for part in parts))


def _language_of(variation: dict) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return condition.get("value")
    return None


class Recognizer:
    def __init__(self, domain_dir: Path = ROOT / "domain") -> None:
        patterns: list[Pattern] = []
        for path in sorted(domain_dir.glob("*.yml")):
            responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
                "responses"
            ) or {}
            for name, variations in responses.items():
                for variation in variations or []:
                    if isinstance(variation.get("text"), str) and variation["text"].strip():
                        patterns.append(_compile(name, _language_of(variation), variation["text"]))
        for key, by_language in TEXTS.items():  # what the bot says on its own
            for language, template in by_language.items():
                patterns.append(_compile(f"bot:{key}", language, template))
        self._by_prefix: dict[str, list[Pattern]] = {}
        self._open_start: list[Pattern] = []
        for pattern in patterns:
            prefix = pattern.regex.pattern.split(".*?", 1)[0]
            literal_prefix = re.sub(r"\\(.)", r"\1", prefix)
            if len(literal_prefix) >= PREFIX_LENGTH:
                self._by_prefix.setdefault(literal_prefix[:PREFIX_LENGTH], []).append(pattern)
            else:
                self._open_start.append(pattern)
        self._cache: dict[str, tuple[str, str | None] | None] = {}

    def recognize(self, text: str) -> tuple[str, str | None] | None:
        """(response name, language of the variation) or None when nothing matches."""
        text = _SPACE.sub(" ", text).strip()
        if text in self._cache:
            return self._cache[text]
        candidates = self._by_prefix.get(text[:PREFIX_LENGTH], []) + self._open_start
        best: Pattern | None = None
        for pattern in candidates:
            if (best is None or pattern.literal > best.literal) and pattern.regex.fullmatch(text):
                best = pattern
        result = (best.name, best.language) if best else None
        if len(self._cache) < 50_000:
            self._cache[text] = result
        return result

    def name(self, text: str) -> str | None:
        found = self.recognize(text)
        return found[0] if found else None
