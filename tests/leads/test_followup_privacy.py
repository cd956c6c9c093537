"""Privacy of the follow-ups: erasing a lead (the person's /forget, staff, retention) takes
its bookings and queued messages with it, and retention removes old bookings and sent
messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from leads import bookings, chat_flags, outbox
from leads.db import session_scope
from leads.lead_store import erase_lead, save_lead
from leads.models import utcnow
from leads.retention import purge_followups
from leads.sessions import Booking, SessionInput, create_session
from tests.leads.helpers import lead_input


def reminder(booking, session, which) -> dict:
    return {"text": which}


def session_at(days: float) -> int:
    return create_session(
        SessionInput(starts_at=utcnow() + timedelta(days=days), campus="ghent", languages=("nl",))
    ).id


def booking_count(sender_id: str) -> int:
    with session_scope() as session:
        return session.scalar(
            select(func.count()).select_from(Booking).where(Booking.sender_id == sender_id)
        )


def test_erasing_a_lead_erases_its_bookings_and_waiting_messages(db_url, monkeypatch):
    monkeypatch.setenv("CRM_WEBHOOK_URL", "https://crm.example.org/hook")
    save_lead(lead_input("tg-31"))
    save_lead(lead_input("tg-32"))
    session_id = session_at(3)
    bookings.book(session_id, "tg-31", 31, "nl", reminder)
    bookings.book(session_id, "tg-32", 32, "nl", reminder)
    outbox.enqueue("nudge", 31, "nudge:1", {"text": "x"}, sender_id="tg-31")
    assert erase_lead("tg-31")
    assert booking_count("tg-31") == 0 and booking_count("tg-32") == 1
    assert outbox.rows_for(sender_id="tg-31") == []
    assert len(outbox.rows_for(sender_id="tg-32")) == 2  # the other person's reminders stay
    erased = [r for r in outbox.rows_for(kind="webhook") if r.batch == "lead:1"]
    assert erased  # the CRM hears that the lead is gone (ids only)


def test_forget_without_a_lead_still_erases_bookings_and_messages(db_url):
    bookings.book(session_at(3), "tg-33", 33, "fr", reminder)
    chat_flags.opt_out(33)
    assert bookings.forget("tg-33") == 1
    assert outbox.forget("tg-33") == 2
    assert booking_count("tg-33") == 0 and not chat_flags.left_alone(33)


def test_retention_removes_old_bookings_and_finished_messages(db_url):
    old, coming = session_at(-40), session_at(3)
    with session_scope(write=True) as session:  # a booking made before the session
        session.add(
            Booking(
                session_id=old,
                sender_id="tg-34",
                chat_id="34",
                language="nl",
                state="attended",
                consent_at=utcnow() - timedelta(days=45),
            )
        )
    bookings.book(coming, "tg-35", 35, "nl", reminder)
    outbox.enqueue("nudge", 36, "nudge:1", {"text": "x"})
    [row] = outbox.claim_due(utcnow(), "w")
    outbox.mark_sent(row.id, utcnow())
    removed = purge_followups(utcnow() + timedelta(days=1))
    assert removed == 2  # the old booking and the sent nudge; the waiting reminders stay
    assert booking_count("tg-34") == 0 and booking_count("tg-35") == 1
    assert {r.kind for r in outbox.rows_for()} == {"reminder"}


def outbox_rows_of_chat(chat_id: int) -> list:
    return [r for r in outbox.rows_for() if r.target == str(chat_id)]


def test_forget_without_a_lead_erases_bookings_messages_and_flags_in_the_erase(db_url):
    """/forget (leads.lead_store.erase_lead) takes them in its own transaction: nothing is
    left for a second, after-the-fact call to remove."""
    bookings.book(session_at(3), "tg-37", 37, "fr", reminder)
    outbox.enqueue("nudge", 37, "nudge:1", {"text": "x"}, sender_id="tg-37")
    outbox.enqueue("staff_reply", 37, "reply:1", {"text": "Bonjour Yasmine"})  # no sender id
    chat_flags.opt_out(37)
    bookings.book(session_at(3), "tg-38", 38, "fr", reminder)
    erase_lead("tg-37")  # no lead: the follow-ups go all the same
    assert booking_count("tg-37") == 0 and outbox_rows_of_chat(37) == []
    assert not chat_flags.left_alone(37)
    with session_scope() as session:
        assert session.get(chat_flags.ChatFlag, "37") is None
    assert booking_count("tg-38") == 1 and len(outbox_rows_of_chat(38)) == 2


def test_a_staff_erase_takes_bookings_queued_messages_and_flags(db_url):
    from leads.lead_store import erase_lead_by_id

    saved = save_lead(lead_input("tg-39"))
    bookings.book(session_at(3), "tg-39", 39, "nl", reminder)
    outbox.enqueue("staff_reply", 39, "reply:1", {"text": "Dag Tom, bel ons"})
    chat_flags.chat_blocked(39)
    assert erase_lead_by_id(saved.lead_id, actor="staff:1")
    assert booking_count("tg-39") == 0 and outbox_rows_of_chat(39) == []
    with session_scope() as session:
        assert session.get(chat_flags.ChatFlag, "39") is None


def test_a_spooled_forget_takes_them_when_it_is_replayed(db_url):
    from leads import spool
    from leads.replay import flush_spool

    bookings.book(session_at(3), "tg-40", 40, "nl", reminder)
    outbox.enqueue("nudge", 40, "nudge:1", {"text": "x"}, sender_id="tg-40")
    spool.append("erase_lead", {"sender_id": "tg-40", "actor": "user"})
    assert flush_spool() == 1
    assert booking_count("tg-40") == 0 and outbox_rows_of_chat(40) == []
