"""The lead store as the action server sees it: nothing here blocks the event loop.

Rasa-sdk runs every action on one asyncio loop, so a synchronous database call inside an
async `run()` would make every conversation wait while PostgreSQL stalls (5 s connect
timeout) or SQLite is busy (10 s). Every call here runs in a worker thread:
- what the reply depends on (saving a lead, a handoff, an erase) is awaited;
- funnel counts are best effort and never delay a reply: they go to a small pool of their
  own, so a stalled database cannot take the threads the awaited calls need either.
This is the only module of actions/ that imports the database layer.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

_funnel_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="funnel")


async def save_lead(**fields: Any) -> Any:
    """leads' save_lead(LeadInput(**fields)): its SaveResult (saved, spooled, lead_id)."""
    return await asyncio.to_thread(_save_lead, fields)


async def request_handoff(sender_id: str, **fields: Any) -> Any:
    from leads.lead_store import request_handoff as request  # the database layer, when used

    return await asyncio.to_thread(request, sender_id, **fields)


async def erase_lead(sender_id: str, actor: str = "user") -> bool:
    from leads.lead_store import erase_lead as erase  # the database layer, when used

    return await asyncio.to_thread(erase, sender_id, actor=actor)


def record_funnel_event(
    kind: str, *, sender_id: str, language: str | None, campaign: str | None
) -> Future[None]:
    """Count one funnel step in the background (never raises, never waited for)."""
    return _funnel_pool.submit(
        _record_funnel_event, kind, sender_id=sender_id, language=language, campaign=campaign
    )


def _save_lead(fields: dict[str, Any]) -> Any:
    from leads.lead_store import save_lead as save
    from leads.rows import LeadInput

    return save(LeadInput(**fields))


def _record_funnel_event(
    kind: str, *, sender_id: str, language: str | None, campaign: str | None
) -> None:
    from leads.funnel import record_funnel_event  # the database layer, when used

    try:
        record_funnel_event(kind, sender_id=sender_id, language=language, campaign=campaign)
    except Exception:  # it never raises; a bug must not kill the pool's thread silently
        log.exception("funnel step %s not recorded", kind)
