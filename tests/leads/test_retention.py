"""Retention and tracker clean-up: old nurture leads and lead-less conversations go."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, text, update

from leads import repository as repo
from leads.db import get_engine, session_scope
from leads.models import Lead
from leads.retention import purge, retention_days
from leads.trackers import conversation_transcript, erase_tracker, purge_trackers
from tests.leads.helpers import lead_input

NOW = datetime(2025, 9, 1, 12, tzinfo=UTC)

# The table Rasa 3.6's SQLTrackerStore creates (rasa/core/tracker_store.py, SQLEvent).
EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@pytest.fixture
def tracker_url(db_url):
    """Rasa's `events` table, in a database of the same kind as the lead store."""
    engine = get_engine(db_url)
    EVENTS.drop(engine, checkfirst=True)
    EVENTS.create(engine)
    yield db_url
    EVENTS.drop(engine)


def add_event(url, sender_id, when, type_name="user", message="hello"):
    data = json.dumps({"event": type_name, "text": message, "timestamp": when.timestamp()})
    with get_engine(url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO events (sender_id, type_name, timestamp, data)"
                " VALUES (:s, :t, :ts, :d)"
            ),
            {"s": sender_id, "t": type_name, "ts": when.timestamp(), "d": data},
        )


def senders(url):
    with get_engine(url).connect() as connection:
        return sorted(connection.execute(text("SELECT DISTINCT sender_id FROM events")).scalars())


def age_lead(sender_id, days):
    with session_scope() as session:
        session.execute(
            update(Lead)
            .where(Lead.sender_id == sender_id)
            .values(updated_at=NOW - timedelta(days=days))
        )


def test_purge_erases_old_nurture_leads_and_old_leadless_conversations(tracker_url):
    repo.save_lead(lead_input("tg-old-nurture", status="nurture", qualified=False))
    repo.save_lead(lead_input("tg-new-nurture", status="nurture", qualified=False))
    repo.save_lead(lead_input("tg-old-new", status="new"))
    repo.save_lead(lead_input("tg-old-handoff", status="nurture", qualified=False))
    repo.request_handoff("tg-old-handoff", language="fr", campaign=None)
    age_lead("tg-old-nurture", 181)
    age_lead("tg-new-nurture", 179)
    age_lead("tg-old-new", 400)
    age_lead("tg-old-handoff", 400)
    old_id = repo.get_lead_by_sender("tg-old-nurture").id

    add_event(tracker_url, "tg-old-nurture", NOW - timedelta(days=200))
    add_event(tracker_url, "tg-old-new", NOW - timedelta(days=200))
    add_event(tracker_url, "try-old", NOW - timedelta(days=31))
    add_event(tracker_url, "try-old", NOW - timedelta(days=45))
    add_event(tracker_url, "try-recent", NOW - timedelta(days=40))
    add_event(tracker_url, "try-recent", NOW - timedelta(days=2))

    report = purge(NOW, tracker_url=tracker_url)

    assert report.leads_erased == 1
    assert report.conversations_purged == 2  # try-old and the erased lead's conversation
    assert repo.get_lead_by_sender("tg-old-nurture") is None
    remaining = {row.sender_id for row in repo.list_leads(None, 1, 50).items}
    assert remaining == {"tg-new-nurture", "tg-old-new", "tg-old-handoff"}
    assert senders(tracker_url) == ["tg-old-new", "try-recent"]
    assert [a.message for a in repo.list_audit(target=f"lead {old_id}")] == [
        f"lead {old_id} erased (retention)"
    ]


def test_retention_periods_come_from_the_environment(db_url, monkeypatch):
    assert (retention_days("nurture"), retention_days("conversation")) == (180, 30)
    monkeypatch.setenv("NURTURE_RETENTION_DAYS", "90")
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "7")
    assert (retention_days("nurture"), retention_days("conversation")) == (90, 7)
    monkeypatch.setenv("NURTURE_RETENTION_DAYS", "soon")
    assert retention_days("nurture") == 180
    repo.save_lead(lead_input("tg-n", status="nurture", qualified=False))
    age_lead("tg-n", 100)
    monkeypatch.setenv("NURTURE_RETENTION_DAYS", "90")
    assert purge(NOW).leads_erased == 1


def test_retention_periods_from_the_content_file(monkeypatch, tmp_path):
    content = tmp_path / "facts.yml"
    content.write_text("retention:\n  nurture_days: 365\n  conversation_days: 14\n")
    monkeypatch.setenv("PASSERELLE_CONTENT", str(content))
    assert (retention_days("nurture"), retention_days("conversation")) == (365, 14)


def test_erase_tracker_removes_one_conversation(tracker_url):
    add_event(tracker_url, "tg-1", NOW, message="my phone is 0470 12 34 56")
    add_event(tracker_url, "tg-1", NOW, type_name="bot", message="Thanks!")
    add_event(tracker_url, "tg-2", NOW)
    assert erase_tracker("tg-1", url=tracker_url) == 2
    assert senders(tracker_url) == ["tg-2"]
    assert erase_tracker("tg-1", url=tracker_url) == 0


def test_transcript_reads_user_and_bot_messages_in_order(tracker_url):
    add_event(tracker_url, "tg-1", NOW, message="Is it free?")
    add_event(tracker_url, "tg-1", NOW, type_name="action", message="")
    add_event(
        tracker_url,
        "tg-1",
        NOW + timedelta(seconds=1),
        type_name="bot",
        message="Yes, completely free.",
    )
    lines = conversation_transcript("tg-1", url=tracker_url)
    assert [(line.speaker, line.text) for line in lines] == [
        ("user", "Is it free?"),
        ("bot", "Yes, completely free."),
    ]
    assert lines[1].at == NOW + timedelta(seconds=1)


def test_tracker_functions_work_before_rasa_created_its_table(tmp_path):
    missing = f"sqlite:///{tmp_path / 'no-tracker-yet.db'}"
    assert erase_tracker("tg-1", url=missing) == 0
    assert purge_trackers(30, set(), url=missing) == 0
    assert conversation_transcript("tg-1", url=missing) == []
