"""GDPR erase: the lead, its notes and history go; the audit keeps only "lead N erased"."""

from __future__ import annotations

from sqlalchemy import func, select

from leads import spool
from leads.audit import list_audit
from leads.db import session_scope
from leads.lead_queue import add_note, change_status, get_lead, get_lead_by_sender
from leads.lead_store import erase_lead, erase_lead_by_id, save_lead
from leads.models import Lead, Note, StatusChange
from leads.staff import create_staff_user
from tests.leads.helpers import lead_input


def rows(model, lead_id: int) -> int:
    with session_scope() as session:
        column = model.id if model is Lead else model.lead_id
        return session.scalar(select(func.count()).select_from(model).where(column == lead_id))


def test_erase_removes_lead_notes_and_history(db_url):
    staff = create_staff_user("coach@school.be", "hash")
    lead = get_lead(save_lead(lead_input(sender_id="tg-42")).lead_id)
    add_note(lead.id, "Amina prefers to be called after 17:00", staff.id)
    change_status(lead.id, "contacted", expected_version=lead.version, actor_id=staff.id)
    other = save_lead(lead_input(sender_id="tg-43", first_name="Other")).lead_id

    assert erase_lead("tg-42") is True

    assert get_lead(lead.id) is None
    assert (rows(Lead, lead.id), rows(Note, lead.id), rows(StatusChange, lead.id)) == (0, 0, 0)
    assert [a.message for a in list_audit(target=f"lead {lead.id}")] == [f"lead {lead.id} erased"]
    assert get_lead(other) is not None
    assert rows(StatusChange, other) == 1
    assert erase_lead("tg-42") is False  # nothing left to erase


def test_staff_erase_by_id(db_url):
    lead_id = save_lead(lead_input(sender_id="tg-9")).lead_id
    assert erase_lead_by_id(lead_id, actor="staff:1") is True
    assert get_lead_by_sender("tg-9") is None
    audit = list_audit(target=f"lead {lead_id}")
    assert [(a.actor, a.message) for a in audit] == [("staff:1", f"lead {lead_id} erased")]
    assert erase_lead_by_id(lead_id, actor="staff:1") is False


def test_erase_also_drops_what_waits_in_the_spool(db_url):
    spool.append("save_lead", {"sender_id": "tg-7", "first_name": "Spooled"})
    spool.append("save_lead", {"sender_id": "tg-8", "first_name": "Someone else"})
    assert erase_lead("tg-7") is True
    assert [e.payload["sender_id"] for e in spool.pending_entries()] == ["tg-8"]
