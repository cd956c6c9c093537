"""The outage path: a write that cannot reach the database waits in the spool, and the
spooled writes replay here, in order, through the same code as a live write.

`leads.spool` is the file queue and knows nothing of leads; this module gives it the
operations to replay (`apply_spooled`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from leads import spool
from leads.db import is_outage, session_scope
from leads.erasures import forget_conversation
from leads.lead_writes import erase_in, flag_handoff, upsert_lead
from leads.models import Lead
from leads.rows import LeadInput, SaveResult
from leads.validation import validate_lead_input

log = logging.getLogger(__name__)


def apply_spooled(entry: spool.SpoolEntry) -> object:
    """Replay one spool entry; raises on outage like any write."""
    at = entry.at_datetime
    if entry.op == "save_lead":
        known = {f.name for f in dataclasses.fields(LeadInput)}
        data = LeadInput(**{k: v for k, v in entry.payload.items() if k in known})
        validate_lead_input(data)
        return upsert_lead(data, at)
    if entry.op == "request_handoff":
        return flag_handoff(entry.payload, at)
    if entry.op == "erase_lead":
        with session_scope(write=True) as session:
            sender_id = entry.payload["sender_id"]
            forget_conversation(session, sender_id, at)
            lead = session.scalar(select(Lead).where(Lead.sender_id == sender_id))
            if lead is not None:
                erase_in(session, lead, entry.payload.get("actor", "user"))
        return None
    raise ValueError(f"unknown spool operation {entry.op!r}")


def flush(lock_timeout_s: float = 30.0) -> spool.FlushResult:
    """Replay the pending spool entries into the database."""
    return spool.flush(apply_spooled, lock_timeout_s=lock_timeout_s)


def flush_spool() -> int:
    """Replay pending entries in order; returns how many reached the database."""
    return flush().written


def ensure_background_flusher() -> None:
    """Start (once per process) the thread that replays the spool while entries wait."""
    spool.ensure_background_flusher(apply_spooled)


def start_background_flusher(interval_s: float = 5.0) -> object:
    return spool.start_background_flusher(apply_spooled, interval_s=interval_s)


def write_or_spool(op: str, payload: dict[str, Any], write: Callable[[], SaveResult]) -> SaveResult:
    """Run `write`; if the database is unreachable, spool `op` durably instead."""
    ensure_background_flusher()
    if spool.has_pending():
        # Older spooled writes go first, so a later answer is never overwritten by an
        # earlier one replayed afterwards.
        flushed = flush(lock_timeout_s=2.0)
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
