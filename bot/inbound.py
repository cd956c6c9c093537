"""Clean what a person typed before Rasa sees it."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(raw: str) -> str:
    """Drop control and bidi characters, normalise Unicode, and never let typed text pass
    for a Rasa intent payload ("/affirm", '/choose_topic{...}')."""
    text = unicodedata.normalize("NFC", raw)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip().lstrip("/").strip()


def trim(text: str, limit: int) -> tuple[str, bool]:
    """At most `limit` characters, cut at a space when one is near; True if it was cut."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit * 0.8:
        cut = limit
    return text[:cut].rstrip(), True
