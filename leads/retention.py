"""Retention (PRODUCT §7): purge old `nurture` leads and old conversations without a lead.

Periods: env NURTURE_RETENTION_DAYS (default 180) and CONVERSATION_RETENTION_DAYS
(default 30), else a `retention:` mapping (`nurture_days`, `conversation_days`) in the
content file (env PASSERELLE_CONTENT, default content/facts.yml), else the defaults.
Meant to run daily: `python -m leads purge`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select

from leads.db import session_scope
from leads.models import Lead, utcnow
from leads.paths import REPO_ROOT
from leads.repository import erase_nurture_leads
from leads.trackers import purge_trackers

log = logging.getLogger(__name__)

DEFAULT_NURTURE_DAYS = 180
DEFAULT_CONVERSATION_DAYS = 30


@dataclass(frozen=True)
class PurgeReport:
    leads_erased: int
    conversations_purged: int
    nurture_days: float
    conversation_days: float


def purge(
    now: datetime | None = None,
    *,
    nurture_days: float | None = None,
    conversation_days: float | None = None,
    tracker_url: str | None = None,
) -> PurgeReport:
    now = now or utcnow()
    nurture_days = nurture_days if nurture_days is not None else retention_days("nurture")
    conversation_days = (
        conversation_days if conversation_days is not None else retention_days("conversation")
    )
    erased = erase_nurture_leads(updated_before=now - timedelta(days=nurture_days))
    with session_scope() as session:
        keep = set(session.scalars(select(Lead.sender_id)))
    purged = purge_trackers(conversation_days, keep, now=now, url=tracker_url)
    followups = purge_followups(now - timedelta(days=conversation_days))
    log.info("retention: %d nurture leads erased, %d conversations purged, %d bookings and "
             "sent messages removed", erased, purged, followups)
    return PurgeReport(erased, purged, nurture_days, conversation_days)


def purge_followups(before: datetime) -> int:
    """Bookings of sessions held before `before`, and outbox rows finished before it."""
    from leads import bookings, outbox

    return bookings.purge_past(before) + outbox.purge_finished(before)


def retention_days(kind: str) -> float:
    """`kind` is "nurture" or "conversation"."""
    env_name = f"{kind.upper()}_RETENTION_DAYS"
    default = DEFAULT_NURTURE_DAYS if kind == "nurture" else DEFAULT_CONVERSATION_DAYS
    configured = os.environ.get(env_name) or _content_setting(f"{kind}_days")
    if configured in (None, ""):
        return default
    try:
        days = float(configured)
    except (TypeError, ValueError):
        log.error("%s=%r is not a number of days; using %s", env_name, configured, default)
        return default
    return days if days > 0 else default


def _content_setting(name: str) -> object:
    path = Path(os.environ.get("PASSERELLE_CONTENT") or REPO_ROOT / "content" / "facts.yml")
    if not path.is_absolute():
        path = REPO_ROOT / path
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    retention = content.get("retention") if isinstance(content, dict) else None
    return retention.get(name) if isinstance(retention, dict) else None
