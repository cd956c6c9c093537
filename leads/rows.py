"""The lead store's types in and out: plain dataclasses, built by keyword only (no positional
construction), no session leaks out.

One row type per table: `LeadRow` (leads), `NoteRow` (notes), `StatusChangeRow`
(status_changes), `CampaignRow` (campaigns), `StaffRow` (staff_users), `ApiTokenRow`
(api_tokens), `AuditRow` (audit_log). `LeadDetail` is a lead with its notes and history;
`LeadInput` is what the dialogue hands over (the lead's answer columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from leads.models import utcnow


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
class SaveResult:
    saved: bool  # in the database now
    spooled: bool = False  # database unreachable: kept on disk, saved when it is back
    lead_id: int | None = None
    created: bool = False


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
class Page[T]:
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True, kw_only=True)
class LeadRow:
    """Every column of a lead, plus the e-mails of the staff its ids point at."""

    id: int
    sender_id: str
    telegram_user_id: int | None
    first_name: str | None
    age: int | None
    campus: str | None
    situation: str | None
    registered: str | None
    experience: str | None
    motivation: str | None
    commitment: str | None
    contact_kind: str | None
    contact: str | None
    consent: bool
    score: int
    score_breakdown: dict[str, Any]
    qualified: bool
    status: str
    handoff_requested: bool
    handoff_at: datetime | None
    language: str
    campaign: str | None
    assigned_to: int | None
    assigned_to_email: str | None
    last_changed_by: int | None
    last_changed_by_email: str | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, kw_only=True)
class NoteRow:
    id: int
    author_id: int | None
    author_email: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class StatusChangeRow:
    from_status: str | None
    to_status: str
    changed_by: int | None  # None: the bot
    changed_by_email: str | None
    at: datetime


@dataclass(frozen=True, kw_only=True)
class LeadDetail(LeadRow):
    """A lead with its notes and its status history, oldest first."""

    notes: list[NoteRow]
    history: list[StatusChangeRow]


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
class StaffRow:
    id: int
    email: str
    role: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    session_generation: int = 0
    password_hash: str = field(repr=False, default="")

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())


@dataclass(frozen=True, kw_only=True)
class ApiTokenRow:
    id: int
    staff_user_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    expires_at: datetime | None = None
    scope: str = "read_write"

    @property
    def read_only(self) -> bool:
        return self.scope == "read_only"

    def is_usable(self, now: datetime | None = None) -> bool:
        """Not revoked and not expired."""
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True, kw_only=True)
class ApiAccess:
    """Who an API request acts for, and with which token."""

    staff: StaffRow
    token: ApiTokenRow


@dataclass(frozen=True, kw_only=True)
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
