"""Staff replies through the bot: delivered in the person's Telegram chat, then recorded in
the conversation (Rasa tracker) so they show in the transcript."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from admin.rasa_api import RasaApiError, append_staff_message
from admin.settings import AdminSettings
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
    assert chat_id is not None and settings.telegram_token
    await _deliver(settings.telegram_token, settings.telegram_api_base_url, chat_id, text)
    await run_in_threadpool(audit, f"staff:{staff.id}", "replied", f"lead {lead.id}")
    try:
        await append_staff_message(settings, lead.sender_id, text, staff.id)
    except RasaApiError as error:
        # Delivered but not in the transcript: keep a trace on the lead itself.
        log.warning("staff reply to lead %s not recorded in the tracker: %s", lead.id, error)
        await run_in_threadpool(add_note, lead.id, f"[Reply sent on Telegram]\n{text}", staff.id)
        return ReplyResult(in_transcript=False)
    return ReplyResult(in_transcript=True)


async def _deliver(token: str, base_url: str, chat_id: int, text: str) -> None:
    bot = Bot(token, base_url=base_url)
    try:
        async with bot:
            await bot.send_message(chat_id=chat_id, text=text)
    except Forbidden as error:
        raise ReplyError("The person blocked the bot: the reply could not be delivered.") from error
    except RetryAfter as error:
        raise ReplyError(
            f"Telegram asks to slow down: try again in {error.retry_after} seconds."
        ) from error
    except BadRequest as error:
        raise ReplyError(f"Telegram refused the message: {error.message}") from error
    except NetworkError as error:
        raise ReplyError("Telegram cannot be reached right now: try again in a minute.") from error
    except TelegramError as error:
        raise ReplyError(f"Telegram refused the message: {error}") from error
