"""Retention and tracker clean-up: every lead goes after the period of its status, with its
conversation; conversations without a lead go after theirs; the privacy notice states the
same periods the purge applies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, text, update

from actions.content import ContentError, content_slots, parse_content
from leads.audit import list_audit
from leads.db import get_engine, session_scope
from leads.lead_queue import change_status, get_lead_by_sender
from leads.lead_store import request_handoff, save_lead
from leads.models import STATUSES, Lead
from leads.paths import REPO_ROOT
from leads.retention import describe, purge
from leads.retention_policy import DEFAULT_DAYS, RetentionError, load_retention
from leads.trackers import conversation_transcript, erase_tracker, purge_trackers
from tests.leads.helpers import free_port, lead_input

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


# Distinct periods per status, so a lead purged by another status's period would show.
PERIODS = {status: 20 + 10 * index for index, status in enumerate(STATUSES)}
PERIODS["conversation"] = 14


@pytest.fixture
def content_file(tmp_path, monkeypatch):
    """The shipped facts sheet with our retention periods, as PASSERELLE_CONTENT."""
    facts = yaml.safe_load((REPO_ROOT / "content" / "facts.yml").read_text(encoding="utf-8"))
    facts["privacy"]["retention_days"] = dict(PERIODS)
    path = tmp_path / "facts.yml"
    path.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PASSERELLE_CONTENT", str(path))
    return path


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_is_kept_exactly_as_long_as_the_notice_says(tracker_url, content_file, status):
    days = PERIODS[status]
    # What the privacy notice tells the young person, in every language...
    for language in ("nl", "fr", "en"):
        assert content_slots(language)[f"c_retention_{status}_days"] == str(days)
    # ...is what the purge does: a lead unchanged for longer goes, with its conversation.
    for sender, age in (("tg-expired", days + 1), ("tg-kept", days - 1)):
        save_lead(lead_input(sender, status=status, qualified=status != "nurture"))
        age_lead(sender, age)
        add_event(tracker_url, sender, NOW - timedelta(days=1))  # talked recently
    expired_id = get_lead_by_sender("tg-expired").id

    report = purge(NOW, tracker_url=tracker_url)

    assert report.erased_lead_ids == [expired_id]
    assert report.erased_by_status == {status: 1} and report.transcripts_erased == 1
    assert get_lead_by_sender("tg-expired") is None
    assert get_lead_by_sender("tg-kept") is not None
    assert senders(tracker_url) == ["tg-kept"]  # the transcript went with its lead
    assert [a.message for a in list_audit(target=f"lead {expired_id}")] == [
        f"lead {expired_id} erased (retention)"
    ]


def test_the_period_is_the_one_of_the_current_status(tracker_url, content_file):
    assert PERIODS["contacted"] < PERIODS["nurture"]
    save_lead(lead_input("tg-1", status="nurture", qualified=False))
    lead = get_lead_by_sender("tg-1")
    change_status(lead.id, "contacted", expected_version=lead.version, actor_id=None)
    age_lead("tg-1", PERIODS["contacted"] + 1)  # within nurture's period, past contacted's
    assert purge(NOW, tracker_url=tracker_url).erased_by_status == {"contacted": 1}


def test_conversations_without_a_lead_go_after_the_conversation_period(tracker_url, content_file):
    assert content_slots("fr")["c_retention_conversation_days"] == "14"
    save_lead(lead_input("tg-lead", status="new"))
    add_event(tracker_url, "tg-lead", NOW - timedelta(days=200))  # a lead keeps its chat
    add_event(tracker_url, "try-old", NOW - timedelta(days=15))
    add_event(tracker_url, "try-old", NOW - timedelta(days=45))
    add_event(tracker_url, "try-recent", NOW - timedelta(days=40))
    add_event(tracker_url, "try-recent", NOW - timedelta(days=13))

    report = purge(NOW, tracker_url=tracker_url)

    assert report.leads_erased == 0 and report.conversations_purged == 1
    assert senders(tracker_url) == ["tg-lead", "try-recent"]


def test_a_pending_handoff_does_not_stop_the_clock(tracker_url):
    save_lead(lead_input("tg-1", status="nurture", qualified=False))
    request_handoff("tg-1", language="fr", campaign=None)
    age_lead("tg-1", 181)
    assert purge(NOW, tracker_url=tracker_url).erased_by_status == {"nurture": 1}


def test_every_status_has_a_period_and_the_defaults_are_product_s(monkeypatch, tmp_path):
    assert set(DEFAULT_DAYS) == set(STATUSES) | {"conversation"}
    monkeypatch.setenv("PASSERELLE_CONTENT", str(tmp_path / "missing.yml"))
    policy = load_retention()
    assert (policy.days_for("nurture"), policy.conversation_days) == (180, 30)  # PRODUCT §7
    shipped = yaml.safe_load((REPO_ROOT / "content" / "facts.yml").read_text(encoding="utf-8"))
    assert set(shipped["privacy"]["retention_days"]) == set(DEFAULT_DAYS)  # all written out


@pytest.mark.parametrize(
    "periods, problem",
    [
        ({"nurture": "soon"}, "retention_days.nurture: expected a whole number"),
        ({"declined": 0}, "retention_days.declined: expected a whole number"),
        ({"not-suitable": 30}, "unknown not-suitable"),
        ([30], "expected a mapping"),
    ],
)
def test_a_wrong_period_is_an_error_for_the_purge_and_the_notice(content_file, periods, problem):
    facts = yaml.safe_load(content_file.read_text(encoding="utf-8"))
    facts["privacy"]["retention_days"] = periods
    content_file.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RetentionError, match=problem):
        load_retention()
    with pytest.raises(RetentionError, match=problem):
        purge(NOW)
    with pytest.raises(ContentError, match=problem):
        parse_content(facts)


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


def test_leads_are_erased_and_the_operator_told_when_the_tracker_database_is_down(db_url):
    save_lead(lead_input("tg-1", status="declined"))
    age_lead("tg-1", 31)
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"  # nobody listens
    report = purge(NOW, tracker_url=down)
    assert report.erased_by_status == {"declined": 1} and get_lead_by_sender("tg-1") is None
    assert (report.transcripts_failed, report.trackers_unreachable) == (1, True)
    assert "tracker database was unreachable" in describe(report)
