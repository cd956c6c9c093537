"""The calendar file (.ics) of a booked info session, built with `icalendar`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from leads.sessions import SessionRow

SUMMARY = {
    "nl": "Infosessie Passerelle",
    "fr": "Séance d'info Passerelle",
    "en": "Passerelle info session",
}
FILENAME = {"nl": "infosessie.ics", "fr": "seance-info.ics", "en": "info-session.ics"}


def ics_for(
    booking_id: int,
    session: SessionRow,
    language: str,
    place: str,
    description: str,
    now: datetime | None = None,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Passerelle//info sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{booking_id}@passerelle")
    event.add("dtstamp", now or datetime.now(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", SUMMARY.get(language, SUMMARY["nl"]))
    event.add("location", place)
    event.add("description", description)
    if session.online_url:
        event.add("url", session.online_url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", SUMMARY.get(language, SUMMARY["nl"]))
    alarm.add("trigger", timedelta(hours=-2))
    event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()
