"""Lead events for the school's CRM, and what erasing a lead takes with it.

Hooked on SQLAlchemy's flush, so every writer (the dialogue, the dashboard, the API, the
spool, retention) is covered without calling anything: in the same transaction as the
change, a lead that is created, qualified, changes status or is erased queues a `webhook`
row in the outbox (only when CRM_WEBHOOK_URL is set), and an erased lead's bookings and
queued messages go with it.

The webhook body carries ids and statuses, never the person's answers or contact details:
the CRM reads those from the dashboard's JSON API with its own token.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event, inspect
from sqlalchemy.orm import Session

from leads import outbox
from leads.models import Lead, utcnow
from passerelle_settings import environment


def crm_url() -> str | None:
    return environment().crm_webhook_url


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: object) -> None:
    url = crm_url()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, Lead):
            continue
        if obj in session.deleted:
            _erase_followups(session, obj.sender_id)
            if url:
                _queue(session, url, obj, "lead.erased", f"lead:{obj.id}:erased")
        elif url:
            for name, key in _events(session, obj):
                _queue(session, url, obj, name, key)


def _events(session: Session, lead: Lead) -> list[tuple[str, str]]:
    if lead in session.new:
        events = [("lead.created", f"lead:{lead.id}:created")]
        if lead.qualified:
            events.append(("lead.qualified", f"lead:{lead.id}:qualified"))
        return events
    state = inspect(lead)
    events = []
    qualified = state.attrs.qualified.history
    if qualified.added and qualified.added[0] and not (qualified.deleted and qualified.deleted[0]):
        events.append(("lead.qualified", f"lead:{lead.id}:qualified"))
    status = state.attrs.status.history
    if status.added and status.deleted and status.added[0] != status.deleted[0]:
        events.append(("lead.status_changed", f"lead:{lead.id}:status:{lead.version}"))
    return events


def _queue(session: Session, url: str, lead: Lead, name: str, key: str) -> None:
    payload: dict[str, Any] = {
        "event": name,
        "lead_id": lead.id,
        "at": utcnow().isoformat(),
    }
    if name != "lead.erased":
        payload.update(
            status=lead.status,
            qualified=bool(lead.qualified),
            score=lead.score,
            campus=lead.campus,
            language=lead.language,
            campaign=lead.campaign,
        )
    outbox.enqueue_in(session, "webhook", url, key, {"body": payload}, batch=f"lead:{lead.id}")


def _erase_followups(session: Session, sender_id: str) -> None:
    from leads.sessions import Booking

    connection = session.connection()
    connection.execute(delete(Booking).where(Booking.sender_id == sender_id))
    rows = outbox.OutboxMessage
    connection.execute(delete(rows).where(rows.sender_id == sender_id, rows.kind != "webhook"))
