"""Sending to one Telegram chat: paced, retried, with a plain-text fallback and a typing hint."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import Bot, InputFile, LinkPreviewOptions, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.pacing import ChatPacer
from bot.rendering import Outgoing
from leads.log_privacy import pseudonym

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
RETRY_FOR = 120.0  # seconds of Telegram trouble one message outlasts
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 8.0


class ChatUnreachable(Exception):
    """The person blocked the bot or the chat is gone: stop sending to it."""


class Deliverer:
    def __init__(
        self, bot: Bot, pacer: ChatPacer, typing_delay: float = 0.4, retry_for: float = RETRY_FOR
    ) -> None:
        self.bot = bot
        self.pacer = pacer
        self.typing_delay = typing_delay
        self.retry_for = retry_for

    async def send(self, chat_id: int | str, outgoing: Outgoing) -> Message | None:
        """Send one message; raises ChatUnreachable, returns None if Telegram kept refusing.

        Flood replies (429) and server trouble (5xx, network) are retried with growing
        pauses for up to `retry_for` seconds: a burst of them must not lose the message.
        """
        as_html = outgoing.photo is None
        give_up_at = time.monotonic() + self.retry_for
        backoff = FIRST_BACKOFF
        attempt = 0
        while True:
            attempt += 1
            await self.pacer.wait_turn(chat_id)
            try:
                if outgoing.photo is not None:
                    return await self.bot.send_photo(chat_id, outgoing.photo)
                if as_html:
                    return await self.bot.send_message(
                        chat_id,
                        outgoing.html,
                        parse_mode=ParseMode.HTML,
                        reply_markup=outgoing.keyboard,
                        link_preview_options=NO_PREVIEW,
                    )
                return await self.bot.send_message(
                    chat_id,
                    outgoing.plain,
                    reply_markup=outgoing.keyboard,
                    link_preview_options=NO_PREVIEW,
                )
            except Forbidden as error:
                raise ChatUnreachable(str(error)) from error
            except BadRequest as error:
                if "chat not found" in error.message.lower():
                    raise ChatUnreachable(error.message) from error
                if not as_html and outgoing.photo is None:
                    log.error(
                        "Telegram refused a plain message to %s: %s", pseudonym(chat_id), error
                    )
                    return None
                log.warning("Telegram refused a message (%s); sending it as plain text", error)
                outgoing = Outgoing(plain=outgoing.plain, keyboard=outgoing.keyboard)
                as_html = False
                continue
            except RetryAfter as error:  # the rate limiter's own retries ran out
                pause = _seconds(error.retry_after) + 0.1
            except NetworkError as error:
                log.warning(
                    "sending to %s failed (%s), attempt %d", pseudonym(chat_id), error, attempt
                )
                pause, backoff = backoff, min(backoff * 2, MAX_BACKOFF)
            if time.monotonic() + pause > give_up_at:
                log.error(
                    "gave up sending a message to chat %s after %d attempts",
                    pseudonym(chat_id),
                    attempt,
                )
                return None
            await asyncio.sleep(pause)

    async def send_document(self, chat_id: int | str, directive: dict) -> Message | None:
        """A file the dialogue attached (the calendar file of a booking); never raises."""
        try:
            data = base64.b64decode(str(directive["content_b64"]), validate=True)
            filename = str(directive.get("filename") or "file")
        except (KeyError, ValueError):
            log.warning("a document directive without a readable file: ignored")
            return None
        await self.pacer.wait_turn(chat_id)
        try:
            return await self.bot.send_document(
                chat_id,
                InputFile(data, filename=filename),
                caption=str(directive.get("caption") or "") or None,
            )
        except TelegramError as error:
            log.warning("sending a document to chat %s failed: %s", pseudonym(chat_id), error)
            return None

    async def say(self, chat_id: int | str, text: str) -> Message | None:
        """One of the bot's own short texts; never raises."""
        try:
            return await self.send(chat_id, Outgoing(plain=text, html=_escape(text)))
        except ChatUnreachable:
            return None

    @asynccontextmanager
    async def typing(self, chat_id: int | str) -> AsyncIterator[None]:
        """Shows "typing…" while the block runs, unless it is over before anyone would notice."""
        task = asyncio.create_task(self._keep_typing(chat_id))
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _keep_typing(self, chat_id: int | str) -> None:
        await asyncio.sleep(self.typing_delay)
        while True:
            with suppress(TelegramError):
                await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(4.5)  # Telegram shows the hint for about 5 s


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if callable(total_seconds) else float(retry_after)  # type: ignore[arg-type]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
