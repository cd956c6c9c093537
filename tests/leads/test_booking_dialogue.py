"""Booking in the chat (actions/booking.py) and the nudges (actions/nudges.py), run as the
action server runs them, on the real databases: offer, consent, book with a calendar file,
reminders queued in the person's language, confirm, cancel → other dates, opt-out, nudges
inside the waking hours."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import booking, nudges, store
from leads import chat_flags, outbox
from leads.db import session_scope
from leads.lead_store import save_lead
from leads.models import FunnelEvent, utcnow
from leads.outbox import OutboxMessage
from leads.paths import REPO_ROOT
from leads.sessions import BRUSSELS, SessionInput, create_session
from tests.leads.helpers import lead_input

CHAT = 4242
SENDER = f"tg-{CHAT}"


@pytest.fixture(autouse=True)
def shipped_facts(monkeypatch):
    monkeypatch.setenv("PASSERELLE_CONTENT", str(REPO_ROOT / "content" / "facts.yml"))


def tracker(
    intent: str = "book_session",
    entities: dict | None = None,
    language: str = "fr",
    campus: str | None = "brussels",
    active_loop: str | None = None,
    slots: dict | None = None,
) -> Tracker:
    latest = {
        "intent": {"name": intent},
        "text": f"/{intent}",
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }
    all_slots = {"language": language, "campus": campus, **(slots or {})}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(
        SENDER,
        all_slots,
        latest,
        [{"event": "user", "parse_data": latest}],
        False,
        None,
        loop,
        "action_listen",
    )


def session_in(days: int, campus: str | None = "brussels", capacity: int = 20) -> int:
    start = (
        (utcnow() + timedelta(days=days))
        .astimezone(BRUSSELS)
        .replace(hour=18, minute=0, second=0, microsecond=0)
    )
    return create_session(
        SessionInput(
            starts_at=start,
            campus=campus,
            languages=("fr", "en", "nl"),
            capacity=capacity,
            address="Rue de l'Exemple 1, 1000 Bruxelles",
            directions="Métro Arts-Loi, 2e étage",
            online_url="" if campus else "https://meet.example.org/info",
        )
    ).id


async def run(action, tracker: Tracker) -> list[dict]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker, {})
    store.drain()  # the funnel counts it wrote in the background
    return dispatcher.messages


async def test_the_offer_lists_the_next_sessions_as_buttons(db_url):
    first, second = session_in(3), session_in(5, campus=None)
    [message] = await run(booking.ActionBookSession(), tracker())
    assert message["response"] == "utter_sessions_offer"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == [
        f'/book_session{{"session_id":"{first}"}}',
        f'/book_session{{"session_id":"{second}"}}',
        "/choose_topic",
    ]
    assert message["buttons"][0]["title"].endswith("à 18 h à Bruxelles")


async def test_no_session_planned_says_so_with_a_next_step(db_url):
    [message] = await run(booking.ActionBookSession(), tracker())
    assert message["response"] == "utter_sessions_none"


async def test_without_the_checks_consent_the_booking_asks_first(db_url):
    session_id = session_in(3)
    [message] = await run(
        booking.ActionBookSession(), tracker(entities={"session_id": str(session_id)})
    )
    assert message["response"] == "utter_booking_consent"
    assert message["session_id"] == str(session_id)
    [declined] = await run(booking.ActionBookSession(), tracker(entities={"booking_consent": "no"}))
    assert declined["response"] == "utter_booking_no_consent"
    assert outbox.rows_for(sender_id=SENDER) == []


async def test_booking_confirms_with_details_and_a_calendar_file_and_queues_reminders(db_url):
    save_lead(lead_input(SENDER, language="fr"))  # the check's consent covers it
    chat_flags.opt_out(CHAT)  # an earlier "stop": booking asks for the reminders again
    session_id = session_in(3)
    confirmed, document = await run(
        booking.ActionBookSession(), tracker(entities={"session_id": str(session_id)})
    )
    assert confirmed["response"] == "utter_booking_confirmed"
    assert confirmed["place"] == "Bruxelles, Rue de l'Exemple 1, 1000 Bruxelles"
    assert confirmed["directions"] == "Métro Arts-Loi, 2e étage"
    assert "à 18 h" in confirmed["when"]
    custom = document["custom"]
    assert custom["passerelle"] == "send_document" and custom["filename"] == "seance-info.ics"
    event = Calendar.from_ical(base64.b64decode(custom["content_b64"])).walk("VEVENT")[0]
    assert event.decoded("dtstart").astimezone(BRUSSELS).hour == 18
    assert str(event["summary"]) == "Séance d'info Passerelle"
    assert "Arts-Loi" in str(event["description"])
    assert not chat_flags.left_alone(CHAT)
    with session_scope() as db:
        rows = db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "reminder")
            .order_by(OutboxMessage.due_at)
        ).all()
        assert len(rows) == 2
        assert rows[0].payload["text"].startswith("Salut ! 👋 Demain, c'est ta séance d'info")
        assert rows[1].payload["text"].startswith("Ta séance d'info commence dans 2 heures")
        assert [b[0][1] for b in rows[0].payload["buttons"]] == [
            "/confirm_booking",
            "/cancel_booking",
        ]
        assert db.scalar(select(FunnelEvent.kind).where(FunnelEvent.kind == "booked"))


async def test_a_full_session_is_not_booked_and_other_dates_are_offered(db_url):
    full, other = session_in(3, capacity=1), session_in(4)
    save_lead(lead_input("tg-1", language="fr"))
    from leads import bookings

    bookings.book(full, "tg-1", 1, "fr", booking.reminder_payload)
    save_lead(lead_input(SENDER))
    [message] = await run(booking.ActionBookSession(), tracker(entities={"session_id": str(full)}))
    assert message["response"] == "utter_booking_full"
    assert [b["payload"] for b in message["buttons"]][:1] == [
        f'/book_session{{"session_id":"{other}"}}'
    ]


async def test_im_coming_and_i_cant_make_it(db_url):
    first, second = session_in(3), session_in(6)
    [none] = await run(booking.ActionConfirmBooking(), tracker("confirm_booking"))
    assert none["response"] == "utter_booking_none"
    save_lead(lead_input(SENDER))
    await run(booking.ActionBookSession(), tracker(entities={"session_id": str(first)}))
    [coming] = await run(booking.ActionConfirmBooking(), tracker("confirm_booking"))
    assert coming["response"] == "utter_booking_see_you"
    cancelled, other_dates = await run(booking.ActionCancelBooking(), tracker("cancel_booking"))
    assert cancelled["response"] == "utter_booking_cancelled"
    assert other_dates["response"] == "utter_sessions_other_date"
    assert [b["payload"] for b in other_dates["buttons"]][0] == (
        f'/book_session{{"session_id":"{second}"}}'
    )
    assert {r.state for r in outbox.rows_for(kind="reminder")} == {"cancelled"}


async def test_stop_messages_opts_out_and_cancels_what_waits(db_url):
    nudges.schedule(SENDER, CHAT, "nl")
    [message] = await run(booking.ActionStopMessages(), tracker("stop_messages"))
    assert message["response"] == "utter_messages_stopped"
    assert chat_flags.left_alone(CHAT)
    assert {r.state for r in outbox.rows_for(kind="nudge")} == {"cancelled"}


# --- nudges ------------------------------------------------------------------------------


def brussels(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BRUSSELS)


def test_quiet_hours_move_a_nudge_to_nine():
    assert outbox.out_of_quiet_hours(brussels(8, 20, 59)) == brussels(8, 20, 59)
    assert outbox.out_of_quiet_hours(brussels(8, 21, 0)) == brussels(9, 9)
    assert outbox.out_of_quiet_hours(brussels(9, 3, 0)) == brussels(9, 9)
    assert outbox.out_of_quiet_hours(brussels(9, 9, 0)) == brussels(9, 9)


def test_the_hours_are_configurable(monkeypatch):
    monkeypatch.setenv("NUDGE_AFTER_HOURS", "12, 48")
    assert nudges.nudge_hours() == (12.0, 48.0)
    monkeypatch.setenv("NUDGE_AFTER_HOURS", "soon")
    assert nudges.nudge_hours() == (24.0, 72.0)


def due_nudges() -> list[tuple[str, datetime]]:
    with session_scope() as db:
        rows = db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "nudge", OutboxMessage.state == "pending")
            .order_by(OutboxMessage.key)
        ).all()
        return [(r.key, r.due_at.astimezone(BRUSSELS)) for r in rows]


async def test_a_check_left_halfway_gets_two_nudges_that_move_with_each_message(db_url):
    nudges.schedule(SENDER, CHAT, "en", now=brussels(8, 14).astimezone(UTC))
    assert due_nudges() == [("nudge:1", brussels(9, 14)), ("nudge:2", brussels(11, 14))]
    late = brussels(8, 22, 30).astimezone(UTC)  # wrote again late in the evening
    nudges.schedule(SENDER, CHAT, "en", now=late)
    assert due_nudges() == [("nudge:1", brussels(10, 9)), ("nudge:2", brussels(12, 9))]
    with session_scope() as db:
        texts = [r.payload["text"] for r in db.scalars(select(OutboxMessage))]
    assert texts[0].startswith("Hi! 👋 You started the motivation check")


async def test_the_check_pending_or_offered_decides_the_nudges(db_url):
    nudges.follow_now(tracker("affirm", active_loop="check_form"), "fr", None)
    assert len(due_nudges()) == 2
    nudges.follow_now(tracker("faq"), "fr", "check")  # the bot's last message offered it
    assert len(due_nudges()) == 2
    with session_scope() as db:
        first = db.scalars(select(OutboxMessage).where(OutboxMessage.key == "nudge:1")).one()
        assert first.payload["label"] == "utter_nudge_offer"  # not "you'd started the check"
    nudges.follow_now(tracker("stop", active_loop="check_form"), "fr", None)
    assert due_nudges() == []
    nudges.follow_now(tracker("affirm", active_loop="check_form"), "fr", None)
    nudges.follow_now(tracker("deny"), "fr", "check")  # declined the offer
    assert due_nudges() == []
    nudges.follow_now(tracker("affirm", slots={"check_done": True}), "fr", "check")
    assert due_nudges() == []


async def test_a_sent_nudge_is_never_queued_again(db_url):
    nudges.schedule(SENDER, CHAT, "nl", now=brussels(8, 14).astimezone(UTC))
    [first] = outbox.claim_due(brussels(9, 14).astimezone(UTC), "w")
    outbox.mark_sent(first.id, brussels(9, 14).astimezone(UTC))
    nudges.schedule(SENDER, CHAT, "nl", now=brussels(9, 15).astimezone(UTC))
    assert [key for key, _ in due_nudges()] == ["nudge:2"]
    assert {r.state for r in outbox.rows_for(kind="nudge")} == {"sent", "pending"}
