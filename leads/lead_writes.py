"""The dialogue's writes to a lead, inside one transaction each, with no outage handling.

Shared by the public API (`leads.lead_store`) and the spool replay (`leads.replay`), which
both call these with the time the person acted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leads import lead_events  # noqa: F401 - its hooks send the CRM webhooks of lead changes
from leads.audit import record
from leads.db import session_scope
from leads.models import AuditEntry, Lead, Note, StatusChange
from leads.rows import LeadInput, SaveResult
from leads.validation import clip

# Statuses the dialogue sets itself; once staff moved a lead on, re-doing the check
# updates the answers but leaves the staff's status alone.
DIALOGUE_STATUSES = ("new", "nurture")
# What a re-done check overwrites on the lead.
ANSWER_FIELDS = (
    "first_name",
    "age",
    "campus",
    "situation",
    "registered",
    "experience",
    "motivation",
    "commitment",
    "contact_kind",
    "contact",
    "consent",
    "score",
    "qualified",
    "language",
)


def upsert_lead(data: LeadInput, now: datetime) -> SaveResult:
    for attempt in range(2):
        try:
            with session_scope(write=True) as session:
                return _upsert_lead_in(session, data, now)
        except IntegrityError:
            # Two processes created the same sender at once: the second one updates.
            if attempt:
                raise
    raise AssertionError("unreachable")


def flag_handoff(payload: dict[str, Any], now: datetime) -> SaveResult:
    for attempt in range(2):
        try:
            with session_scope(write=True) as session:
                return _flag_handoff_in(session, payload, now)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def erase_in(session: Session, lead: Lead, actor: str, reason: str = "") -> None:
    """The lead, its notes, status history and audit; the audit keeps "lead N erased"."""
    target = f"lead {lead.id}"
    session.execute(delete(Note).where(Note.lead_id == lead.id))
    session.execute(delete(StatusChange).where(StatusChange.lead_id == lead.id))
    session.execute(delete(AuditEntry).where(AuditEntry.target == target))
    session.delete(lead)
    record(session, actor, "erased", target, reason)


def _upsert_lead_in(session: Session, data: LeadInput, now: datetime) -> SaveResult:
    lead = session.scalar(select(Lead).where(Lead.sender_id == data.sender_id))
    created = lead is None
    if lead is None:
        lead = Lead(sender_id=data.sender_id, created_at=now, status=data.status)
        session.add(lead)
    previous_status = None if created else lead.status
    for name in ANSWER_FIELDS:
        setattr(lead, name, getattr(data, name))
    lead.score_breakdown = dict(data.score_breakdown)
    lead.campaign = clip(data.campaign, 200) or lead.campaign
    lead.telegram_user_id = data.telegram_user_id or lead.telegram_user_id
    if created or lead.status in DIALOGUE_STATUSES:
        lead.status = data.status
    lead.updated_at = now
    session.flush()
    if lead.status != previous_status:
        session.add(
            StatusChange(
                lead_id=lead.id, from_status=previous_status, to_status=lead.status, at=now
            )
        )
    record(session, "bot", "saved", f"lead {lead.id}", at=now)
    return SaveResult(saved=True, lead_id=lead.id, created=created)


def _flag_handoff_in(session: Session, payload: dict[str, Any], now: datetime) -> SaveResult:
    sender_id = payload["sender_id"]
    lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
    created = lead is None
    if lead is None:
        lead = Lead(
            sender_id=sender_id,
            status="new",
            qualified=False,
            created_at=now,
            language=payload["language"],
            consent=True,
        )
        session.add(lead)
    if not lead.handoff_requested:
        lead.handoff_requested = True
        lead.handoff_at = now  # a repeated request keeps its place in the queue
    if payload.get("contact"):
        lead.contact_kind = payload.get("contact_kind")
        lead.contact = payload["contact"]
    if payload.get("first_name") and not lead.first_name:
        lead.first_name = payload["first_name"]
    lead.telegram_user_id = payload.get("telegram_user_id") or lead.telegram_user_id
    lead.campaign = lead.campaign or clip(payload.get("campaign"), 200)
    lead.language = payload["language"]
    lead.consent = True
    lead.updated_at = now
    session.flush()
    if created:
        session.add(StatusChange(lead_id=lead.id, from_status=None, to_status=lead.status, at=now))
    record(session, "bot", "handoff requested", f"lead {lead.id}", at=now)
    return SaveResult(saved=True, lead_id=lead.id, created=created)
