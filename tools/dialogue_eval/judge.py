"""Did the conversation end with exactly the right lead (or rightly none)?"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from actions.answers import clean_text
from actions.check_form import CHECK_SLOTS
from actions.scoring import score
from leads.db import session_scope
from leads.models import Lead
from tools.dialogue_eval.driver import Conversation

# the lead's answers that personas name (motivation is compared to what was said; consent is
# implied by there being a lead)
CHECK_FIELDS = tuple(slot for slot in CHECK_SLOTS if slot not in ("motivation", "consent"))


@dataclass(frozen=True)
class Verdict:
    correct: bool
    problems: tuple[str, ...]


def lead_row(database_url: str, sender_id: str) -> dict[str, Any] | None:
    with session_scope(database_url) as session:
        lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
        if lead is None:
            return None
        names = (*CHECK_FIELDS, "motivation", "status", "handoff_requested", "language", "consent")
        return {name: getattr(lead, name) for name in names}


def _folded(value: Any) -> str:
    # the words as the person meant them: escape sequences and invisible characters dropped
    text = unicodedata.normalize("NFKD", clean_text(str(value))).casefold()
    return "".join(c for c in text if c.isalnum())


def _same(name: str, expected: Any, actual: Any) -> bool:
    if name == "first_name":
        return _folded(expected) == _folded(actual)
    if isinstance(expected, bool) and name in ("commitment", "registered"):
        expected = "yes" if expected else "no"  # an unquoted yes/no in the YAML
    if name == "age":
        try:
            return int(expected) == int(actual)
        except (TypeError, ValueError):
            return False
    if name == "contact" and isinstance(expected, str) and "@" in expected:
        return expected.lower() == str(actual or "")
    return str(expected) == str(actual)


def expected_status(conversation: Conversation) -> str | None:
    expect = conversation.persona.expect
    if expect.status:
        return expect.status
    if expect.handoff or not all(name in expect.fields for name in CHECK_FIELDS):
        return None
    answers = {**expect.fields, "motivation": conversation.motivation or "", "consent": True}
    for name in ("commitment", "registered"):
        if isinstance(answers.get(name), bool):
            answers[name] = "yes" if answers[name] else "no"
    return score(answers).status


def judge(conversation: Conversation, lead: dict[str, Any] | None) -> Verdict:
    expect = conversation.persona.expect
    problems: list[str] = []
    if conversation.trapped:
        problems.append(f"trapped: '{conversation.trapped}' asked a third time")
    if conversation.missing_answer:
        problems.append(f"persona has no answer for '{conversation.missing_answer}'")
    if not expect.lead:
        if lead is not None:
            problems.append(f"a lead was stored but none was expected (status {lead['status']})")
        return Verdict(not problems, tuple(problems))
    if lead is None:
        problems.append("no lead")
        return Verdict(False, tuple(problems))
    for name, value in expect.fields.items():
        if not _same(name, value, lead.get(name)):
            problems.append(f"{name}: expected {value!r}, got {lead.get(name)!r}")
    if lead["language"] != conversation.persona.language:
        problems.append(
            f"language: expected {conversation.persona.language}, got {lead['language']}"
        )
    if bool(lead["handoff_requested"]) != expect.handoff:
        problems.append(f"handoff_requested: expected {expect.handoff}")
    status = expected_status(conversation)
    if status and lead["status"] != status:
        problems.append(f"status: expected {status}, got {lead['status']}")
    stored = lead.get("motivation")
    said = conversation.motivation
    if (
        said
        and stored is not None
        and not expect.handoff
        and (_folded(said)[:200] != _folded(stored)[:200])
    ):
        problems.append(f"motivation stored as {stored!r}")
    return Verdict(not problems, tuple(problems))
