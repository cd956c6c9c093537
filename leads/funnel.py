"""Anonymous funnel: one event per step of a conversation (a salted hash, never the sender),
and the per-campaign/per-language report."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from leads.db import session_scope
from leads.models import FUNNEL_KINDS, FunnelEvent, Lead, StatusChange, utcnow
from leads.paths import var_dir
from leads.timerange import range_end, range_start
from leads.validation import clip
from passerelle_settings import environment

log = logging.getLogger(__name__)

EVENT_STEPS = (
    "started",
    "asked_question",
    "check_started",
    "check_completed",
    "qualified",
    "booked",
    "attended",
)
LEAD_STEPS = ("contacted", "enrolled")
FUNNEL_STEPS = EVENT_STEPS + LEAD_STEPS
# A lead "reached" contacted if staff got as far as contacting (or further) at some point.
REACHED = {
    "contacted": ("contacted", "invited", "enrolled"),
    "enrolled": ("enrolled",),
}
NO_CAMPAIGN = "(none)"
LANGUAGE_ORDER = ("nl", "fr", "en")

_salt: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class FunnelStep:
    name: str
    count: int
    rate_from_previous: float | None  # None when the previous step counted nobody
    rate_from_start: float | None


@dataclass(kw_only=True)
class FunnelRow:
    dimension: str  # "all", "campaign" or "language"
    value: str  # "all", a campaign code (or "(none)"), a language code
    steps: list[FunnelStep] = field(default_factory=list)

    def count(self, step: str) -> int:
        return next(s.count for s in self.steps if s.name == step)


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
            "language": clip(language, 8),
            "campaign": clip(campaign, 200),
            "at": utcnow(),
        }
        with session_scope(write=True) as session:
            insert = _insert_for(session)
            statement = insert(FunnelEvent).values(**values)
            session.execute(statement.on_conflict_do_nothing())
    except Exception:
        log.exception("funnel event %r not recorded", kind)


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


def conversation_hash(sender_id: str) -> str:
    """HMAC-SHA256 of the sender id: stable per conversation, not reversible without the salt."""
    return hmac.new(funnel_salt(), sender_id.encode("utf-8"), hashlib.sha256).hexdigest()


def funnel_salt() -> bytes:
    """env FUNNEL_SALT, else a random salt created once in var/funnel_salt."""
    global _salt
    configured = environment().funnel_salt
    if configured:
        return configured.encode("utf-8")
    if _salt is None:
        _salt = _stored_salt(var_dir() / "funnel_salt")
    return _salt


def reset_salt_cache() -> None:
    global _salt
    _salt = None


def build_report(
    session: Session,
    date_from: date | datetime | None,
    date_to: date | datetime | None,
    campaign: str | None = None,
    language: str | None = None,
) -> list[FunnelRow]:
    """Funnel counts for conversations (events) and leads created in the date range."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    start, end = range_start(date_from), range_end(date_to)

    event_query = select(
        FunnelEvent.kind, FunnelEvent.campaign, FunnelEvent.language, func.count()
    ).group_by(FunnelEvent.kind, FunnelEvent.campaign, FunnelEvent.language)
    for condition in _conditions(FunnelEvent.at, FunnelEvent, start, end, campaign, language):
        event_query = event_query.where(condition)
    for kind, event_campaign, event_language, n in session.execute(event_query):
        if kind in EVENT_STEPS:
            _add(counts, kind, event_campaign, event_language, n)

    for step, statuses in REACHED.items():
        lead_query = (
            select(Lead.campaign, Lead.language, func.count(func.distinct(Lead.id)))
            .join(StatusChange, StatusChange.lead_id == Lead.id)
            .where(StatusChange.to_status.in_(statuses))
            .group_by(Lead.campaign, Lead.language)
        )
        for condition in _conditions(Lead.created_at, Lead, start, end, campaign, language):
            lead_query = lead_query.where(condition)
        for lead_campaign, lead_language, n in session.execute(lead_query):
            _add(counts, step, lead_campaign, lead_language, n)

    return [_row(dimension, value, steps) for (dimension, value), steps in _ordered(counts)]


def _insert_for(session: Session) -> Callable[..., Any]:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def _conditions(
    at_column: InstrumentedAttribute[datetime],
    model: type[FunnelEvent] | type[Lead],
    start: datetime | None,
    end: datetime | None,
    campaign: str | None,
    language: str | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(at_column >= start)
    if end is not None:
        conditions.append(at_column < end)
    if campaign == NO_CAMPAIGN:
        conditions.append(model.campaign.is_(None))
    elif campaign:
        conditions.append(model.campaign == campaign)
    if language:
        conditions.append(model.language == language)
    return conditions


def _add(
    counts: dict[tuple[str, str], dict[str, int]],
    step: str,
    campaign: str | None,
    language: str | None,
    n: int,
) -> None:
    counts[("all", "all")][step] += n
    counts[("campaign", campaign or NO_CAMPAIGN)][step] += n
    counts[("language", language or "?")][step] += n


def _ordered(
    counts: dict[tuple[str, str], dict[str, int]],
) -> list[tuple[tuple[str, str], dict[str, int]]]:
    counts.setdefault(("all", "all"), defaultdict(int))

    def key(item: tuple[tuple[str, str], dict[str, int]]) -> tuple[int, int, str]:
        (dimension, value), steps = item
        if dimension == "all":
            return (0, 0, "")
        if dimension == "campaign":
            return (1, -steps.get("started", 0), value)
        rank = LANGUAGE_ORDER.index(value) if value in LANGUAGE_ORDER else len(LANGUAGE_ORDER)
        return (2, rank, value)

    return sorted(counts.items(), key=key)


def _row(dimension: str, value: str, counts: dict[str, int]) -> FunnelRow:
    row = FunnelRow(dimension=dimension, value=value)
    start = counts.get(FUNNEL_STEPS[0], 0)
    previous: int | None = None
    for name in FUNNEL_STEPS:
        n = counts.get(name, 0)
        row.steps.append(
            FunnelStep(
                name=name,
                count=n,
                rate_from_previous=_rate(n, previous) if previous is not None else None,
                rate_from_start=_rate(n, start),
            )
        )
        previous = n
    return row


def _rate(n: int, base: int) -> float | None:
    return round(n / base, 4) if base else None


def _stored_salt(path: Path) -> bytes:
    if not path.exists():
        # Written aside, then linked into place: a racing process never reads a half salt,
        # and when two race, both end up with the one that was linked first.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_hex(32).encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_bytes().strip()
