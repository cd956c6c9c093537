"""Funnel events: anonymous, once per conversation and step, and the report built on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from leads.db import session_scope
from leads.funnel import FUNNEL_STEPS, conversation_hash, funnel_report, record_funnel_event
from leads.lead_queue import change_status, get_lead
from leads.lead_store import save_lead
from leads.models import FunnelEvent, Lead
from tests.leads.helpers import free_port, lead_input


def events() -> list[FunnelEvent]:
    with session_scope() as session:
        return list(session.scalars(select(FunnelEvent)))


def test_events_are_idempotent_per_conversation_and_kind(db_url):
    for _ in range(3):
        record_funnel_event("started", sender_id="tg-1", language="nl", campaign="c1")
    record_funnel_event("asked_question", sender_id="tg-1", language="nl")
    record_funnel_event("started", sender_id="tg-2", language="fr")
    kinds = sorted((e.kind, e.language) for e in events())
    assert kinds == [("asked_question", "nl"), ("started", "fr"), ("started", "nl")]


def test_events_are_anonymous(db_url):
    record_funnel_event("started", sender_id="tg-123456789", language="en")
    [event] = events()
    assert "123456789" not in event.conversation
    assert event.conversation == conversation_hash("tg-123456789")
    assert len(event.conversation) == 64
    with session_scope() as session:
        dump = " ".join(
            str(v) for row in session.execute(select(FunnelEvent.__table__)) for v in row
        )
    assert "tg-123456789" not in dump


def test_the_salt_changes_the_hash(db_url, monkeypatch):
    salted = conversation_hash("tg-1")
    monkeypatch.setenv("FUNNEL_SALT", "another-salt")
    assert conversation_hash("tg-1") != salted


def test_without_env_salt_a_random_salt_is_kept_in_var(monkeypatch, tmp_path):
    from leads.funnel import reset_salt_cache

    monkeypatch.delenv("FUNNEL_SALT")
    first = conversation_hash("tg-1")
    reset_salt_cache()
    assert conversation_hash("tg-1") == first  # read back from the file
    salt_file = tmp_path / "var" / "funnel_salt"
    assert len(salt_file.read_bytes()) >= 32
    assert salt_file.stat().st_mode & 0o077 == 0


def test_bad_kinds_and_database_errors_never_raise(db_url, monkeypatch):
    record_funnel_event("no_such_step", sender_id="tg-1")
    nothing_listens = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    monkeypatch.setenv("DATABASE_URL", nothing_listens)
    record_funnel_event("started", sender_id="tg-1")  # logged, not raised
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert events() == []


def test_report_counts_rates_and_groups(db_url):
    journeys = {
        "tg-1": (
            "c1",
            "nl",
            ["started", "asked_question", "check_started", "check_completed", "qualified"],
        ),
        "tg-2": ("c1", "nl", ["started", "asked_question", "check_started"]),
        "tg-3": ("c1", "fr", ["started"]),
        "tg-4": (None, "en", ["started", "check_started", "check_completed", "qualified"]),
    }
    for sender, (campaign, language, kinds) in journeys.items():
        for kind in kinds:
            record_funnel_event(kind, sender_id=sender, language=language, campaign=campaign)
    one = get_lead(save_lead(lead_input("tg-1", campaign="c1", language="nl")).lead_id)
    four = get_lead(save_lead(lead_input("tg-4", campaign=None, language="en")).lead_id)
    one = change_status(one.id, "contacted", expected_version=one.version, actor_id=None)
    change_status(one.id, "enrolled", expected_version=one.version, actor_id=None)
    change_status(four.id, "invited", expected_version=four.version, actor_id=None)

    today = datetime.now(UTC).date()
    report = funnel_report(today - timedelta(days=1), today)
    rows = {(row.dimension, row.value): row for row in report}

    total = rows[("all", "all")]
    assert [s.name for s in total.steps] == list(FUNNEL_STEPS)
    assert [s.count for s in total.steps] == [4, 2, 3, 2, 2, 0, 0, 2, 1]
    asked = total.steps[1]
    assert asked.rate_from_previous == 0.5 and asked.rate_from_start == 0.5
    assert total.steps[0].rate_from_previous is None
    assert total.steps[2].rate_from_previous == 1.5  # a check can start without a question

    assert [s.count for s in rows[("campaign", "c1")].steps] == [3, 2, 2, 1, 1, 0, 0, 1, 1]
    assert [s.count for s in rows[("campaign", "(none)")].steps] == [1, 0, 1, 1, 1, 0, 0, 1, 0]
    assert rows[("language", "fr")].count("started") == 1
    assert rows[("language", "nl")].count("enrolled") == 1
    assert [r.dimension for r in report][:2] == ["all", "campaign"]
    assert [r.value for r in report if r.dimension == "language"] == ["nl", "fr", "en"]

    only_c1 = {(r.dimension, r.value) for r in funnel_report(None, None, campaign="c1")}
    assert only_c1 == {("all", "all"), ("campaign", "c1"), ("language", "nl"), ("language", "fr")}
    only_en = funnel_report(None, None, language="en")[0]
    assert only_en.count("started") == 1 and only_en.count("contacted") == 1


def test_report_respects_the_date_range(db_url):
    record_funnel_event("started", sender_id="tg-old", language="nl")
    record_funnel_event("started", sender_id="tg-new", language="nl")
    with session_scope() as session:
        old = datetime(2025, 1, 10, 12, tzinfo=UTC)
        session.execute(
            update(FunnelEvent)
            .where(FunnelEvent.conversation == conversation_hash("tg-old"))
            .values(at=old)
        )
        session.execute(update(Lead).values(created_at=old))
    january = funnel_report(date(2025, 1, 10), date(2025, 1, 10))[0]
    assert january.count("started") == 1
    assert funnel_report(date(2025, 1, 11), None)[0].count("started") == 1
    empty = funnel_report(date(2020, 1, 1), date(2020, 1, 2))
    assert [(r.dimension, r.count("started")) for r in empty] == [("all", 0)]
    assert empty[0].steps[1].rate_from_previous is None
