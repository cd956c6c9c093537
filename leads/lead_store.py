"""The dialogue's side of the lead store: save, handoff, erase (and the retention purge).

These never raise because the database is down: writes go to the outage spool and reach
the database when it is back (`leads.replay`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select

from leads import spool
from leads.db import is_outage, session_scope
from leads.erasures import forget_conversation
from leads.lead_queue import lead_rows
from leads.lead_writes import erase_in, flag_handoff, upsert_lead
from leads.log_privacy import pseudonym
from leads.models import Lead, utcnow
from leads.replay import ensure_background_flusher, write_or_spool
from leads.rows import LeadInput, LeadRow, SaveResult
from leads.validation import validate_handoff, validate_lead_input

log = logging.getLogger(__name__)


def save_lead(data: LeadInput) -> SaveResult:
    """Create or update the lead of `data.sender_id` (a re-delivered update never duplicates).

    Without consent nothing personal is stored: returns `SaveResult(saved=False)`.
    Database unreachable → spooled durably, `SaveResult(saved=False, spooled=True)`.
    Raises `InvalidValue` for values outside the fixed lists (a bug in the caller).
    """
    validate_lead_input(data)
    if not data.consent:
        return SaveResult(saved=False)
    payload = dataclasses.asdict(data)
    return write_or_spool("save_lead", payload, lambda: upsert_lead(data, utcnow()))


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
    validate_handoff(payload)
    if not consent:
        return SaveResult(saved=False)
    return write_or_spool("request_handoff", payload, lambda: flag_handoff(payload, utcnow()))


def erase_lead(sender_id: str, actor: str = "user") -> bool:
    """GDPR erase: the lead, its notes and status history; the audit keeps "lead N erased".

    Also drops anything of this person still waiting in the outage spool. If the database
    is unreachable, or a replay of the spool is still running (its saves could otherwise
    write this person back after the erase), the erase itself is spooled (it runs after
    any pending save) and True is returned. Returns False when there was nothing to erase.
    """
    with spool.replay_lock(timeout_s=10.0) as acquired:
        if not acquired:
            _spool_erase(sender_id, actor, "a spool replay is running")
            return True
        discarded = spool.discard_sender(sender_id)
        try:
            with session_scope(write=True) as session:
                forget_conversation(session, sender_id)  # funnel rows, the tracker's erase
                lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
                if lead is None:
                    return discarded > 0
                erase_in(session, lead, actor)
                return True
        except Exception as error:
            if not is_outage(error):
                raise
            _spool_erase(sender_id, actor, f"database unreachable ({type(error).__name__})")
            return True


def _spool_erase(sender_id: str, actor: str, why: str) -> None:
    """The erase waits in the spool, behind what is there: the flusher runs it."""
    log.warning("%s: erase of %s spooled", why, pseudonym(sender_id))
    spool.append("erase_lead", {"sender_id": sender_id, "actor": actor})
    ensure_background_flusher()


def erase_lead_by_id(lead_id: int, actor: str) -> bool:
    """Staff-side GDPR erase (raises if the database is unreachable). While a replay of the
    spool is running, the erase is spooled behind it (True: it will be done)."""
    with spool.replay_lock(timeout_s=10.0) as acquired, session_scope(write=True) as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            return False
        if not acquired:
            _spool_erase(lead.sender_id, actor, "a spool replay is running")
            return True
        spool.discard_sender(lead.sender_id)
        forget_conversation(session, lead.sender_id)
        erase_in(session, lead, actor)
        return True


def erase_expired_leads(updated_before: Mapping[str, datetime]) -> list[LeadRow]:
    """Retention: erase every lead whose status is a key of `updated_before` and that has
    not changed since that status's cutoff (audit "lead N erased (retention)"). Returns
    the erased leads (their conversations are the caller's to erase: another database)."""
    if not updated_before:
        return []
    expired = or_(
        *(
            and_(Lead.status == status, Lead.updated_at < cutoff)
            for status, cutoff in updated_before.items()
        )
    )
    with spool.replay_lock(timeout_s=30.0) as acquired:
        if not acquired:  # not alongside a replay: the next purge erases them
            log.warning("retention erase skipped: a spool replay is running")
            return []
        return _erase_expired(expired)


def _erase_expired(expired: ColumnElement[bool]) -> list[LeadRow]:
    with session_scope(write=True) as session:
        stale = session.scalars(select(Lead).where(expired).order_by(Lead.id)).all()
        erased = lead_rows(session, stale)
        for lead in stale:
            erase_in(session, lead, "retention", "retention")
        return erased
