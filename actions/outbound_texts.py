"""Responses of the domain rendered here, for messages the outbox sends later (reminders,
nudges): Rasa is not there when they go out, so the text is fixed when they are queued."""

from __future__ import annotations

from typing import Any

from actions.domain import cached_domain


def render(name: str, language: str, **values: str) -> dict[str, Any]:
    """The variation of response `name` for `language` as an outbox payload:
    {"text": ..., "buttons": [[[title, payload]], ...]} (one button per row)."""
    variations = cached_domain()["responses"][name]
    chosen = next((v for v in variations if _language_of(v) == language), None)
    chosen = chosen or next(v for v in variations if not v.get("condition"))
    payload: dict[str, Any] = {"text": chosen["text"].format(**values), "label": name}
    buttons = chosen.get("buttons") or []
    if buttons:
        payload["buttons"] = [
            [[b["title"], b["payload"].replace("{{", "{").replace("}}", "}")]] for b in buttons
        ]
    return payload


def _language_of(variation: dict[str, Any]) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return condition.get("value")
    return None
