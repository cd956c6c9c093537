"""Info sessions as data: validation, what the bot offers (near, in the language, not full),
bookings with their reminders, and the FAQ's dates read from the database."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from actions import session_dates
from leads import bookings, outbox
from leads.db import get_engine, session_scope
from leads.migrate import upgrade
from leads.outbox import OutboxMessage
from leads.paths import REPO_ROOT
from leads.sessions import (
    BRUSSELS,
    SessionFull,
    SessionInput,
    SessionNotFound,
    create_session,
    list_sessions,
    upcoming,
    validate,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def new_session(
    days: int,
    campus: str | None = "brussels",
    languages=("fr", "en"),
    capacity: int = 20,
    hour: int = 18,
) -> int:
    local = (NOW + timedelta(days=days)).astimezone(BRUSSELS).replace(hour=hour, minute=0)
    data = SessionInput(
        starts_at=local,
        campus=campus,
        languages=tuple(languages),
        capacity=capacity,
        online_url="" if campus else "https://meet.example.org/x",
    )
    return create_session(data).id


def payload(booking, session, which: str) -> dict:
    return {"text": f"{which} {booking.language}", "buttons": [[["ok", "/confirm_booking"]]]}


def test_the_migration_seeds_the_facts_files_session_dates(tmp_path):
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    upgrade(url)
    from leads.sessions import InfoSession

    with get_engine(url).connect() as connection:
        rows = connection.execute(select(InfoSession.starts_at, InfoSession.campus)).all()
    assert [(str(r.starts_at)[:10], r.campus) for r in rows] == [
        ("2026-12-09", "brussels"),
        ("2027-01-13", "ghent"),
    ]


def test_staff_mistakes_are_said_in_plain_words():
    bad = SessionInput(starts_at=NOW, campus=None, languages=(), capacity=0)
    assert validate(bad) == [
        "An online session needs its link (https://…).",
        "Tick at least one language.",
        "The capacity is a number of seats between 1 and 1000.",
    ]


def test_the_bot_offers_sessions_near_the_campus_in_the_language_and_not_full(db_url):
    far = new_session(2, campus="liege", languages=("fr",))
    full = new_session(3, campus="brussels", capacity=1)
    near = new_session(4, campus="brussels")
    online = new_session(5, campus=None, languages=("nl", "fr", "en"))
    dutch = new_session(6, campus="brussels", languages=("nl",))
    bookings.book(full, "tg-1", 1, "fr", payload, now=NOW)
    offered = [s.id for s in upcoming(NOW, campus="brussels", language="fr")]
    assert offered == [near, online, far]  # at the campus or online first
    assert [s.id for s in upcoming(NOW, campus="antwerp", language="nl")] == [online, dutch]
    assert [s.id for s in upcoming(NOW, language="fr", limit=1)] == [far]
    with pytest.raises(SessionFull):
        bookings.book(full, "tg-2", 2, "fr", payload, now=NOW)


def test_booking_queues_two_reminders_and_rebooking_moves_them(db_url):
    first = new_session(3)
    second = new_session(5)
    booking, session = bookings.book(first, "tg-7", 7, "fr", payload, now=NOW)
    assert session.taken == 1
    with session_scope() as db:
        rows = db.scalars(select(OutboxMessage).order_by(OutboxMessage.due_at)).all()
        assert [(r.kind, r.key, r.due_at) for r in rows] == [
            ("reminder", f"booking:{booking.id}:24h", session.starts_at - timedelta(hours=24)),
            ("reminder", f"booking:{booking.id}:2h", session.starts_at - timedelta(hours=2)),
        ]
    again, _ = bookings.book(first, "tg-7", 7, "fr", payload, now=NOW)
    assert again.id == booking.id  # the same button pressed twice
    moved, _ = bookings.book(second, "tg-7", 7, "fr", payload, now=NOW)
    assert outbox.batch_counts(f"booking:{booking.id}") == {"cancelled": 2}
    assert outbox.batch_counts(f"booking:{moved.id}") == {"pending": 2}
    counts = {s.id: s.counts for s in list_sessions()}
    assert counts[first] == {"cancelled": 1} and counts[second] == {"booked": 1}
    confirmed, _ = bookings.confirm("tg-7")
    assert confirmed.state == "confirmed"
    cancelled, _ = bookings.cancel("tg-7")
    assert cancelled.state == "cancelled" and bookings.active_for("tg-7") is None
    assert outbox.batch_counts(f"booking:{moved.id}") == {"cancelled": 2}


def test_a_closed_or_past_session_cannot_be_booked(db_url):
    from leads.sessions import set_active

    closed = new_session(3)
    set_active(closed, False)
    with pytest.raises(SessionNotFound):
        bookings.book(closed, "tg-1", 1, "fr", payload, now=NOW)
    with pytest.raises(SessionNotFound):
        bookings.book(new_session(1), "tg-1", 1, "fr", payload, now=NOW + timedelta(days=3))


def test_the_faq_dates_come_from_the_database(db_url, monkeypatch):
    monkeypatch.setenv("PASSERELLE_CONTENT", str(REPO_ROOT / "content" / "facts.yml"))
    session_dates.clear_cache()
    monkeypatch.setattr(session_dates, "utcnow", lambda: NOW)
    assert session_dates.refresh("fr", NOW.date()) is None  # the facts file speaks then
    new_session(8, campus="brussels", languages=("fr", "en", "nl"))
    new_session(9, campus=None, languages=("fr", "en", "nl"), hour=19)
    session_dates.clear_cache()
    today = date(2026, 12, 1)
    for language in ("nl", "fr", "en"):
        session_dates.refresh(language, today)
    assert session_dates.upcoming_text("nl", today) == (
        "woensdag 9 december om 18 uur in Brussel en donderdag 10 december om 19 uur, online"
    )
    assert session_dates.upcoming_text("fr", today) == (
        "mercredi 9 décembre à 18 h à Bruxelles et jeudi 10 décembre à 19 h, en ligne"
    )
    assert session_dates.upcoming_text("en", today) == (
        "Wednesday 9 December at 6 pm in Brussels and Thursday 10 December at 7 pm, online"
    )


def test_with_nothing_cached_the_dates_are_read_in_a_thread_not_in_line(db_url, monkeypatch):
    """An empty cache (a start, a new day) never reads the database on the event loop: the
    facts file speaks until the thread has read it."""
    import threading

    monkeypatch.setenv("PASSERELLE_CONTENT", str(REPO_ROOT / "content" / "facts.yml"))
    monkeypatch.setattr(session_dates, "utcnow", lambda: NOW)
    new_session(8, campus="brussels", languages=("fr", "en", "nl"))
    session_dates.clear_cache()
    stalled, read_in = threading.Event(), []
    real_read = session_dates._read

    def slow_read(language, today):
        read_in.append(threading.current_thread())
        stalled.wait(5)
        return real_read(language, today)

    monkeypatch.setattr(session_dates, "_read", slow_read)
    today = date(2026, 12, 1)
    assert session_dates.upcoming_text("fr", today) is None  # not waited for
    assert session_dates.upcoming_text("fr", today) is None  # one read at a time
    stalled.set()
    for _ in range(100):
        if session_dates.upcoming_text("fr", today):
            break
        time.sleep(0.05)
    assert session_dates.upcoming_text("fr", today).startswith("mercredi 9 décembre")
    assert len(read_in) == 1 and read_in[0] is not threading.main_thread()


def test_a_booking_without_a_telegram_chat_gets_no_reminders(db_url):
    booking, _ = bookings.book(new_session(3), "try-abc", None, "nl", payload, now=NOW)
    assert booking.chat_id == "" and outbox.rows_for() == []
