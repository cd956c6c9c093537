"""GDPR erase: the lead, its notes and history go; the audit keeps only "lead N erased".
/forget also takes the conversation's funnel rows, and its Rasa tracker: erased at once by
the bot, else retried from the pending erasures until it succeeds (real databases)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from leads import replay, spool
from leads.audit import list_audit
from leads.db import dispose_engines, get_engine, session_scope
from leads.erasures import RetryReport, erase_conversation, retry_pending_erasures
from leads.funnel import funnel_report, record_funnel_event
from leads.lead_queue import add_note, change_status, get_lead, get_lead_by_sender
from leads.lead_store import erase_lead, erase_lead_by_id, save_lead
from leads.models import Lead, Note, PendingErasure, StatusChange, utcnow
from leads.staff import create_staff_user
from tests.leads.helpers import (
    PG_HOST,
    PG_PORT,
    TcpProxy,
    free_port,
    lead_input,
    postgres_url,
)


def rows(model, lead_id: int) -> int:
    with session_scope() as session:
        column = model.id if model is Lead else model.lead_id
        return session.scalar(select(func.count()).select_from(model).where(column == lead_id))


def test_erase_removes_lead_notes_and_history(db_url):
    staff = create_staff_user("coach@school.be", "hash")
    lead = get_lead(save_lead(lead_input(sender_id="tg-42")).lead_id)
    add_note(lead.id, "Amina prefers to be called after 17:00", staff.id)
    change_status(lead.id, "contacted", expected_version=lead.version, actor_id=staff.id)
    other = save_lead(lead_input(sender_id="tg-43", first_name="Other")).lead_id

    assert erase_lead("tg-42") is True

    assert get_lead(lead.id) is None
    assert (rows(Lead, lead.id), rows(Note, lead.id), rows(StatusChange, lead.id)) == (0, 0, 0)
    assert [a.message for a in list_audit(target=f"lead {lead.id}")] == [f"lead {lead.id} erased"]
    assert get_lead(other) is not None
    assert rows(StatusChange, other) == 1
    assert erase_lead("tg-42") is False  # nothing left to erase


def test_staff_erase_by_id(db_url):
    lead_id = save_lead(lead_input(sender_id="tg-9")).lead_id
    assert erase_lead_by_id(lead_id, actor="staff:1") is True
    assert get_lead_by_sender("tg-9") is None
    audit = list_audit(target=f"lead {lead_id}")
    assert [(a.actor, a.message) for a in audit] == [("staff:1", f"lead {lead_id} erased")]
    assert erase_lead_by_id(lead_id, actor="staff:1") is False


def test_erase_also_drops_what_waits_in_the_spool(db_url):
    spool.append("save_lead", {"sender_id": "tg-7", "first_name": "Spooled"})
    spool.append("save_lead", {"sender_id": "tg-8", "first_name": "Someone else"})
    assert erase_lead("tg-7") is True
    assert [e.payload["sender_id"] for e in spool.pending_entries()] == ["tg-8"]


# --- /forget and the rest of the conversation: funnel rows, the Rasa tracker ------------------

EVENTS_TABLE = (
    "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255),"
    " type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255),"
    " action_name VARCHAR(255), data TEXT)"
)


def funnel_kinds(sender_id: str) -> list[str]:
    from leads.funnel import conversation_hash
    from leads.models import FunnelEvent

    with session_scope() as session:
        return sorted(
            session.scalars(
                select(FunnelEvent.kind).where(
                    FunnelEvent.conversation == conversation_hash(sender_id)
                )
            )
        )


def test_forget_deletes_that_conversations_funnel_rows_and_the_funnel_still_reports(db_url):
    for sender in ("tg-50", "tg-51"):
        for kind in ("started", "asked_question", "check_started"):
            record_funnel_event(kind, sender_id=sender, language="nl")
    save_lead(lead_input(sender_id="tg-50"))
    record_funnel_event("started", sender_id="tg-52", language="fr")  # never a lead

    assert erase_lead("tg-50") is True
    assert erase_lead("tg-52") is False  # no lead, but its funnel rows go all the same

    assert funnel_kinds("tg-50") == funnel_kinds("tg-52") == []
    assert funnel_kinds("tg-51") == ["asked_question", "check_started", "started"]
    [everyone, *_] = funnel_report(None, None)
    assert everyone.count("started") == 1 and everyone.count("check_started") == 1


@pytest.fixture
def tracker_db(db_url, postgresql_schema, monkeypatch) -> Iterator[tuple[str, TcpProxy]]:
    """Rasa's tracker table in PostgreSQL, reached through a proxy a test can stop."""
    proxy = TcpProxy(free_port(), (PG_HOST, PG_PORT))
    proxy.start()
    url = postgres_url(postgresql_schema, proxy.port)
    with get_engine(postgres_url(postgresql_schema)).begin() as connection:
        connection.execute(text(EVENTS_TABLE))
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    yield url, proxy
    proxy.stop()
    get_engine(url).dispose()
    with get_engine(postgres_url(postgresql_schema)).begin() as connection:
        connection.execute(text("DROP TABLE events"))  # Rasa's, not in our schema


def add_events(url: str, sender_id: str, *stamps: tuple[str, float]) -> None:
    with get_engine(url).begin() as connection:
        for type_name, stamp in stamps:
            connection.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data)"
                    " VALUES (:s, :t, :at, '{}')"
                ),
                {"s": sender_id, "t": type_name, "at": stamp},
            )


def tracker_events(url: str, sender_id: str) -> list[tuple[str, float]]:
    with get_engine(url).connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text("SELECT type_name, timestamp FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": sender_id},
            )
        ]


def pending() -> list[tuple[str, int]]:
    with session_scope() as session:
        return [(p.sender_id, p.attempts) for p in session.scalars(select(PendingErasure))]


def test_a_failed_tracker_erase_stays_pending_and_is_retried_until_it_succeeds(tracker_db):
    url, proxy = tracker_db
    now = time.time()
    add_events(url, "tg-60", ("user", now - 30), ("bot", now - 29))
    add_events(url, "tg-61", ("user", now - 10))
    save_lead(lead_input(sender_id="tg-60"))
    assert erase_lead("tg-60") is True
    assert pending() == [("tg-60", 0)]  # written with the erase itself

    proxy.stop()  # Rasa's database is unreachable when the bot erases the tracker
    try:
        with pytest.raises(OperationalError):
            erase_conversation("tg-60")
        assert retry_pending_erasures() == RetryReport(erased=0, failed=1)
        assert retry_pending_erasures() == RetryReport(erased=0, failed=1)
        assert pending() == [("tg-60", 2)]
    finally:
        proxy.start()
    dispose_engines()  # a restart: only the table remembers

    assert retry_pending_erasures() == RetryReport(erased=1, failed=0)
    assert tracker_events(url, "tg-60") == []
    assert tracker_events(url, "tg-61") == [("user", now - 10)]
    assert pending() == []
    assert retry_pending_erasures() == RetryReport(erased=0, failed=0)


def test_a_late_retry_keeps_a_conversation_started_after_the_forget(tracker_db):
    url, _proxy = tracker_db
    save_lead(lead_input(sender_id="tg-70"))
    before = time.time() - 60
    add_events(url, "tg-70", ("user", before), ("bot", before + 1))
    erase_lead("tg-70")
    after = time.time() + 5  # the person writes again before the retry ran
    add_events(url, "tg-70", ("bot", time.time() + 1), ("user", after), ("bot", after + 1))

    assert retry_pending_erasures().erased == 1
    assert tracker_events(url, "tg-70") == [("user", after), ("bot", after + 1)]


def test_the_bot_erases_at_once_and_clears_the_pending_erasure(tracker_db):
    url, _proxy = tracker_db
    add_events(url, "tg-80", ("user", time.time() - 5), ("bot", time.time() - 4))
    erase_lead("tg-80")  # a conversation without a lead is forgotten too
    assert pending() == [("tg-80", 0)]
    assert erase_conversation("tg-80") == 2
    assert tracker_events(url, "tg-80") == [] and pending() == []


def test_an_erase_spooled_during_an_outage_queues_the_tracker_erase_when_replayed(db_url):
    spool.append("erase_lead", {"sender_id": "tg-90", "actor": "user"})
    record_funnel_event("started", sender_id="tg-90", language="nl")
    assert replay.flush().written == 1
    assert pending() == [("tg-90", 0)] and funnel_kinds("tg-90") == []


def test_an_erase_while_a_replay_runs_is_spooled_behind_it_not_done_alongside(db_url, monkeypatch):
    """The replay lock not had in time (a long replay of the spool): erasing alongside could
    let a spooled save of the same person come back after it, so the erase is spooled and
    runs after the replay; retention waits for its next round."""
    import contextlib

    from leads import lead_store

    lead_id = save_lead(lead_input(sender_id="tg-51")).lead_id
    save_lead(lead_input(sender_id="tg-52"))
    spool.append("save_lead", {"sender_id": "tg-51", "first_name": "Spooled"})

    @contextlib.contextmanager
    def busy(timeout_s: float = 30.0):
        yield False

    with monkeypatch.context() as busy_lock:
        busy_lock.setattr(spool, "replay_lock", busy)
        busy_lock.setattr(lead_store, "ensure_background_flusher", lambda: None)
        assert erase_lead("tg-51") is True
        assert get_lead_by_sender("tg-51") is not None  # not yet: behind the replay
        other = get_lead_by_sender("tg-52")
        assert erase_lead_by_id(other.id, actor="staff:1") is True
        assert get_lead_by_sender("tg-52") is not None
        assert lead_store.erase_expired_leads({"new": utcnow() + timedelta(days=1)}) == []
    assert [e.op for e in spool.pending_entries()] == ["save_lead", "erase_lead", "erase_lead"]
    assert replay.flush_spool() == 3  # the save, then the erases after it
    assert get_lead_by_sender("tg-51") is None and get_lead_by_sender("tg-52") is None
    assert rows(Lead, lead_id) == 0
