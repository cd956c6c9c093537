"""Checks of values that come from outside the lead store (the dialogue, staff, the spool)."""

from __future__ import annotations

from typing import Any

from leads.models import (
    CAMPUSES,
    COMMITMENTS,
    CONTACT_KINDS,
    EXPERIENCES,
    LANGUAGES,
    REGISTERED,
    SITUATIONS,
    STATUSES,
)
from leads.rows import LeadInput


class InvalidValue(ValueError):
    pass


def validate_lead_input(data: LeadInput) -> None:
    require(bool(data.sender_id) and len(data.sender_id) <= 128, "sender_id", data.sender_id)
    for name, allowed in (
        ("campus", CAMPUSES),
        ("situation", SITUATIONS),
        ("registered", REGISTERED),
        ("experience", EXPERIENCES),
        ("commitment", COMMITMENTS),
        ("contact_kind", CONTACT_KINDS),
    ):
        value = getattr(data, name)
        require(value is None or value in allowed, name, value)
    require(data.status in STATUSES, "status", data.status)
    require(data.language in LANGUAGES, "language", data.language)
    require(data.age is None or 0 <= data.age <= 150, "age", data.age)
    require(data.first_name is None or len(data.first_name) <= 100, "first_name", "too long")
    require(data.contact is None or len(data.contact) <= 320, "contact", "too long")


def validate_handoff(payload: dict[str, Any]) -> None:
    sender_id = payload["sender_id"]
    require(bool(sender_id) and len(sender_id) <= 128, "sender_id", sender_id)
    require(payload["language"] in LANGUAGES, "language", payload["language"])
    kind = payload["contact_kind"]
    require(kind is None or kind in CONTACT_KINDS, "contact_kind", kind)
    contact = payload["contact"]
    require(contact is None or len(contact) <= 320, "contact", "too long")
    name = payload["first_name"]
    require(name is None or len(name) <= 100, "first_name", "too long")


def require(ok: bool, name: str, value: object) -> None:
    if not ok:
        raise InvalidValue(f"invalid {name}: {value!r}")


def clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None
