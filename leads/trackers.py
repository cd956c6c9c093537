"""Rasa's conversation trackers (a separate database): erase, purge, read a transcript.

Rasa's SQLTrackerStore keeps one row per event in a table `events` (id, sender_id,
type_name, timestamp, intent_name, action_name, data). Rasa creates the table on its
first start, so every function here copes with it not existing yet.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, inspect, text

from leads.db import get_engine
from leads.paths import var_dir
from passerelle_settings import environment

CHUNK = 500


@dataclass(frozen=True, kw_only=True)
class TranscriptLine:
    at: datetime
    speaker: str  # "user" or "bot"
    text: str


def tracker_database_url() -> str:
    """env TRACKER_DATABASE_URL, else a SQLite file `<repo>/var/rasa_tracker.db`."""
    return environment().tracker_database_url or f"sqlite:///{var_dir() / 'rasa_tracker.db'}"


def prepare_tracker_store(url: str | None = None) -> None:
    """SQLite trackers: create the file in WAL mode before Rasa first opens it.

    WAL is a property of the database file, so Rasa's own connections use it too: its commit
    after every message then costs one fsync instead of about four (BENCHMARKS.md "Load").
    """
    engine = _engine(url)
    if engine.dialect.name == "sqlite":
        with engine.connect():
            pass  # leads.db switches every SQLite file it opens to WAL


def erase_tracker(
    sender_id: str, url: str | None = None, *, forgotten_at: datetime | None = None
) -> int:
    """Delete the events of one conversation (after /forget). Returns rows deleted.

    With `forgotten_at` (a late retry): only what came before the person's first message
    after that moment, so a conversation they started since then stays.
    """
    engine = _engine(url)
    if not _has_events(engine):
        return 0
    params: dict[str, object] = {"sender_id": sender_id}
    with engine.begin() as connection:
        delete = "DELETE FROM events WHERE sender_id = :sender_id"
        if forgotten_at is not None:
            next_message = connection.execute(
                text(
                    "SELECT MIN(timestamp) FROM events WHERE sender_id = :sender_id"
                    " AND type_name = 'user' AND timestamp > :after"
                ),
                {"sender_id": sender_id, "after": forgotten_at.timestamp()},
            ).scalar()
            if next_message is not None:
                delete += " AND timestamp < :before"
                params["before"] = next_message
        result = connection.execute(text(delete), params)
        return result.rowcount or 0


def purge_trackers(
    older_than_days: float,
    keep_sender_ids: Iterable[str],
    *,
    now: datetime | None = None,
    url: str | None = None,
) -> int:
    """Delete conversations whose last event is older than the cutoff, except those in
    `keep_sender_ids` (the ones with a lead). Returns how many conversations went."""
    engine = _engine(url)
    if not _has_events(engine):
        return 0
    reference = now.timestamp() if now else time.time()
    cutoff = reference - older_than_days * 86400
    keep = set(keep_sender_ids)
    with engine.connect() as connection:
        stale = connection.execute(
            text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
            {"cutoff": cutoff},
        ).scalars()
        doomed = [sender for sender in stale if sender not in keep]
    delete = text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
        bindparam("senders", expanding=True)
    )
    for start in range(0, len(doomed), CHUNK):
        with engine.begin() as connection:
            connection.execute(delete, {"senders": doomed[start : start + CHUNK]})
    return len(doomed)


def conversation_transcript(
    sender_id: str, limit: int = 500, url: str | None = None
) -> list[TranscriptLine]:
    """The last `limit` user and bot messages of a conversation, oldest first."""
    engine = _engine(url)
    if not _has_events(engine):
        return []
    query = text(
        "SELECT type_name, timestamp, data FROM events"
        " WHERE sender_id = :sender_id AND type_name IN ('user', 'bot')"
        " ORDER BY id DESC LIMIT :limit"
    )
    with engine.connect() as connection:
        rows = connection.execute(query, {"sender_id": sender_id, "limit": limit}).all()
    lines = [_line(type_name, stamp, data) for type_name, stamp, data in reversed(rows)]
    return [line for line in lines if line.text]


def _line(type_name: str, stamp: float | None, data: str | None) -> TranscriptLine:
    try:
        event = json.loads(data or "{}")
    except ValueError:
        event = {}
    message = event.get("text") or ""
    at = datetime.fromtimestamp(stamp or 0, tz=UTC)
    return TranscriptLine(at=at, speaker=type_name, text=message)


def _engine(url: str | None) -> Engine:
    return get_engine(url or tracker_database_url())


def _has_events(engine: Engine) -> bool:
    return inspect(engine).has_table("events")
