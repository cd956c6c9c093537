"""Retention (PRODUCT §7): the daily purge. Meant to run daily: `python -m admin purge`.

It applies `leads.retention_policy` (the periods the privacy notice states): every lead
that has not changed for the period of its status is erased with its notes, status
history and conversation; every conversation without a lead whose last message is older
than the conversation period is erased.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from leads.db import session_scope
from leads.lead_store import erase_expired_leads
from leads.models import Lead, utcnow
from leads.retention_policy import RetentionPolicy, load_retention, review_retention_days
from leads.trackers import erase_tracker, purge_trackers

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class PurgeReport:
    policy: RetentionPolicy
    erased_lead_ids: list[int] = field(default_factory=list)
    erased_by_status: dict[str, int] = field(default_factory=dict)
    transcripts_erased: int = 0  # conversations of the erased leads
    transcripts_failed: int = 0  # tracker database unreachable: left for a later purge
    conversations_purged: int = 0  # conversations that never became a lead
    trackers_unreachable: bool = False  # then conversations_purged is 0: nothing done there
    followups_removed: int = 0  # bookings of past sessions, finished outbox rows

    @property
    def leads_erased(self) -> int:
        return len(self.erased_lead_ids)


def purge(
    now: datetime | None = None,
    *,
    policy: RetentionPolicy | None = None,
    tracker_url: str | None = None,
) -> PurgeReport:
    now = now or utcnow()
    policy = policy or load_retention()
    cutoffs = {status: now - timedelta(days=days) for status, days in policy.lead_days.items()}
    erased = erase_expired_leads(cutoffs)
    transcripts, failed = 0, 0
    for lead in erased:
        try:
            erase_tracker(lead.sender_id, url=tracker_url)
            transcripts += 1
        except Exception as error:
            # No lead points at it any more: the conversation purge erases it as a chat
            # without a lead, once its last message is older than the conversation period.
            # Logged without the error's text: it may quote the chat id.
            log.error(
                "retention: conversation of erased lead %s not erased yet (%s)",
                lead.id,
                type(error).__name__,
            )
            failed += 1
    with session_scope() as session:
        keep = set(session.scalars(select(Lead.sender_id)))
    try:
        purged = purge_trackers(policy.conversation_days, keep, now=now, url=tracker_url)
        unreachable = False
    except Exception as error:
        log.error("retention: tracker database unreachable (%s)", type(error).__name__)
        purged, unreachable = 0, True
    from leads import review  # the review inbox follows the transcripts it links to

    review.purge(
        now,
        review_days=review_retention_days(),
        conversation_days=policy.conversation_days,
        keep_sender_ids=keep,
    )
    followups = purge_followups(now - timedelta(days=policy.conversation_days))
    report = PurgeReport(
        policy=policy,
        erased_lead_ids=[lead.id for lead in erased],
        erased_by_status=dict(Counter(lead.status for lead in erased)),
        transcripts_erased=transcripts,
        transcripts_failed=failed,
        conversations_purged=purged,
        trackers_unreachable=unreachable,
        followups_removed=followups,
    )
    log.info(
        "retention: %d leads erased %s, %d conversations without a lead purged",
        report.leads_erased,
        report.erased_by_status,
        purged,
    )
    return report


def purge_followups(before: datetime) -> int:
    """Bookings of sessions held before `before`, and outbox rows finished before it."""
    from leads import bookings, outbox

    return bookings.purge_past(before) + outbox.purge_finished(before)


def describe(report: PurgeReport) -> str:
    """What the purge removed, for the operator (ids and counts only, never personal data)."""
    policy = report.policy
    per_status = ", ".join(
        f"{n} {status} after {policy.days_for(status)} days"
        for status, n in sorted(report.erased_by_status.items())
    )
    ids = ", ".join(f"lead {lead_id}" for lead_id in report.erased_lead_ids)
    text = f"retention: {report.leads_erased} lead(s) erased"
    if report.leads_erased:
        text += f" ({per_status}: {ids}) with {report.transcripts_erased} conversation(s)"
    text += (
        f"; {report.conversations_purged} conversation(s) without a lead, idle for more "
        f"than {policy.conversation_days} days, purged; {report.followups_removed} booking(s) "
        "and sent message(s) older than that removed"
    )
    if report.trackers_unreachable or report.transcripts_failed:
        text += (
            f"; the tracker database was unreachable, so {report.transcripts_failed} "
            "conversation(s) of erased leads and the old conversations without a lead wait "
            "for the next purge: check TRACKER_DATABASE_URL and that the database runs"
        )
    return text
