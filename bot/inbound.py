"""Clean what a person typed before Rasa sees it."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Rasa reads a message starting with "/" as an intent payload ("/affirm", '/inform{...}'):
# typed text loses every leading slash and space, however they are mixed ("/ /affirm").
_LEADING_SLASHES = re.compile(r"^[\s/]+")


def clean_text(raw: str) -> str:
    """Drop control and bidi characters, normalise Unicode, and never let typed text pass
    for a Rasa intent payload ("/affirm", '/choose_topic{...}', "/ /affirm", "/\\n/stop")."""
    text = unicodedata.normalize("NFC", raw)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _LEADING_SLASHES.sub("", text).strip()


def trim(text: str, limit: int) -> tuple[str, bool]:
    """At most `limit` characters, cut at a space when one is near; True if it was cut."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit * 0.8:
        cut = limit
    return text[:cut].rstrip(), True
