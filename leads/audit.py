"""The audit log: who did what to which record. Never personal data: ids and kinds only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leads.db import session_scope
from leads.models import AuditEntry, utcnow
from leads.rows import AuditRow


def audit(actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Record who did what to which record. Never pass personal data here."""
    with session_scope(write=True) as session:
        record(session, actor, action, target, detail)


def list_audit(limit: int = 200, target: str | None = None) -> list[AuditRow]:
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if target is not None:
        query = query.where(AuditEntry.target == target)
    with session_scope() as session:
        return [
            AuditRow(
                id=a.id, at=a.at, actor=a.actor, action=a.action, target=a.target, detail=a.detail
            )
            for a in session.scalars(query)
        ]


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    detail: str = "",
    *,
    at: datetime | None = None,
) -> None:
    """Add an audit entry to `session` (it is written with the change it describes)."""
    session.add(
        AuditEntry(
            at=at or utcnow(),
            actor=actor[:200],
            action=action[:100],
            target=target[:200],
            detail=detail,
        )
    )


def staff_actor(staff_id: int | None) -> str:
    return "bot" if staff_id is None else f"staff:{staff_id}"
