"""Booking an info session in the chat: offer the next sessions near the person's campus
in their language as buttons, ask consent when the check did not give it, book, confirm
with the details and a calendar file, and cancel or rebook (by button or in words).
"I'm coming" / "I can't make it" answer the reminders; "stop sending me messages" opts out.

Payloads (buttons): /book_session{"session_id":"12"} (with "booking_consent":"yes" once the
person agreed), /book_session (offer dates), /confirm_booking, /cancel_booking,
/stop_messages. The calendar file travels to the bot as
{"passerelle": "send_document", "filename": ..., "content_b64": ..., "caption": ...}.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import funnel
from actions.calendar_file import FILENAME, ics_for
from actions.content import load_content
from actions.outbound_texts import render
from actions.session_dates import describe
from leads.models import utcnow
from leads.sessions import BookingRow, SessionFull, SessionNotFound, SessionRow, upcoming

log = logging.getLogger(__name__)

OFFERED = 3
ONLINE = {"nl": "Online", "fr": "En ligne", "en": "Online"}
NO_DIRECTIONS = {
    "nl": "Vind je de weg niet? Vraag het ons gerust hier.",
    "fr": "Tu ne trouves pas le chemin ? Demande-nous ici.",
    "en": "Can't find it? Just ask us here.",
}
NOT_NOW = {"nl": "Later misschien", "fr": "Peut-être plus tard", "en": "Maybe later"}


def chat_id_of(sender_id: str) -> int | None:
    """The Telegram chat of `tg-<chat id>`; None for other channels (no reminders there)."""
    chat = sender_id.removeprefix("tg-")
    return int(chat) if sender_id.startswith("tg-") and chat.lstrip("-").isdigit() else None


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in ("nl", "fr", "en") else "nl"


def place_of(session: SessionRow, language: str) -> str:
    if session.campus is None:
        return f"{ONLINE[language]}: {session.online_url}"
    campus = load_content().campus(session.campus)
    name = campus.name(language) if campus else session.campus
    address = session.address or (campus.address if campus else "") or ""
    return f"{name}, {address}" if address else name


def directions_of(session: SessionRow, language: str) -> str:
    return session.directions or NO_DIRECTIONS[language]


def reminder_payload(booking: BookingRow, session: SessionRow, which: str) -> dict[str, Any]:
    """The outbox payload of a reminder, in the booking's language."""
    language = booking.language
    return render(
        f"utter_reminder_{which}",
        language,
        when=describe(session, language),
        place=place_of(session, language),
    )


def session_buttons(sessions: list[SessionRow], language: str) -> list[dict[str, str]]:
    buttons = [
        {"title": describe(s, language), "payload": f'/book_session{{"session_id":"{s.id}"}}'}
        for s in sessions
    ]
    return [*buttons, {"title": NOT_NOW[language], "payload": "/choose_topic"}]


async def offer_sessions(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    response: str = "utter_sessions_offer",
    exclude: int | None = None,
) -> bool:
    """The next sessions as buttons (or "none planned"); False when none was offered."""
    language = language_of(tracker)
    try:
        sessions = await asyncio.to_thread(_upcoming_for, tracker, language)
    except Exception:
        log.exception("info sessions unreadable")
        sessions = []
    sessions = [s for s in sessions if s.id != exclude][:OFFERED]
    if not sessions:
        dispatcher.utter_message(response="utter_sessions_none")
        return False
    dispatcher.utter_message(response=response, buttons=session_buttons(sessions, language))
    return True


class ActionBookSession(Action):
    def name(self) -> str:
        return "action_book_session"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        session_id = _entity(tracker, "session_id")
        consent = _entity(tracker, "booking_consent")
        if consent == "no":
            dispatcher.utter_message(response="utter_booking_no_consent")
            return []
        if not session_id or not session_id.isdigit():
            await offer_sessions(dispatcher, tracker)
            return []
        if consent != "yes" and not await asyncio.to_thread(_consented, tracker.sender_id):
            dispatcher.utter_message(response="utter_booking_consent", session_id=session_id)
            return []
        await self._book(dispatcher, tracker, int(session_id))
        return []

    async def _book(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, session_id: int
    ) -> None:
        from leads import bookings, chat_flags

        language = language_of(tracker)
        chat_id = chat_id_of(tracker.sender_id)
        try:
            booking, session = await asyncio.to_thread(
                bookings.book, session_id, tracker.sender_id, chat_id, language, reminder_payload
            )
        except SessionFull:
            await offer_sessions(dispatcher, tracker, "utter_booking_full", exclude=session_id)
            return
        except SessionNotFound:
            await offer_sessions(dispatcher, tracker, "utter_booking_gone", exclude=session_id)
            return
        if chat_id is not None:  # booking asks for the reminders: a past opt-out is lifted
            await asyncio.to_thread(chat_flags.opt_in, chat_id)
        when, place = describe(session, language), place_of(session, language)
        directions = directions_of(session, language)
        dispatcher.utter_message(
            response="utter_booking_confirmed", when=when, place=place, directions=directions
        )
        description = f"{place}\n{directions}"
        calendar = ics_for(booking.id, session, language, place, description)
        dispatcher.utter_message(
            json_message={
                "passerelle": "send_document",
                "filename": FILENAME.get(language, FILENAME["nl"]),
                "content_b64": base64.b64encode(calendar).decode(),
                "caption": render("utter_booking_calendar", language)["text"],
            }
        )
        await asyncio.to_thread(funnel.record, "booked", tracker, language)


class ActionConfirmBooking(Action):
    def name(self) -> str:
        return "action_confirm_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from leads import bookings

        if await asyncio.to_thread(bookings.confirm, tracker.sender_id) is None:
            await offer_sessions(dispatcher, tracker, "utter_booking_none")
        else:
            dispatcher.utter_message(response="utter_booking_see_you")
        return []


class ActionCancelBooking(Action):
    def name(self) -> str:
        return "action_cancel_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from leads import bookings

        cancelled = await asyncio.to_thread(bookings.cancel, tracker.sender_id)
        if cancelled is None:
            await offer_sessions(dispatcher, tracker, "utter_booking_none")
            return []
        dispatcher.utter_message(response="utter_booking_cancelled")
        await offer_sessions(
            dispatcher, tracker, "utter_sessions_other_date", exclude=cancelled[1].id
        )
        return []


class ActionStopMessages(Action):
    def name(self) -> str:
        return "action_stop_messages"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        from leads import chat_flags

        chat_id = chat_id_of(tracker.sender_id)
        if chat_id is not None:
            try:
                await asyncio.to_thread(chat_flags.opt_out, chat_id)
            except Exception:
                log.exception("opt-out not recorded")
                raise  # Rasa answers with its fallback; the person can say it again
        dispatcher.utter_message(response="utter_messages_stopped")
        return []


def _upcoming_for(tracker: Tracker, language: str) -> list[SessionRow]:
    return upcoming(utcnow(), campus=_campus(tracker), language=language, limit=OFFERED + 1)


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return None if value is None else str(value)


def _campus(tracker: Tracker) -> str | None:
    campus = tracker.get_slot("campus")
    if campus:
        return str(campus)
    from leads.lead_queue import get_lead_by_sender

    try:
        lead = get_lead_by_sender(tracker.sender_id)
    except Exception:
        return None
    return lead.campus if lead else None


def _consented(sender_id: str) -> bool:
    """The check's consent (a lead that agreed to be contacted) covers a booking."""
    from leads.lead_queue import get_lead_by_sender

    lead = get_lead_by_sender(sender_id)
    return bool(lead and lead.consent)
