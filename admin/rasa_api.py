"""Rasa's HTTP API (with its auth token): read a conversation, append a staff reply to it.

The transcript comes from the tracker through Rasa (so it is exactly what the bot knows);
when Rasa is down it is read from the tracker store directly (`leads.trackers`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
from starlette.concurrency import run_in_threadpool

from admin.settings import AdminSettings
from leads.trackers import conversation_transcript

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class RasaApiError(Exception):
    pass


@dataclass(frozen=True, kw_only=True)
class TranscriptLine:
    at: datetime | None
    speaker: str  # "user", "bot" or "staff"
    text: str
    buttons: list[str] = field(default_factory=list)

    @property
    def is_payload(self) -> bool:
        """A pressed button (or a command) rather than typed text."""
        return self.speaker == "user" and self.text.startswith("/")


@dataclass(frozen=True, kw_only=True)
class Transcript:
    lines: list[TranscriptLine]
    source: str  # "rasa", "store" or "none"
    problem: str | None = None


async def fetch_transcript(settings: AdminSettings, sender_id: str) -> Transcript:
    try:
        events = await _tracker_events(settings, sender_id)
    except RasaApiError as error:
        log.warning("transcript of a lead from the tracker store: %s", error)
        try:
            # The tracker database is read off the event loop (it may be the slow one).
            stored = await run_in_threadpool(conversation_transcript, sender_id)
        except Exception as store_error:  # the tracker database is down too
            log.warning("tracker store unreadable: %s", store_error)
            return Transcript(
                lines=[], source="none", problem="The conversation cannot be read right now."
            )
        lines = [
            TranscriptLine(at=line.at, speaker=line.speaker, text=line.text) for line in stored
        ]
        note = "Rasa is not reachable: this transcript comes from the tracker store."
        return Transcript(lines=lines, source="store", problem=note)
    return Transcript(lines=lines_from_events(events), source="rasa")


def lines_from_events(events: list[dict]) -> list[TranscriptLine]:
    lines = []
    for event in events:
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        text = str(event.get("text") or "")
        data = event.get("data") or {}
        buttons = [str(b.get("title")) for b in data.get("buttons") or [] if isinstance(b, dict)]
        if not text and not buttons:
            continue
        metadata = event.get("metadata") or {}
        speaker = "staff" if kind == "bot" and metadata.get("staff") else kind
        stamp = event.get("timestamp")
        at = datetime.fromtimestamp(stamp, tz=UTC) if stamp else None
        lines.append(TranscriptLine(at=at, speaker=speaker, text=text, buttons=buttons))
    return lines


async def append_staff_message(
    settings: AdminSettings, sender_id: str, text: str, staff_id: int
) -> None:
    """Record a staff reply in the conversation as a bot utterance marked `staff: true`."""
    event = {"event": "bot", "text": text, "metadata": {"staff": True, "staff_id": staff_id}}
    url = f"{settings.rasa_url}/conversations/{quote(sender_id, safe='')}/tracker/events"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.post(url, params=_token(settings), json=event)
    except httpx.HTTPError as error:
        raise RasaApiError(f"Rasa unreachable: {error!r}") from error
    if response.status_code >= 400:
        raise RasaApiError(f"Rasa answered {response.status_code} to the tracker event")


async def _tracker_events(settings: AdminSettings, sender_id: str) -> list[dict]:
    url = f"{settings.rasa_url}/conversations/{quote(sender_id, safe='')}/tracker"
    params = {**_token(settings), "include_events": "ALL"}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.get(url, params=params)
    except httpx.HTTPError as error:
        raise RasaApiError(f"Rasa unreachable: {error!r}") from error
    if response.status_code >= 400:
        raise RasaApiError(f"Rasa answered {response.status_code}")
    try:
        events = response.json().get("events") or []
    except (ValueError, AttributeError) as error:
        raise RasaApiError("Rasa's tracker is not JSON") from error
    return [event for event in events if isinstance(event, dict)]


def _token(settings: AdminSettings) -> dict[str, str]:
    return {"token": settings.rasa_token} if settings.rasa_token else {}
