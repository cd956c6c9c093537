"""The info sessions the bot talks about, read from the database (staff manage them in the
dashboard), in the person's words: "woensdag 9 december om 18 uur in Brussel"."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from actions.content import AND, IN_CITY, MAX_DATES_SHOWN, _join, human_date, load_content
from leads.db import database_url, normalize_url
from leads.models import utcnow
from leads.sessions import SessionRow, upcoming

log = logging.getLogger(__name__)

CACHE_SECONDS = 30.0
ONLINE = {"nl": "online", "fr": "en ligne", "en": "online"}
_cache: dict[tuple[str, date], tuple[float, str | None]] = {}
_refreshing: set[tuple[str, date]] = set()
_lock = threading.Lock()


def clock_time(moment: datetime, language: str) -> str:
    """ "om 18 uur" / "om 18.30 uur", "à 18 h" / "à 18 h 30", "at 6 pm" / "at 6:30 pm"."""
    hour, minute = moment.hour, moment.minute
    if language == "nl":
        return f"om {hour} uur" if not minute else f"om {hour}.{minute:02d} uur"
    if language == "fr":
        return f"à {hour} h" if not minute else f"à {hour} h {minute:02d}"
    twelve = hour % 12 or 12
    suffix = "am" if hour < 12 else "pm"
    return f"at {twelve} {suffix}" if not minute else f"at {twelve}:{minute:02d} {suffix}"


def describe(session: SessionRow, language: str, today: date | None = None) -> str:
    """One session in a few words, in `language`."""
    start = session.local_start
    text = f"{human_date(start.date(), language, today)} {clock_time(start, language)}"
    campus = load_content().campus(session.campus) if session.campus else None
    if campus is not None:
        return f"{text} {IN_CITY[language]} {campus.name(language)}"
    return f"{text}, {ONLINE[language]}"


def upcoming_text(language: str, today: date | None = None) -> str | None:
    """The next sessions as a phrase; None when there is none in the database (or no
    database yet): the facts file's text is used then.

    Called on every message from async code: it never reads the database in line. With no
    answer cached yet (after a start, and each new day) the read starts in a thread and None
    is returned meanwhile (the facts file's dates); a stale answer is used while a thread
    refreshes it. So a slow or unreachable database never holds a conversation up.
    """
    today = today or date.today()
    key = (language, today)
    cached = _cache.get(key)
    if cached is None or time.monotonic() - cached[0] >= CACHE_SECONDS:
        _refresh_in_background(key)
    return None if cached is None else cached[1]


def refresh(language: str, today: date | None = None) -> str | None:
    """Read the sessions now, in the calling thread, and cache them (tests, warm-ups)."""
    return _refresh((language, today or date.today()))


def _refresh_in_background(key: tuple[str, date]) -> None:
    with _lock:
        if key in _refreshing:
            return
        _refreshing.add(key)
    threading.Thread(target=_refresh_quietly, args=(key,), daemon=True).start()


def _refresh_quietly(key: tuple[str, date]) -> None:
    try:
        _refresh(key)
    except Exception as error:  # _read logs the database's errors; this is for a bug
        log.warning("info sessions not refreshed (%s)", type(error).__name__)


def _refresh(key: tuple[str, date]) -> str | None:
    try:
        text = _read(*key)
        _cache[key] = (time.monotonic(), text)
        return text
    finally:
        with _lock:
            _refreshing.discard(key)


def clear_cache() -> None:
    _cache.clear()


def _read(language: str, today: date) -> str | None:
    if _no_database_yet():
        return None
    try:
        sessions = upcoming(utcnow(), language=language, limit=MAX_DATES_SHOWN, with_full=True)
    except Exception as error:  # the database is down: say what the facts file says
        log.warning("info sessions unreadable (%s)", type(error).__name__)
        return None
    if not sessions:
        return None
    return _join([describe(s, language, today) for s in sessions], AND[language])


def _no_database_yet() -> bool:
    url = make_url(normalize_url(database_url()))
    if url.get_backend_name() != "sqlite":
        return False
    return not url.database or not Path(url.database).exists()
