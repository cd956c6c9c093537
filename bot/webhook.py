"""Webhook mode: a small HTTP receiver that hands Telegram's updates to PTB's update queue.

PTB's own webhook server answers 500 to a body that is not JSON or not UTF-8 and accepts
bodies up to 100 MB. Telegram only ever POSTs one small JSON update with the secret-token
header, so anything else is refused with a 4xx before it reaches the bot:

    403 missing or wrong secret token   415 not application/json
    413 body over `max_body` bytes      400 not UTF-8, not JSON, or not an update
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# Telegram's updates are a few kB (a 4,096-character text is at most 16 kB of UTF-8).
MAX_BODY = 1024 * 1024


class WebhookReceiver:
    def __init__(
        self,
        application: Application,
        path: str,
        secret: str,
        listen: str,
        port: int,
        max_body: int = MAX_BODY,
    ) -> None:
        self.application = application
        self.path = "/" + path.strip("/")
        self.secret = secret.encode()
        self.listen, self.port, self.max_body = listen, port, max_body
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=self.max_body)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            return _refuse(403, "wrong or missing secret token", request)
        if request.content_type != "application/json":
            return _refuse(415, f"content type {request.content_type!r}", request)
        if request.content_length is not None and request.content_length > self.max_body:
            return _refuse(413, f"{request.content_length} bytes", request)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "body over the limit", request)
        update = self._parse(body)
        if update is None:
            return _refuse(400, "not a Telegram update", request)
        bot: Any = self.application.bot
        if hasattr(bot, "insert_callback_data"):  # PTB's ExtBot, as its own webhook does
            bot.insert_callback_data(update)
        await self.application.update_queue.put(update)
        return web.Response(status=200)

    def _parse(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return None
        try:
            return Update.de_json(data, self.application.bot)
        except Exception as error:  # a shape PTB cannot read is the sender's problem, not ours
            log.warning("webhook: refused an update PTB could not read (%s)", type(error).__name__)
            return None


def _refuse(status: int, why: str, request: web.Request) -> web.Response:
    log.warning("webhook: refused a request from %s with %d (%s)", request.remote, status, why)
    return web.Response(status=status)


async def register_webhook(
    bot: Bot, url: str, secret: str, allowed_updates: list[str], max_delay: float = 30.0
) -> None:
    """setWebhook, retried while Telegram is unreachable (a bad token still fails at once)."""
    delay = 1.0
    while True:
        try:
            await bot.set_webhook(url=url, secret_token=secret, allowed_updates=allowed_updates)
            return
        except BadRequest:  # a NetworkError in PTB, but retrying cannot fix it
            raise
        except RetryAfter as error:
            await asyncio.sleep(_seconds(error.retry_after))
        except NetworkError as error:
            log.warning("could not register the webhook (%s); retrying in %.0f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if callable(total_seconds) else float(retry_after)  # type: ignore[arg-type]
