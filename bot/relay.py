"""One chat's messages to Rasa and Rasa's replies back to Telegram.

`Relay.handle()` is called inside the chat's turn (bot.ordering). It holds the message
(bot.pending), works off the chat's line, and for each message: asks Rasa with a typing
hint, tells the person about a hiccup when Rasa is slow or down, delivers the replies in
order, and carries out the reply's directives (erase the tracker, notify staff).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import httpx

from bot.callback_data import ButtonPayloads
from bot.delivery import ChatUnreachable, Deliverer
from bot.languages import ChatLanguages
from bot.notify import StaffNotifier
from bot.pending import HeldMessages, Inbound, RetryLoop
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rendering import RenderedReply, render_reply
from bot.texts import text
from leads.log_privacy import pseudonym

log = logging.getLogger(__name__)

EraseTracker = Callable[[str], int]


class Relay:
    def __init__(
        self,
        rasa: RasaClient,
        deliverer: Deliverer,
        languages: ChatLanguages,
        payloads: ButtonPayloads,
        held: HeldMessages,
        notifier: StaffNotifier | None = None,
        action_health_url: str | None = None,
        slow_notice_after: float = 8.0,
        erase_tracker: EraseTracker | None = None,
    ) -> None:
        self.rasa, self.deliverer, self.languages = rasa, deliverer, languages
        self.payloads, self.held, self.notifier = payloads, held, notifier
        self.action_health_url = action_health_url
        self.slow_notice_after = slow_notice_after
        self.erase_tracker = erase_tracker or erase_tracker_in_leads
        self.retry: RetryLoop | None = None
        self._health = httpx.AsyncClient(timeout=3)
        # The "wrote again after a block" checks still running, per chat (kept referenced so
        # they are not garbage-collected; a 403 waits for the chat's one before flagging).
        self._unblocking: dict[int | str, asyncio.Task[None]] = {}

    async def handle(self, message: Inbound) -> None:
        self.held.add(message)
        self._unblock_in_background(message.chat_id)  # a DB read: never before the message
        await self.work_off(message.chat_id)

    async def work_off(self, chat_id: int | str) -> None:
        while (message := self.held.first(chat_id)) is not None:
            try:
                replies = await self._ask(message)
            except RasaUnavailable as error:
                log.warning(
                    "chat %s: Rasa unavailable (%s); message held for retry",
                    pseudonym(chat_id),
                    error,
                )
                if self.retry is not None:
                    self.retry.wake()
                await self._tell_hiccup(message)
                return
            except Exception:  # a bug, not an outage: retrying would block the chat's line
                log.exception("chat %s: Rasa call failed; message dropped", pseudonym(chat_id))
                self.held.done(chat_id)
                continue
            self.held.done(chat_id)
            await self._deliver(message, render_reply(replies, self.payloads))

    async def is_back(self) -> bool:
        """The retry probe: Rasa answers, and so does the action server if we know it."""
        return await self.rasa.is_available() and await self._actions_healthy()

    async def close(self) -> None:
        if self._unblocking:  # a stalled database does not hold the shutdown for long
            await asyncio.wait(set(self._unblocking.values()), timeout=5)
        await self._health.aclose()

    async def _ask(self, message: Inbound) -> list[dict]:
        async with self.deliverer.typing(message.chat_id):
            call = asyncio.ensure_future(
                self.rasa.send(message.sender_id, message.text, message.metadata)
            )
            try:
                done, _ = await asyncio.wait({call}, timeout=self.slow_notice_after)
                if not done:  # slow: say so now, keep waiting for the answer (no replay)
                    log.warning(
                        "chat %s: Rasa slower than %.0f s",
                        pseudonym(message.chat_id),
                        self.slow_notice_after,
                    )
                    await self._tell_hiccup(message)
                replies = await call
            finally:
                call.cancel()
        if not replies and not await self._actions_healthy():
            # Rasa swallows action-server failures and answers nothing; say so and retry.
            raise RasaUnavailable("the action server is down")
        return replies

    async def _tell_hiccup(self, message: Inbound) -> None:
        if self.held.should_tell(message.chat_id):
            language = self.languages.language_for(message.chat_id, message.language_code)
            await self.deliverer.say(message.chat_id, text("hiccup", language))

    async def _deliver(self, message: Inbound, reply: RenderedReply) -> None:
        chat_id = message.chat_id
        if not reply.messages and not reply.directives:
            log.warning("chat %s: Rasa answered nothing to a message", pseudonym(chat_id))
        try:
            for outgoing in reply.messages:
                await self.deliverer.send(chat_id, outgoing)
        except ChatUnreachable as error:
            log.info("chat %s unreachable (%s): reply not delivered", pseudonym(chat_id), error)
            await self._blocked(chat_id)
        self.languages.saw_reply(chat_id, reply.texts)
        for directive in reply.directives:
            await self._carry_out(message, directive)

    async def _carry_out(self, message: Inbound, directive: dict) -> None:
        kind = directive.get("passerelle")
        if kind == "erase_tracker":
            await self._erase(message)
        elif kind == "notify_staff" and self.notifier is not None:
            await self.notifier.notify(directive)
        elif kind == "send_document":
            await self.deliverer.send_document(message.chat_id, directive)
        elif kind != "notify_staff":
            log.warning("unknown directive from Rasa: %r", kind)

    async def _erase(self, message: Inbound) -> None:
        try:
            erased = await asyncio.to_thread(self.erase_tracker, message.sender_id)
            log.info("chat %s: tracker erased (%s rows)", pseudonym(message.chat_id), erased)
        except Exception:  # it stays pending in the lead store: retried (ErasureRetries)
            log.exception("chat %s: erasing the Rasa tracker failed", pseudonym(message.chat_id))
        # The person's bookings, queued messages and chat flags went in the erase's own
        # transaction (leads.erasures.forget_conversation).
        self.languages.forget(message.chat_id)

    async def _blocked(self, chat_id: int | str) -> None:
        """No reminder, nudge or broadcast goes to a chat that blocked the bot."""
        from leads import chat_flags

        unblocking = self._unblocking.get(chat_id)
        if unblocking is not None:  # its clearing must not undo this flag
            await asyncio.wait({unblocking})
        try:
            await asyncio.to_thread(chat_flags.chat_blocked, chat_id)
        except Exception as error:
            log.warning(
                "chat %s: could not flag it as blocked (%s)",
                pseudonym(chat_id),
                type(error).__name__,
            )

    def _unblock_in_background(self, chat_id: int | str) -> None:
        if chat_id in self._unblocking:  # the chat's check is still running
            return
        task = asyncio.get_running_loop().create_task(self._unblocked(chat_id))
        self._unblocking[chat_id] = task
        task.add_done_callback(lambda _: self._unblocking.pop(chat_id, None))

    async def unblocking_done(self) -> None:
        """Wait for the background unblock checks (for tests and shutdown)."""
        if self._unblocking:
            await asyncio.wait(set(self._unblocking.values()))

    async def _unblocked(self, chat_id: int | str) -> None:
        """A message from a chat flagged blocked: the person unblocked the bot."""
        from leads import chat_flags

        try:
            await asyncio.to_thread(chat_flags.chat_unblocked, chat_id)
        except Exception as error:  # the database is down: the conversation goes on
            log.warning(
                "chat %s: blocked flag not checked (%s)", pseudonym(chat_id), type(error).__name__
            )

    async def _actions_healthy(self) -> bool:
        if not self.action_health_url:
            return True
        try:
            response = await self._health.get(self.action_health_url)
        except httpx.HTTPError:
            return False
        return response.status_code == 200


def erase_tracker_in_leads(sender_id: str) -> int:
    from leads.erasures import erase_conversation

    return erase_conversation(sender_id)


def retry_erasures_in_leads() -> object:
    from leads.erasures import retry_pending_erasures

    return retry_pending_erasures()


class ErasureRetries:
    """Every `every` seconds (and once at start), erase the trackers a /forget or a staff
    erase left pending: a failed erase is retried until it succeeds, across restarts (the
    pending ones are rows in the lead store)."""

    def __init__(self, retry: Callable[[], object], every: float = 60.0) -> None:
        self.retry, self.every = retry, every
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.retry)
            except Exception as error:  # the lead store down: next round
                log.warning("pending tracker erasures not retried: %s", type(error).__name__)
            await asyncio.sleep(self.every)


def action_health_url(action_server_url: str | None) -> str | None:
    """http://host:5055/webhook → http://host:5055/health (rasa-sdk's health endpoint)."""
    if not action_server_url:
        return None
    parts = httpx.URL(action_server_url)
    return str(parts.copy_with(path="/health", query=None))
