"""Staff replies through the bot: queued in the outbox, which the bot sends in the person's
Telegram chat within seconds (bot.outbox), and recorded in the conversation (Rasa tracker)
so they show in the transcript. The lead page shows whether it went out."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass

from admin.rasa_api import RasaApiError, append_staff_message
from admin.settings import AdminSettings
from leads import outbox
from leads.audit import audit
from leads.lead_queue import add_note
from leads.rows import LeadDetail, StaffRow

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4000
TELEGRAM_PREFIX = "tg-"
REPLIES_NEED_SETUP = (
    "Replies go out through the Telegram bot, and it has no token here: set TELEGRAM_BOT_TOKEN "
    "for the dashboard (see docs/telegram.md) and restart it."
)


class ReplyError(Exception):
    """The reply did not reach the person; the message says why, for staff."""


@dataclass(frozen=True)
class ReplyResult:
    in_transcript: bool


def telegram_chat_id(lead: LeadDetail) -> int | None:
    """The private chat of the person: `tg-<chat id>`, else their Telegram user id."""
    if lead.sender_id.startswith(TELEGRAM_PREFIX):
        chat = lead.sender_id[len(TELEGRAM_PREFIX) :]
        if chat.lstrip("-").isdigit():
            return int(chat)
    return lead.telegram_user_id


def can_reply(settings: AdminSettings, lead: LeadDetail) -> str | None:
    """None when a reply can be sent, else why not (shown instead of the form)."""
    if not settings.telegram_token:
        return REPLIES_NEED_SETUP
    if telegram_chat_id(lead) is None:
        return "This person did not talk to the bot on Telegram, so there is no chat to reply in."
    return None


async def send_reply(
    settings: AdminSettings, lead: LeadDetail, text: str, staff: StaffRow
) -> ReplyResult:
    text = text.strip()
    if not text:
        raise ReplyError("The reply is empty.")
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyError(f"Keep the reply under {MAX_REPLY_CHARS} characters.")
    problem = can_reply(settings, lead)
    if problem:
        raise ReplyError(problem)
    chat_id = telegram_chat_id(lead)
    assert chat_id is not None
    # The same text for the same lead within a minute is one reply (a double click).
    key = f"{lead.id}:{int(time.time() // 60)}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    queued = await asyncio.to_thread(
        outbox.enqueue,
        "staff_reply",
        chat_id,
        key,
        {"text": text, "label": f"lead {lead.id}"},
        sender_id=lead.sender_id,
    )
    if not queued:
        raise ReplyError("This reply is already on its way.")
    await asyncio.to_thread(audit, f"staff:{staff.id}", "replied", f"lead {lead.id}")
    try:
        await append_staff_message(settings, lead.sender_id, text, staff.id)
    except RasaApiError as error:
        # Delivered but not in the transcript: keep a trace on the lead itself.
        log.warning("staff reply to lead %s not recorded in the tracker: %s", lead.id, error)
        await asyncio.to_thread(add_note, lead.id, f"[Reply queued for Telegram]\n{text}", staff.id)
        return ReplyResult(in_transcript=False)
    return ReplyResult(in_transcript=True)
