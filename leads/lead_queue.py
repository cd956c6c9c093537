"""The staff's side of the leads: the queue, filters, a lead's detail, and changes to it.

Every change carries the version the staff member saw; a stale version raises `StaleLead`
instead of overwriting someone else's change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from leads import lead_events  # noqa: F401 - its hooks send the CRM webhooks of lead changes
from leads.audit import record, staff_actor
from leads.db import session_scope
from leads.models import STATUSES, Lead, Note, StaffUser, StatusChange, utcnow
from leads.rows import LeadDetail, LeadFilters, LeadRow, NoteRow, Page, StatusChangeRow
from leads.timerange import range_end, range_start
from leads.validation import InvalidValue, require

MAX_PER_PAGE = 500
# LeadRow's fields that are the lead's own columns (the others are looked up).
LEAD_COLUMNS = tuple(
    f.name for f in dataclasses.fields(LeadRow) if f.name in Lead.__table__.columns
)


class LeadNotFound(LookupError):
    pass


class StaleLead(Exception):
    """Someone else changed the lead since the caller loaded it."""

    def __init__(self, changed_by_email: str | None, current_version: int) -> None:
        who = changed_by_email or "the bot"
        super().__init__(f"lead changed meanwhile by {who} (now version {current_version})")
        self.changed_by_email = changed_by_email
        self.current_version = current_version


def list_leads(
    filters: LeadFilters | None = None, page: int = 1, per_page: int = 50
) -> Page[LeadRow]:
    """The queue: handoff requests first (oldest first), then `new` leads by score (then
    oldest first), then everything else, most recently changed first."""
    filters = filters or LeadFilters()
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    group = case((Lead.handoff_requested.is_(True), 0), (Lead.status == "new", 1), else_=2)
    query = filtered(select(Lead), filters).order_by(
        group,
        case((group == 0, Lead.handoff_at)).asc(),
        case((group == 1, Lead.score)).desc(),
        case((group == 1, Lead.created_at)).asc(),
        case((group == 2, Lead.updated_at)).desc(),
        Lead.id.desc(),
    )
    with session_scope() as session:
        total = session.scalar(filtered(select(func.count(Lead.id)), filters)) or 0
        leads = session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
        rows = lead_rows(session, leads)
    return Page(items=rows, total=total, page=page, per_page=per_page)


def status_counts(filters: LeadFilters | None = None) -> dict[str, int]:
    """Leads per status under `filters`, ignoring the status filter itself (for tabs)."""
    filters = dataclasses.replace(filters or LeadFilters(), status=None)
    query = filtered(select(Lead.status, func.count(Lead.id)), filters).group_by(Lead.status)
    counts = dict.fromkeys(STATUSES, 0)
    with session_scope() as session:
        for status, n in session.execute(query):
            counts[status] = n
    return counts


def get_lead(lead_id: int) -> LeadDetail | None:
    with session_scope() as session:
        lead = session.get(Lead, lead_id)
        return None if lead is None else _lead_detail(session, lead)


def get_lead_by_sender(sender_id: str) -> LeadDetail | None:
    with session_scope() as session:
        lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
        return None if lead is None else _lead_detail(session, lead)


def change_status(
    lead_id: int, new_status: str, *, expected_version: int, actor_id: int | None
) -> LeadDetail:
    require(new_status in STATUSES, "status", new_status)

    def change(session: Session, lead: Lead, now: datetime) -> None:
        if lead.status == new_status:
            return
        session.add(
            StatusChange(
                lead_id=lead.id,
                from_status=lead.status,
                to_status=new_status,
                changed_by=actor_id,
                at=now,
            )
        )
        record(
            session,
            staff_actor(actor_id),
            "status changed",
            f"lead {lead.id}",
            f"{lead.status} → {new_status}",
            at=now,
        )
        lead.status = new_status
        _touch(lead, actor_id, now)

    return _change_lead(lead_id, expected_version, change)


def assign(
    lead_id: int, staff_id: int | None, *, expected_version: int, actor_id: int | None
) -> LeadDetail:
    def change(session: Session, lead: Lead, now: datetime) -> None:
        if lead.assigned_to == staff_id:
            return
        if staff_id is not None and session.get(StaffUser, staff_id) is None:
            raise InvalidValue(f"no staff user {staff_id}")
        lead.assigned_to = staff_id
        _touch(lead, actor_id, now)
        detail = f"to {staff_actor(staff_id)}" if staff_id is not None else "unassigned"
        record(session, staff_actor(actor_id), "assigned", f"lead {lead.id}", detail, at=now)

    return _change_lead(lead_id, expected_version, change)


def clear_handoff(
    lead_id: int, *, expected_version: int | None = None, actor_id: int | None = None
) -> LeadDetail:
    """The handoff request was dealt with: the lead leaves the top of the queue."""

    def change(session: Session, lead: Lead, now: datetime) -> None:
        if not lead.handoff_requested:
            return
        lead.handoff_requested = False
        lead.handoff_at = None
        _touch(lead, actor_id, now)
        record(session, staff_actor(actor_id), "handoff cleared", f"lead {lead.id}", at=now)

    return _change_lead(lead_id, expected_version, change)


def add_note(
    lead_id: int, text: str, actor_id: int | None, expected_version: int | None = None
) -> LeadDetail:
    """Notes only add, so the version is checked only when the caller passes one."""
    text = text.strip()
    require(bool(text), "note", "empty")

    def change(session: Session, lead: Lead, now: datetime) -> None:
        session.add(Note(lead_id=lead.id, author_id=actor_id, text=text, created_at=now))
        record(session, staff_actor(actor_id), "note added", f"lead {lead.id}", at=now)

    return _change_lead(lead_id, expected_version, change)


def _change_lead(
    lead_id: int,
    expected_version: int | None,
    change: Callable[[Session, Lead, datetime], None],
) -> LeadDetail:
    try:
        with session_scope(write=True) as session:
            lead = session.get(Lead, lead_id)
            if lead is None:
                raise LeadNotFound(lead_id)
            if expected_version is not None and lead.version != expected_version:
                raise _stale(session, lead)
            change(session, lead, utcnow())
            session.flush()  # the UPDATE checks the version: a concurrent writer loses here
            return _lead_detail(session, lead)
    except StaleDataError:
        with session_scope() as session:
            lead = session.get(Lead, lead_id)
            if lead is None:
                raise LeadNotFound(lead_id) from None
            raise _stale(session, lead) from None


def _stale(session: Session, lead: Lead) -> StaleLead:
    email = _staff_emails(session, [lead.last_changed_by]).get(lead.last_changed_by)
    return StaleLead(email, lead.version)


def _touch(lead: Lead, actor_id: int | None, now: datetime) -> None:
    lead.last_changed_by = actor_id
    lead.updated_at = now


def filtered(query: Select[Any], filters: LeadFilters) -> Select[Any]:
    if filters.status:
        query = query.where(Lead.status == filters.status)
    if filters.campus:
        query = query.where(Lead.campus == filters.campus)
    if filters.language:
        query = query.where(Lead.language == filters.language)
    if filters.campaign:
        query = query.where(Lead.campaign == filters.campaign)
    if filters.qualified is not None:
        query = query.where(Lead.qualified.is_(filters.qualified))
    if filters.handoff_requested is not None:
        query = query.where(Lead.handoff_requested.is_(filters.handoff_requested))
    start, end = range_start(filters.date_from), range_end(filters.date_to)
    if start is not None:
        query = query.where(Lead.created_at >= start)
    if end is not None:
        query = query.where(Lead.created_at < end)
    if filters.assigned_to is not None:
        query = query.where(Lead.assigned_to == filters.assigned_to)
    if filters.unassigned:
        query = query.where(Lead.assigned_to.is_(None))
    if filters.search and filters.search.strip():
        pattern = f"%{escape_like(filters.search.strip().lower())}%"
        query = query.where(
            or_(
                func.lower(Lead.first_name).like(pattern, escape="\\"),
                func.lower(Lead.contact).like(pattern, escape="\\"),
            )
        )
    return query


def escape_like(text: str) -> str:
    """Make `%`, `_` and `\\` match themselves in a LIKE pattern with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _staff_emails(session: Session, ids: Sequence[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_(wanted)))
    return dict(rows.tuples().all())


def lead_rows(session: Session, leads: Sequence[Lead]) -> list[LeadRow]:
    """The row of each lead, with the e-mails of the staff it points at."""
    emails = _staff_emails(
        session, [i for lead in leads for i in (lead.assigned_to, lead.last_changed_by)]
    )
    return [LeadRow(**_lead_row_fields(lead, emails)) for lead in leads]


def _lead_row_fields(lead: Lead, emails: dict[int | None, str]) -> dict[str, Any]:
    values = {name: getattr(lead, name) for name in LEAD_COLUMNS}
    values["score_breakdown"] = dict(lead.score_breakdown or {})
    values["assigned_to_email"] = emails.get(lead.assigned_to)
    values["last_changed_by_email"] = emails.get(lead.last_changed_by)
    return values


def _lead_detail(session: Session, lead: Lead) -> LeadDetail:
    notes = session.scalars(
        select(Note).where(Note.lead_id == lead.id).order_by(Note.created_at, Note.id)
    ).all()
    history = session.scalars(
        select(StatusChange)
        .where(StatusChange.lead_id == lead.id)
        .order_by(StatusChange.at, StatusChange.id)
    ).all()
    emails = _staff_emails(
        session,
        [lead.assigned_to, lead.last_changed_by]
        + [n.author_id for n in notes]
        + [h.changed_by for h in history],
    )
    return LeadDetail(
        **_lead_row_fields(lead, emails),
        notes=[
            NoteRow(
                id=n.id,
                author_id=n.author_id,
                author_email=emails.get(n.author_id),
                text=n.text,
                created_at=n.created_at,
            )
            for n in notes
        ],
        history=[
            StatusChangeRow(
                from_status=h.from_status,
                to_status=h.to_status,
                changed_by=h.changed_by,
                changed_by_email=emails.get(h.changed_by),
                at=h.at,
            )
            for h in history
        ],
    )
