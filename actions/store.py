"""The lead store as the action server sees it: nothing here blocks the event loop.

Rasa-sdk runs every action on one asyncio loop, so a synchronous database call inside an
async `run()` would make every conversation wait while PostgreSQL stalls (5 s connect
timeout) or SQLite is busy (10 s). Every call here runs in a worker thread:
- what the reply depends on (saving a lead, a handoff, an erase) is awaited;
- funnel counts are best effort and never delay a reply: they go to a small pool of their
  own, so a stalled database cannot take the threads the awaited calls need either;
- the per-message bookkeeping (review items, understanding counts, nudges) is not awaited
  either: `in_background` runs it on a small pool of its own, in order per conversation, and
  drops it (logged) when a long stall has queued too much. Tests wait with `drain()`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

_funnel_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="funnel")

# The per-message bookkeeping: a few threads, each conversation's jobs one after the other
# (a nudge cancelled by a later message must not be re-queued by an earlier one).
BACKGROUND_WORKERS = 2
MAX_QUEUED = 1000
_background_pool = ThreadPoolExecutor(
    max_workers=BACKGROUND_WORKERS, thread_name_prefix="bookkeeping"
)
_queues: dict[str, deque[tuple[str, Callable[[], object]]]] = {}
_queued = 0
_funnel_queued = 0
_state = threading.Condition()


def in_background(key: str, name: str, job: Callable[[], object]) -> bool:
    """Run `job` in a worker thread after the jobs already queued under `key` (a sender id);
    never raises, never waited for. False when it was dropped (too much queued)."""
    global _queued
    with _state:
        if _queued >= MAX_QUEUED:
            log.warning("%s dropped: %d jobs queued already", name, _queued)
            return False
        _queued += 1
        queue = _queues.get(key)
        if queue is not None:  # a worker is on this conversation: it takes this one next
            queue.append((name, job))
            return True
        _queues[key] = deque([(name, job)])
    try:
        _background_pool.submit(_work_off, key)
    except RuntimeError:  # the pool is shut down (the process is stopping)
        with _state:
            _queued -= len(_queues.pop(key, ()))
            _state.notify_all()
        log.warning("%s dropped: the action server is stopping", name)
        return False
    return True


def _work_off(key: str) -> None:
    global _queued
    while True:
        with _state:
            queue = _queues[key]
            if not queue:
                del _queues[key]
                return
            name, job = queue.popleft()
        try:
            job()
        except Exception as error:  # logged without the job's arguments (personal data)
            log.warning("%s failed (%s)", name, type(error).__name__)
        finally:
            with _state:
                _queued -= 1
                _state.notify_all()


def drain(timeout_s: float = 30.0) -> bool:
    """Wait until the background jobs (and funnel counts) queued so far are done (for tests);
    False on timeout."""
    with _state:
        return _state.wait_for(lambda: _queued == 0 and _funnel_queued == 0, timeout=timeout_s)


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
    global _funnel_queued
    with _state:
        _funnel_queued += 1
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

    global _funnel_queued
    try:
        record_funnel_event(kind, sender_id=sender_id, language=language, campaign=campaign)
    except Exception:  # it never raises; a bug must not kill the pool's thread silently
        log.exception("funnel step %s not recorded", kind)
    finally:
        with _state:
            _funnel_queued -= 1
            _state.notify_all()
