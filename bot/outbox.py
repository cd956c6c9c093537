"""Sends the outbox (leads.outbox): staff notices and replies, reminders, nudges, broadcasts,
CRM webhooks. One `OutboxSender.send_due()` pass claims what is due and sends it; the bot
runs `OutboxLoop` (a pass every second); cron and tests run one pass:

    .venv/bin/python -m bot.outbox --send-due [--now 2026-12-08T18:00:00+01:00]

Pacing: at most `rate` messages a second for the whole bot (Telegram allows 30) and one a
second per chat (a group chat: one every 3 s). A 429 pauses every send for its
`retry_after` and retries the row then; a 403 flags the chat as blocked and stops all that
was queued for it; network trouble retries with growing pauses (leads.outbox.backoff).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import socket
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from leads import outbox
from leads.models import utcnow
from passerelle_settings import load_env_files
from passerelle_settings.environment import ENV_FILE

log = logging.getLogger(__name__)

BRUSSELS = ZoneInfo("Europe/Brussels")
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Result:
    row_id: int
    kind: str
    state: str  # sent, retry, failed, blocked, released
    detail: str = ""

    def line(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.state} #{self.row_id} {self.kind}{detail}"


class RateLimiter:
    """At most `rate` starts per second overall; `pause()` holds everyone back (a 429)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            at = max(now, self._next)
            self._next = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, time.monotonic() + seconds)


class OutboxSender:
    def __init__(
        self,
        bot: Bot | None,
        *,
        clock: Clock = utcnow,
        rate: float = 25.0,
        chat_interval: float = 1.0,
        group_interval: float = 3.0,
        webhook_secret: str | None = None,
        http: httpx.AsyncClient | None = None,
        worker: str | None = None,
    ) -> None:
        self.bot = bot
        self.clock = clock
        self.limiter = RateLimiter(rate)
        # Spaces the Telegram calls themselves: the claims between the two can take uneven
        # time (a thread, the database), which would let calls spaced at the first gate
        # leave in a burst. Rows wait here only briefly once marked as sending.
        self.send_gate = RateLimiter(rate)
        self.chat_interval, self.group_interval = chat_interval, group_interval
        self.webhook_secret = webhook_secret
        self._http = http
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stopping = asyncio.Event()

    async def send_due(self, limit: int = 50) -> list[Result]:
        """Everything due now, batch after batch, until nothing due is left (or stopping)."""
        results: list[Result] = []
        while not self.stopping.is_set():
            now = self.clock()
            claimed = await asyncio.to_thread(outbox.claim_due, now, self.worker, limit)
            if not claimed:
                break
            by_chat: dict[str, list[outbox.Claimed]] = defaultdict(list)
            for row in claimed:
                by_chat[row.target].append(row)
            done = await asyncio.gather(*(self._send_chat(rows) for rows in by_chat.values()))
            results.extend(result for chat in done for result in chat)
            if len(claimed) < limit:
                break
        return results

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    # --- one chat's rows, in order, one per interval ----------------------------------------

    async def _send_chat(self, rows: list[outbox.Claimed]) -> list[Result]:
        results = []
        interval = self.group_interval if rows[0].target.startswith("-") else self.chat_interval
        for number, row in enumerate(rows):
            if self.stopping.is_set():
                await asyncio.to_thread(outbox.release, row.id, self.clock())
                results.append(Result(row.id, row.kind, "released", "stopping"))
                continue
            if number:
                await asyncio.sleep(interval)
            result = await self._send_one(row)
            results.append(result)
            if result.state == "blocked":  # mark_blocked stopped the rest of this chat too
                results.extend(Result(rest.id, rest.kind, "blocked") for rest in rows[number + 1 :])
                break
        return results

    async def _send_one(self, row: outbox.Claimed) -> Result:
        if row.kind != "webhook":
            await self.limiter.wait()
        if not await asyncio.to_thread(outbox.start_sending, row.id, self.worker):
            return Result(row.id, row.kind, "skipped", "another sender has it")
        if row.kind == "webhook":
            return await self._post_webhook(row)
        await self.send_gate.wait()
        try:
            await self._telegram(row)
        except Forbidden:
            stopped = await asyncio.to_thread(outbox.mark_blocked, row.id, row.target, self.clock())
            log.info(
                "outbox #%d: the chat blocked the bot (%d queued rows stopped)", row.id, stopped
            )
            return Result(row.id, row.kind, "blocked")
        except RetryAfter as error:
            seconds = _seconds(error.retry_after)
            self.limiter.pause(seconds)
            self.send_gate.pause(seconds)
            return await self._retry(
                row, f"Telegram asked to wait {seconds:.0f} s", timedelta(seconds=seconds)
            )
        except BadRequest as error:
            await asyncio.to_thread(outbox.give_up, row.id, f"Telegram refused: {error.message}")
            log.error("outbox #%d (%s): Telegram refused it: %s", row.id, row.kind, error.message)
            return Result(row.id, row.kind, "failed", error.message)
        except (NetworkError, TelegramError) as error:
            return await self._retry(
                row, f"Telegram unreachable: {error}", outbox.backoff(row.attempts)
            )
        await asyncio.to_thread(outbox.mark_sent, row.id, self.clock())
        return Result(row.id, row.kind, "sent", row.payload.get("label", ""))

    async def _telegram(self, row: outbox.Claimed) -> None:
        if self.bot is None:
            raise NetworkError("no Telegram token: TELEGRAM_BOT_TOKEN is not set")
        payload = row.payload
        markup = _keyboard(payload.get("buttons"))
        document = payload.get("document")
        if document:
            data = base64.b64decode(document["content_b64"])
            await self.bot.send_document(
                row.target,
                InputFile(data, filename=document["filename"]),
                caption=payload.get("text") or None,
                reply_markup=markup,
            )
            return
        await self.bot.send_message(
            row.target,
            payload["text"],
            reply_markup=markup,
            parse_mode=ParseMode.HTML if payload.get("html") else None,
        )

    async def _retry(self, row: outbox.Claimed, error: str, wait: timedelta) -> Result:
        state = await asyncio.to_thread(
            outbox.retry_later, row.id, error, self.clock() + wait, row.attempts
        )
        log.warning(
            "outbox #%d (%s): %s; %s",
            row.id,
            row.kind,
            error,
            "gave up" if state == "failed" else f"retry in {wait.total_seconds():.0f} s",
        )
        return Result(row.id, row.kind, "failed" if state == "failed" else "retry", error)

    # --- CRM webhooks -----------------------------------------------------------------------

    async def _post_webhook(self, row: outbox.Claimed) -> Result:
        if not self.webhook_secret:
            return await self._retry(
                row,
                "CRM_WEBHOOK_SECRET is not set: not sent unsigned",
                outbox.backoff(row.attempts),
            )
        body = json.dumps(row.payload["body"], separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(self.clock().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "X-Passerelle-Event": str(row.payload["body"].get("event", "")),
            "X-Passerelle-Delivery": f"{row.kind}:{row.key}",
            "X-Passerelle-Timestamp": timestamp,
            "X-Passerelle-Signature": "sha256=" + sign(self.webhook_secret, timestamp, body),
        }
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10)
        try:
            response = await self._http.post(row.target, content=body, headers=headers)
        except httpx.HTTPError as error:
            return await self._retry(
                row, f"CRM unreachable: {type(error).__name__}", outbox.backoff(row.attempts)
            )
        if response.is_success:
            await asyncio.to_thread(outbox.mark_sent, row.id, self.clock())
            return Result(row.id, row.kind, "sent", str(row.payload["body"].get("event", "")))
        if response.status_code in (408, 425, 429) or response.status_code >= 500:
            return await self._retry(
                row, f"CRM answered {response.status_code}", outbox.backoff(row.attempts)
            )
        await asyncio.to_thread(outbox.give_up, row.id, f"CRM refused: {response.status_code}")
        return Result(row.id, row.kind, "failed", f"CRM answered {response.status_code}")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of `<timestamp>.<body>` with the shared secret, hex (what the CRM checks)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class OutboxLoop:
    """The bot process's sender: a pass every `interval` seconds until stopped."""

    def __init__(self, sender: OutboxSender, interval: float = 1.0) -> None:
        self.sender, self.interval = sender, interval
        self._task: asyncio.Task[None] | None = None
        self._last_error_log = -60.0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="passerelle-outbox")

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the message being sent (never cut one in half), then stop."""
        if self._task is None:
            return
        self.sender.stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        await self.sender.close()

    async def _run(self) -> None:
        while not self.sender.stopping.is_set():
            try:
                for result in await self.sender.send_due():
                    log.info("outbox: %s", result.line())
            except Exception:  # a database hiccup must not end the loop
                now = time.monotonic()
                if now - self._last_error_log >= 60:  # once a minute, not every second
                    self._last_error_log = now
                    log.exception("outbox pass failed (the database?); retrying every second")
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.sender.stopping.wait(), self.interval)


def _keyboard(rows: list | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(title, callback_data=data) for title, data in row] for row in rows]
    )


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if callable(total_seconds) else float(retry_after)  # type: ignore[arg-type]


def parse_now(value: str) -> datetime:
    """ISO 8601; without a time zone it is Brussels time (what staff and cron think in)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=BRUSSELS)


async def send_due_once(now: datetime | None) -> list[Result]:
    from bot.settings import Settings

    settings = Settings.from_env()
    clock: Clock = (lambda: now) if now is not None else utcnow
    bot = (
        Bot(settings.telegram_token, base_url=settings.api_base_url)
        if settings.telegram_token
        else None
    )
    sender = OutboxSender(
        bot, clock=clock, rate=settings.outbox_rate, webhook_secret=settings.crm_webhook_secret
    )
    try:
        if bot is None:
            return await sender.send_due()
        async with bot:
            return await sender.send_due()
    finally:
        await sender.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.outbox",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--send-due",
        action="store_true",
        required=True,
        help="send every outbox message due now (or at --now), then exit",
    )
    parser.add_argument(
        "--now",
        type=parse_now,
        default=None,
        help="the moment to send for, ISO 8601 (no zone = Brussels time)",
    )
    args = parser.parse_args(argv)
    load_env_files(ENV_FILE)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    results = asyncio.run(send_due_once(args.now))
    for result in results:
        print(result.line())
    counts: dict[str, int] = defaultdict(int)
    for result in results:
        counts[result.state] += 1
    print("outbox: " + (" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing due"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
