"""The lead store's public API. Plain dataclasses in and out; no session ever leaks out.

Dialogue side (action server): `save_lead`, `request_handoff`, `erase_lead`,
`record_funnel_event`. They never raise because the database is down: writes go to the
outage spool (`leads.spool`) and reach the database when it is back.

Staff side (dashboard, API): leads (`list_leads`, `get_lead`, `change_status`, ...),
campaigns, staff users, API tokens, audit, funnel report. Changes to a lead carry the
version the staff member saw; a stale version raises `StaleLead` instead of overwriting.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from leads import spool
from leads.db import is_outage, session_scope
from leads.funnel import FunnelRow, build_report, conversation_hash
from leads.models import (
    CAMPAIGN_KINDS,
    CAMPUSES,
    COMMITMENTS,
    CONTACT_KINDS,
    EXPERIENCES,
    FUNNEL_KINDS,
    LANGUAGES,
    REGISTERED,
    ROLES,
    SITUATIONS,
    STATUSES,
    ApiToken,
    AuditEntry,
    Campaign,
    FunnelEvent,
    Lead,
    Note,
    StaffUser,
    StatusChange,
    utcnow,
)
from leads.timerange import range_end, range_start

log = logging.getLogger(__name__)


# Statuses the dialogue sets itself; once staff moved a lead on, re-doing the check
# updates the answers but leaves the staff's status alone.
DIALOGUE_STATUSES = ("new", "nurture")
CAMPAIGN_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# No 0/o, 1/l/i: codes are read off posters and typed by hand.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
TOKEN_PREFIX = "psl_"  # noqa: S105 -- a public prefix, not a secret
MAX_PER_PAGE = 500


# --- errors -------------------------------------------------------------------------------


class LeadNotFound(LookupError):
    pass


class StaleLead(Exception):
    """Someone else changed the lead since the caller loaded it."""

    def __init__(self, changed_by_email: str | None, current_version: int) -> None:
        who = changed_by_email or "the bot"
        super().__init__(f"lead changed meanwhile by {who} (now version {current_version})")
        self.changed_by_email = changed_by_email
        self.current_version = current_version


class InvalidValue(ValueError):
    pass


class DuplicateCampaign(ValueError):
    pass


class DuplicateStaff(ValueError):
    pass


# --- dataclasses in and out ---------------------------------------------------------------


@dataclass
class LeadInput:
    """What the dialogue knows about a person at the end of the check."""

    sender_id: str
    first_name: str | None = None
    age: int | None = None
    campus: str | None = None
    situation: str | None = None
    registered: str | None = None
    experience: str | None = None
    motivation: str | None = None
    commitment: str | None = None
    contact_kind: str | None = None
    contact: str | None = None
    consent: bool = False
    score: int = 0
    score_breakdown: dict[str, Any] = field(default_factory=dict)
    qualified: bool = False
    status: str = "new"
    language: str = "nl"
    campaign: str | None = None
    telegram_user_id: int | None = None


@dataclass(frozen=True)
class SaveResult:
    saved: bool  # in the database now
    spooled: bool = False  # database unreachable: kept on disk, saved when it is back
    lead_id: int | None = None
    created: bool = False


@dataclass(frozen=True)
class LeadFilters:
    status: str | None = None
    campus: str | None = None
    language: str | None = None
    campaign: str | None = None
    qualified: bool | None = None
    date_from: date | datetime | None = None  # on created_at; a date is a whole UTC day
    date_to: date | datetime | None = None
    search: str | None = None  # first name or contact, case-insensitive substring
    assigned_to: int | None = None
    unassigned: bool = False
    handoff_requested: bool | None = None


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class LeadRow:
    id: int
    sender_id: str
    first_name: str | None
    age: int | None
    campus: str | None
    situation: str | None
    contact_kind: str | None
    contact: str | None
    score: int
    qualified: bool
    status: str
    language: str
    campaign: str | None
    handoff_requested: bool
    handoff_at: datetime | None
    assigned_to: int | None
    assigned_to_email: str | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class NoteRow:
    id: int
    author_id: int | None
    author_email: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class StatusChangeRow:
    from_status: str | None
    to_status: str
    changed_by: int | None  # None: the bot
    changed_by_email: str | None
    at: datetime


@dataclass(frozen=True)
class LeadDetail(LeadRow):
    telegram_user_id: int | None
    registered: str | None
    experience: str | None
    motivation: str | None
    commitment: str | None
    consent: bool
    score_breakdown: dict[str, Any]
    last_changed_by: int | None
    last_changed_by_email: str | None
    notes: list[NoteRow]
    history: list[StatusChangeRow]


@dataclass(frozen=True)
class CampaignRow:
    id: int
    code: str
    name: str
    kind: str
    location: str
    notes: str
    active: bool
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class StaffRow:
    id: int
    email: str
    role: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    password_hash: str = field(repr=False, default="")

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())


@dataclass(frozen=True)
class ApiTokenRow:
    id: int
    staff_user_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str

    @property
    def message(self) -> str:
        """E.g. "lead 12 erased (retention)"."""
        text = f"{self.target} {self.action}".strip()
        return f"{text} ({self.detail})" if self.detail else text


# --- dialogue side: save, handoff, erase, funnel ------------------------------------------


def save_lead(data: LeadInput) -> SaveResult:
    """Create or update the lead of `data.sender_id` (a re-delivered update never duplicates).

    Without consent nothing personal is stored: returns `SaveResult(saved=False)`.
    Database unreachable → spooled durably, `SaveResult(saved=False, spooled=True)`.
    Raises `InvalidValue` for values outside the fixed lists (a bug in the caller).
    """
    _validate_lead_input(data)
    if not data.consent:
        return SaveResult(saved=False)
    payload = dataclasses.asdict(data)
    return _write_or_spool("save_lead", payload, lambda: _upsert_lead(data, utcnow()))


def request_handoff(
    sender_id: str,
    *,
    language: str,
    campaign: str | None,
    contact_kind: str | None = None,
    contact: str | None = None,
    first_name: str | None = None,
    telegram_user_id: int | None = None,
    consent: bool = True,
) -> SaveResult:
    """Flag (creating if needed) the lead as wanting a person; spooled on outage."""
    payload = {
        "sender_id": sender_id,
        "language": language,
        "campaign": campaign,
        "contact_kind": contact_kind,
        "contact": contact,
        "first_name": first_name,
        "telegram_user_id": telegram_user_id,
        "consent": consent,
    }
    _validate_handoff(payload)
    if not consent:
        return SaveResult(saved=False)
    return _write_or_spool("request_handoff", payload, lambda: _flag_handoff(payload, utcnow()))


def erase_lead(sender_id: str, actor: str = "user") -> bool:
    """GDPR erase: the lead, its notes and status history; the audit keeps "lead N erased".

    Also drops anything of this person still waiting in the outage spool. If the database
    is unreachable, the erase itself is spooled (it runs after any pending save) and True
    is returned. Returns False when there was nothing to erase.
    """
    with spool.replay_lock(timeout_s=10.0):
        discarded = spool.discard_sender(sender_id)
        try:
            with session_scope(write=True) as session:
                lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
                if lead is None:
                    return discarded > 0
                _erase(session, lead, actor)
                return True
        except Exception as error:
            if not is_outage(error):
                raise
            spool.append("erase_lead", {"sender_id": sender_id, "actor": actor})
            return True


def erase_lead_by_id(lead_id: int, actor: str) -> bool:
    """Staff-side GDPR erase (raises if the database is unreachable)."""
    with spool.replay_lock(timeout_s=10.0), session_scope(write=True) as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            return False
        spool.discard_sender(lead.sender_id)
        _erase(session, lead, actor)
        return True


def erase_nurture_leads(updated_before: datetime) -> int:
    """Retention: erase `nurture` leads untouched since `updated_before` (audit "lead N
    erased (retention)"). A pending handoff request is never purged. Returns how many."""
    with spool.replay_lock(timeout_s=30.0), session_scope(write=True) as session:
        stale = session.scalars(
            select(Lead).where(
                Lead.status == "nurture",
                Lead.updated_at < updated_before,
                Lead.handoff_requested.is_(False),
            )
        ).all()
        for lead in stale:
            _erase(session, lead, "retention", "retention")
        return len(stale)


def record_funnel_event(
    kind: str, *, sender_id: str, language: str | None = None, campaign: str | None = None
) -> None:
    """Count one funnel step of one conversation, anonymously, once. Never raises."""
    try:
        if kind not in FUNNEL_KINDS:
            log.warning("unknown funnel event kind %r ignored", kind)
            return
        values = {
            "kind": kind,
            "conversation": conversation_hash(sender_id),
            "language": _clip(language, 8),
            "campaign": _clip(campaign, 200),
            "at": utcnow(),
        }
        with session_scope(write=True) as session:
            insert = _insert_for(session)
            statement = insert(FunnelEvent).values(**values)
            session.execute(statement.on_conflict_do_nothing())
    except Exception:
        log.exception("funnel event %r not recorded", kind)


def apply_spooled(entry: spool.SpoolEntry) -> object:
    """Replay one spool entry (used by `spool.flush`); raises on outage like any write."""
    at = entry.at_datetime
    if entry.op == "save_lead":
        known = {f.name for f in dataclasses.fields(LeadInput)}
        data = LeadInput(**{k: v for k, v in entry.payload.items() if k in known})
        _validate_lead_input(data)
        return _upsert_lead(data, at)
    if entry.op == "request_handoff":
        return _flag_handoff(entry.payload, at)
    if entry.op == "erase_lead":
        with session_scope(write=True) as session:
            sender_id = entry.payload["sender_id"]
            lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
            if lead is not None:
                _erase(session, lead, entry.payload.get("actor", "user"))
        return None
    raise ValueError(f"unknown spool operation {entry.op!r}")


def _write_or_spool(
    op: str, payload: dict[str, Any], write: Callable[[], SaveResult]
) -> SaveResult:
    spool.ensure_background_flusher()
    if spool.has_pending():
        # Older spooled writes go first, so a later answer is never overwritten by an
        # earlier one replayed afterwards.
        flushed = spool.flush(lock_timeout_s=2.0)
        if flushed.outage or flushed.busy or flushed.remaining:
            spool.append(op, payload)
            return SaveResult(saved=False, spooled=True)
    try:
        return write()
    except Exception as error:
        if not is_outage(error):
            raise
        log.warning("database unreachable (%s): spooling %s", type(error).__name__, op)
        spool.append(op, payload)
        return SaveResult(saved=False, spooled=True)


def _upsert_lead(data: LeadInput, now: datetime) -> SaveResult:
    for attempt in range(2):
        try:
            with session_scope(write=True) as session:
                return _upsert_lead_in(session, data, now)
        except IntegrityError:
            # Two processes created the same sender at once: the second one updates.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _upsert_lead_in(session: Session, data: LeadInput, now: datetime) -> SaveResult:
    lead = session.scalar(select(Lead).where(Lead.sender_id == data.sender_id))
    created = lead is None
    if lead is None:
        lead = Lead(sender_id=data.sender_id, created_at=now, status=data.status)
        session.add(lead)
    previous_status = None if created else lead.status
    for name in (
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
    ):
        setattr(lead, name, getattr(data, name))
    lead.score_breakdown = dict(data.score_breakdown)
    lead.campaign = _clip(data.campaign, 200) or lead.campaign
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
    _audit(session, "bot", "saved", f"lead {lead.id}", at=now)
    return SaveResult(saved=True, lead_id=lead.id, created=created)


def _flag_handoff(payload: dict[str, Any], now: datetime) -> SaveResult:
    for attempt in range(2):
        try:
            with session_scope(write=True) as session:
                return _flag_handoff_in(session, payload, now)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


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
    lead.campaign = lead.campaign or _clip(payload.get("campaign"), 200)
    lead.language = payload["language"]
    lead.consent = True
    lead.updated_at = now
    session.flush()
    if created:
        session.add(StatusChange(lead_id=lead.id, from_status=None, to_status=lead.status, at=now))
    _audit(session, "bot", "handoff requested", f"lead {lead.id}", at=now)
    return SaveResult(saved=True, lead_id=lead.id, created=created)


def _erase(session: Session, lead: Lead, actor: str, reason: str = "") -> None:
    target = f"lead {lead.id}"
    session.execute(delete(Note).where(Note.lead_id == lead.id))
    session.execute(delete(StatusChange).where(StatusChange.lead_id == lead.id))
    session.execute(delete(AuditEntry).where(AuditEntry.target == target))
    session.delete(lead)
    _audit(session, actor, "erased", target, reason)


def _validate_lead_input(data: LeadInput) -> None:
    _require(bool(data.sender_id) and len(data.sender_id) <= 128, "sender_id", data.sender_id)
    for name, allowed in (
        ("campus", CAMPUSES),
        ("situation", SITUATIONS),
        ("registered", REGISTERED),
        ("experience", EXPERIENCES),
        ("commitment", COMMITMENTS),
        ("contact_kind", CONTACT_KINDS),
    ):
        value = getattr(data, name)
        _require(value is None or value in allowed, name, value)
    _require(data.status in STATUSES, "status", data.status)
    _require(data.language in LANGUAGES, "language", data.language)
    _require(data.age is None or 0 <= data.age <= 150, "age", data.age)
    _require(data.first_name is None or len(data.first_name) <= 100, "first_name", "too long")
    _require(data.contact is None or len(data.contact) <= 320, "contact", "too long")


def _validate_handoff(payload: dict[str, Any]) -> None:
    sender_id = payload["sender_id"]
    _require(bool(sender_id) and len(sender_id) <= 128, "sender_id", sender_id)
    _require(payload["language"] in LANGUAGES, "language", payload["language"])
    kind = payload["contact_kind"]
    _require(kind is None or kind in CONTACT_KINDS, "contact_kind", kind)
    contact = payload["contact"]
    _require(contact is None or len(contact) <= 320, "contact", "too long")
    name = payload["first_name"]
    _require(name is None or len(name) <= 100, "first_name", "too long")


def _require(ok: bool, name: str, value: object) -> None:
    if not ok:
        raise InvalidValue(f"invalid {name}: {value!r}")


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _insert_for(session: Session) -> Callable[..., Any]:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


# --- staff side: leads --------------------------------------------------------------------


def list_leads(
    filters: LeadFilters | None = None, page: int = 1, per_page: int = 50
) -> Page[LeadRow]:
    """The queue: handoff requests first (oldest first), then `new` leads by score (then
    oldest first), then everything else, most recently changed first."""
    filters = filters or LeadFilters()
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    group = case((Lead.handoff_requested.is_(True), 0), (Lead.status == "new", 1), else_=2)
    query = _filtered(select(Lead), filters).order_by(
        group,
        case((group == 0, Lead.handoff_at)).asc(),
        case((group == 1, Lead.score)).desc(),
        case((group == 1, Lead.created_at)).asc(),
        case((group == 2, Lead.updated_at)).desc(),
        Lead.id.desc(),
    )
    with session_scope() as session:
        total = session.scalar(_filtered(select(func.count(Lead.id)), filters)) or 0
        leads = session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
        emails = _staff_emails(session, [lead.assigned_to for lead in leads])
        rows = [_lead_row(lead, emails) for lead in leads]
    return Page(items=rows, total=total, page=page, per_page=per_page)


def status_counts(filters: LeadFilters | None = None) -> dict[str, int]:
    """Leads per status under `filters`, ignoring the status filter itself (for tabs)."""
    filters = dataclasses.replace(filters or LeadFilters(), status=None)
    query = _filtered(select(Lead.status, func.count(Lead.id)), filters).group_by(Lead.status)
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
    _require(new_status in STATUSES, "status", new_status)

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
        _audit(
            session,
            _staff_actor(actor_id),
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
        detail = f"to {_staff_actor(staff_id)}" if staff_id is not None else "unassigned"
        _audit(session, _staff_actor(actor_id), "assigned", f"lead {lead.id}", detail, at=now)

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
        _audit(session, _staff_actor(actor_id), "handoff cleared", f"lead {lead.id}", at=now)

    return _change_lead(lead_id, expected_version, change)


def add_note(
    lead_id: int, text: str, actor_id: int | None, expected_version: int | None = None
) -> LeadDetail:
    """Notes only add, so the version is checked only when the caller passes one."""
    text = text.strip()
    _require(bool(text), "note", "empty")

    def change(session: Session, lead: Lead, now: datetime) -> None:
        session.add(Note(lead_id=lead.id, author_id=actor_id, text=text, created_at=now))
        _audit(session, _staff_actor(actor_id), "note added", f"lead {lead.id}", at=now)

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


def _staff_actor(staff_id: int | None) -> str:
    return "bot" if staff_id is None else f"staff:{staff_id}"


def _filtered(query: Select[Any], filters: LeadFilters) -> Select[Any]:
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


def _lead_row(lead: Lead, emails: dict[int | None, str]) -> LeadRow:
    return LeadRow(**_lead_row_fields(lead, emails))


def _lead_row_fields(lead: Lead, emails: dict[int | None, str]) -> dict[str, Any]:
    names = [f.name for f in dataclasses.fields(LeadRow) if f.name != "assigned_to_email"]
    values = {name: getattr(lead, name) for name in names}
    values["assigned_to_email"] = emails.get(lead.assigned_to)
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
        telegram_user_id=lead.telegram_user_id,
        registered=lead.registered,
        experience=lead.experience,
        motivation=lead.motivation,
        commitment=lead.commitment,
        consent=lead.consent,
        score_breakdown=dict(lead.score_breakdown or {}),
        last_changed_by=lead.last_changed_by,
        last_changed_by_email=emails.get(lead.last_changed_by),
        notes=[
            NoteRow(n.id, n.author_id, emails.get(n.author_id), n.text, n.created_at) for n in notes
        ],
        history=[
            StatusChangeRow(
                h.from_status, h.to_status, h.changed_by, emails.get(h.changed_by), h.at
            )
            for h in history
        ],
    )


# --- campaigns ----------------------------------------------------------------------------


def generate_campaign_code(name: str, location: str = "") -> str:
    """Readable but not guessable: `gent-lan-7f3k` (slug + 4 random no-lookalike chars)."""
    slug = "-".join(part for part in (_slug(location), _slug(name)) if part)[:40].strip("-")
    suffix = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
    return f"{slug}-{suffix}" if slug else f"c-{suffix}"


def create_campaign(
    name: str,
    kind: str = "poster",
    location: str = "",
    notes: str = "",
    *,
    code: str | None = None,
    created_by: int | None = None,
    active: bool = True,
) -> CampaignRow:
    """A new campaign; without `code` a fresh one is generated. Raises DuplicateCampaign."""
    name = name.strip()
    _require(bool(name) and len(name) <= 200, "name", name)
    _require(kind in CAMPAIGN_KINDS, "kind", kind)
    _require(code is None or bool(CAMPAIGN_CODE_RE.match(code)), "code", code)
    for _attempt in range(5):
        candidate = code or generate_campaign_code(name, location)
        try:
            with session_scope(write=True) as session:
                campaign = Campaign(
                    code=candidate,
                    name=name,
                    kind=kind,
                    location=location.strip()[:200],
                    notes=notes,
                    active=active,
                    created_by=created_by,
                    created_at=utcnow(),
                )
                session.add(campaign)
                session.flush()
                _audit(
                    session,
                    _staff_actor(created_by),
                    "created",
                    f"campaign {campaign.id}",
                    candidate,
                )
                return _campaign_row(campaign)
        except IntegrityError:
            if code is not None:
                raise DuplicateCampaign(code) from None
    raise DuplicateCampaign("could not generate a unique code")


def update_campaign(
    campaign_id: int,
    *,
    name: str | None = None,
    kind: str | None = None,
    location: str | None = None,
    notes: str | None = None,
    active: bool | None = None,
    actor_id: int | None = None,
) -> CampaignRow:
    """Change what may change; the code never does (it is printed on posters)."""
    _require(kind is None or kind in CAMPAIGN_KINDS, "kind", kind)
    _require(name is None or 0 < len(name.strip()) <= 200, "name", name)
    with session_scope(write=True) as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise LookupError(f"no campaign {campaign_id}")
        if name is not None:
            campaign.name = name.strip()
        if kind is not None:
            campaign.kind = kind
        if location is not None:
            campaign.location = location.strip()[:200]
        if notes is not None:
            campaign.notes = notes
        if active is not None:
            campaign.active = active
        _audit(session, _staff_actor(actor_id), "updated", f"campaign {campaign.id}")
        return _campaign_row(campaign)


def list_campaigns(include_inactive: bool = True) -> list[CampaignRow]:
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if not include_inactive:
        query = query.where(Campaign.active.is_(True))
    with session_scope() as session:
        return [_campaign_row(c) for c in session.scalars(query)]


def get_campaign(campaign_id: int) -> CampaignRow | None:
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id)
        return None if campaign is None else _campaign_row(campaign)


def get_campaign_by_code(code: str) -> CampaignRow | None:
    with session_scope() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.code == code))
        return None if campaign is None else _campaign_row(campaign)


def _campaign_row(c: Campaign) -> CampaignRow:
    return CampaignRow(
        c.id, c.code, c.name, c.kind, c.location, c.notes, c.active, c.created_by, c.created_at
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:24].strip("-")


# --- staff users and API tokens -----------------------------------------------------------


def create_staff_user(email: str, password_hash: str, role: str = "staff") -> StaffRow:
    email = normalize_email(email)
    _require("@" in email and len(email) <= 320, "email", email)
    _require(role in ROLES, "role", role)
    try:
        with session_scope(write=True) as session:
            staff = StaffUser(
                email=email, password_hash=password_hash, role=role, created_at=utcnow()
            )
            session.add(staff)
            session.flush()
            _audit(session, "admin", "created", f"staff {staff.id}", role)
            return _staff_row(staff)
    except IntegrityError:
        raise DuplicateStaff(email) from None


def get_staff_by_email(email: str) -> StaffRow | None:
    with session_scope() as session:
        staff = session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
        return None if staff is None else _staff_row(staff)


def get_staff(staff_id: int) -> StaffRow | None:
    with session_scope() as session:
        staff = session.get(StaffUser, staff_id)
        return None if staff is None else _staff_row(staff)


def list_staff() -> list[StaffRow]:
    with session_scope() as session:
        return [_staff_row(s) for s in session.scalars(select(StaffUser).order_by(StaffUser.email))]


def set_password_hash(staff_id: int, password_hash: str) -> None:
    with session_scope(write=True) as session:
        staff = _get_staff(session, staff_id)
        staff.password_hash = password_hash
        staff.failed_logins = 0
        staff.locked_until = None
        _audit(session, "admin", "password set", f"staff {staff_id}")


def set_staff_active(staff_id: int, active: bool) -> None:
    with session_scope(write=True) as session:
        _get_staff(session, staff_id).active = active
        _audit(session, "admin", "activated" if active else "deactivated", f"staff {staff_id}")


def set_staff_role(staff_id: int, role: str) -> None:
    _require(role in ROLES, "role", role)
    with session_scope(write=True) as session:
        _get_staff(session, staff_id).role = role
        _audit(session, "admin", "role changed", f"staff {staff_id}", role)


def record_login_failure(
    staff_id: int,
    *,
    max_failures: int = 5,
    lock_for: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> StaffRow:
    """Count a failed login; the `max_failures`-th locks the account for `lock_for`."""
    now = now or utcnow()
    with session_scope(write=True) as session:
        staff = _get_staff(session, staff_id)
        staff.failed_logins += 1
        if staff.failed_logins >= max_failures:
            staff.locked_until = now + lock_for
            staff.failed_logins = 0
            _audit(session, "system", "locked out", f"staff {staff_id}", at=now)
        return _staff_row(staff)


def record_login_success(staff_id: int) -> StaffRow:
    with session_scope(write=True) as session:
        staff = _get_staff(session, staff_id)
        staff.failed_logins = 0
        staff.locked_until = None
        return _staff_row(staff)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_api_token(staff_id: int, name: str) -> tuple[str, ApiTokenRow]:
    """A new token: the plaintext is returned once and only its SHA-256 is stored."""
    name = name.strip()[:100] or "token"
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session_scope(write=True) as session:
        _get_staff(session, staff_id)
        token = ApiToken(
            staff_user_id=staff_id,
            name=name,
            token_hash=_token_hash(plaintext),
            created_at=utcnow(),
        )
        session.add(token)
        session.flush()
        _audit(session, _staff_actor(staff_id), "created", f"api token {token.id}")
        return plaintext, _token_row(token)


def verify_api_token(plaintext: str) -> StaffRow | None:
    """The active staff user owning this unrevoked token, or None."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    with session_scope(write=True) as session:
        row = session.execute(
            select(ApiToken, StaffUser)
            .join(StaffUser, StaffUser.id == ApiToken.staff_user_id)
            .where(ApiToken.token_hash == _token_hash(plaintext), ApiToken.revoked_at.is_(None))
        ).first()
        if row is None or not row.StaffUser.active:
            return None
        token, staff = row.ApiToken, row.StaffUser
        now = utcnow()
        # One write a minute at most, not one per API call.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            token.last_used_at = now
        return _staff_row(staff)


def revoke_api_token(token_id: int, actor_id: int | None = None) -> bool:
    with session_scope(write=True) as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.revoked_at is not None:
            return False
        token.revoked_at = utcnow()
        _audit(session, _staff_actor(actor_id), "revoked", f"api token {token_id}")
        return True


def list_api_tokens(staff_id: int | None = None) -> list[ApiTokenRow]:
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if staff_id is not None:
        query = query.where(ApiToken.staff_user_id == staff_id)
    with session_scope() as session:
        return [_token_row(t) for t in session.scalars(query)]


def _token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _get_staff(session: Session, staff_id: int) -> StaffUser:
    staff = session.get(StaffUser, staff_id)
    if staff is None:
        raise LookupError(f"no staff user {staff_id}")
    return staff


def _staff_row(s: StaffUser) -> StaffRow:
    return StaffRow(
        s.id,
        s.email,
        s.role,
        s.active,
        s.failed_logins,
        s.locked_until,
        s.created_at,
        s.password_hash,
    )


def _token_row(t: ApiToken) -> ApiTokenRow:
    return ApiTokenRow(t.id, t.staff_user_id, t.name, t.created_at, t.revoked_at, t.last_used_at)


# --- audit and funnel ---------------------------------------------------------------------


def audit(actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Record who did what to which record. Never pass personal data here."""
    with session_scope(write=True) as session:
        _audit(session, actor, action, target, detail)


def list_audit(limit: int = 200, target: str | None = None) -> list[AuditRow]:
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if target is not None:
        query = query.where(AuditEntry.target == target)
    with session_scope() as session:
        return [
            AuditRow(a.id, a.at, a.actor, a.action, a.target, a.detail)
            for a in session.scalars(query)
        ]


def _audit(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    detail: str = "",
    *,
    at: datetime | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at or utcnow(),
            actor=actor[:200],
            action=action[:100],
            target=target[:200],
            detail=detail,
        )
    )


def funnel_report(
    date_from: date | datetime | None,
    date_to: date | datetime | None,
    campaign: str | None = None,
    language: str | None = None,
) -> list[FunnelRow]:
    """started → asked_question → check_started → check_completed → qualified (anonymous
    events in the range) → contacted → enrolled (leads created in the range whose status
    history reached those statuses). Rows: "all", then per campaign, then per language."""
    with session_scope() as session:
        return build_report(session, date_from, date_to, campaign, language)
