"""What /forget erases besides the lead, and the retries that make sure it happens.

In the erase's own transaction (`forget_conversation`): the conversation's funnel rows go
(its steps stop counting: the funnel only ever counts conversations that still exist), so do
the person's bookings, every outbox row queued or kept for them (staff replies, reminders,
nudges, webhooks) and their chat's flags, and a pending erasure of its Rasa tracker is
written. The tracker lives in Rasa's database, which
the erase's transaction cannot reach: the bot erases it right after the reply
(`erase_conversation`), and whatever failed or never ran (the bot down, the tracker database
down, a staff erase in the dashboard) is retried by `retry_pending_erasures`, every minute
in the bot and on demand with `python -m leads erase-trackers`, until it succeeds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from leads.db import is_outage, session_scope
from leads.funnel import conversation_hash
from leads.log_privacy import pseudonym
from leads.models import FunnelEvent, PendingErasure, utcnow
from leads.trackers import erase_tracker

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class RetryReport:
    erased: int  # pending erasures done
    failed: int  # still pending (the tracker database unreachable, say)


def forget_conversation(session: Session, sender_id: str, at: datetime | None = None) -> None:
    """Inside the erase's transaction: the funnel rows, bookings, outbox rows and chat flags
    go, the tracker erase is queued."""
    from leads import bookings, outbox  # bookings → sessions → models: loaded when used

    session.execute(
        delete(FunnelEvent).where(FunnelEvent.conversation == conversation_hash(sender_id))
    )
    bookings.forget_in(session, sender_id)
    outbox.forget_in(session, sender_id)  # the chat's flags too
    session.add(PendingErasure(sender_id=sender_id, requested_at=at or utcnow()))


def erase_conversation(sender_id: str) -> int:
    """Right after /forget's reply: the whole tracker goes, then its pending erasure (if that
    bookkeeping fails, a retry later finds nothing left to erase). Raises if the tracker
    could not be erased: the pending erasure stays for the retries."""
    erased = erase_tracker(sender_id)
    try:
        with session_scope(write=True) as session:
            session.execute(
                delete(PendingErasure).where(
                    PendingErasure.sender_id == sender_id,
                    PendingErasure.requested_at <= utcnow(),
                )
            )
    except Exception as error:
        if not is_outage(error):
            raise
        log.warning("pending erasure of %s not cleared: the retry will", pseudonym(sender_id))
    return erased


def retry_pending_erasures(limit: int = 200) -> RetryReport:
    """Erase the trackers still pending, oldest first; each one done leaves the table."""
    with session_scope() as session:
        pending = session.scalars(
            select(PendingErasure).order_by(PendingErasure.requested_at).limit(limit)
        ).all()
    erased = failed = 0
    for erasure in pending:
        try:
            erase_tracker(erasure.sender_id, forgotten_at=erasure.requested_at)
        except Exception as error:
            failed += 1
            _count_attempt(erasure.id)
            log.warning(
                "tracker of %s not erased yet (%s), attempt %d; will retry",
                pseudonym(erasure.sender_id),
                type(error).__name__,
                erasure.attempts + 1,
            )
            continue
        with session_scope(write=True) as session:
            session.execute(delete(PendingErasure).where(PendingErasure.id == erasure.id))
        erased += 1
    if erased or failed:
        log.info("pending tracker erasures: %d done, %d still pending", erased, failed)
    return RetryReport(erased=erased, failed=failed)


def _count_attempt(erasure_id: int) -> None:
    with session_scope(write=True) as session:
        erasure = session.get(PendingErasure, erasure_id)
        if erasure is not None:
            erasure.attempts += 1
            erasure.last_attempt_at = utcnow()
