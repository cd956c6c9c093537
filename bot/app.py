"""The Telegram application: handlers for every kind of update, wired to the relay.

`PasserelleBot(settings).application` is a python-telegram-bot Application; `python -m bot`
runs it (polling or webhook). `running(settings)` starts one inside an existing event loop
(tests, or anything embedding the bot).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    Updater,
    filters,
)

from bot.callback_data import USED, ButtonPayloads
from bot.campaigns import CampaignDirectory, Lookup
from bot.commands import (
    COMMAND_PAYLOADS,
    campaign_from_start,
    chosen_language,
    language_keyboard,
    register_commands,
    start_code,
)
from bot.dedupe import RecentUpdates
from bot.delivery import Deliverer
from bot.flood import FloodGuard, Verdict
from bot.inbound import clean_text, trim
from bot.languages import ChatLanguages
from bot.notify import StaffNotifier
from bot.ordering import ChatOrderedUpdateProcessor, ChatTurns
from bot.outbox import OutboxLoop, OutboxSender
from bot.pacing import ChatPacer
from bot.pending import HeldMessages, Inbound, RetryLoop
from bot.rasa_client import RasaClient
from bot.relay import (
    EraseTracker,
    ErasureRetries,
    Relay,
    action_health_url,
    retry_erasures_in_leads,
)
from bot.rendering import Outgoing
from bot.settings import Settings
from bot.telegram_http import AiohttpRequest
from bot.texts import LANGUAGE_PROMPT, text
from bot.webhook import WebhookReceiver, register_webhook
from leads.log_privacy import pseudonym

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
GROUP_NOTICE_EVERY = 600.0
Context = ContextTypes.DEFAULT_TYPE


class PasserelleBot:
    def __init__(
        self,
        settings: Settings,
        erase_tracker: EraseTracker | None = None,
        campaign_lookup: Lookup | None = None,
        retry_erasures: Callable[[], object] | None = None,
    ) -> None:
        if not settings.telegram_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        self.turns = ChatTurns()
        self.recent = RecentUpdates()
        self.flood = FloodGuard(settings.flood_burst, settings.flood_per_minute)
        self._flood_verdicts: OrderedDict[int, Verdict] = OrderedDict()
        self.languages = ChatLanguages()
        self.payloads = ButtonPayloads()
        self.held = HeldMessages()
        self.campaigns = CampaignDirectory(campaign_lookup)
        self.rasa = RasaClient(settings.rasa_urls, timeout=settings.rasa_timeout)
        self._erase_tracker = erase_tracker
        # With the real eraser, the real retries of what it could not erase.
        if retry_erasures is None and erase_tracker is None:
            retry_erasures = retry_erasures_in_leads
        self.erasure_retries = ErasureRetries(retry_erasures) if retry_erasures else None
        self._group_notices: dict[int, float] = {}
        self.relay: Relay | None = None
        self.deliverer: Deliverer | None = None
        self.retry: RetryLoop | None = None
        self.outbox: OutboxLoop | None = None
        self.application = self._build()

    # --- building -------------------------------------------------------------------------

    def _build(self) -> Application:
        rate = self.settings.max_send_rate
        application = (
            ApplicationBuilder()
            .token(self.settings.telegram_token or "")
            .base_url(self.settings.api_base_url)
            .base_file_url(self.settings.api_base_file_url)
            .rate_limiter(
                AIORateLimiter(
                    overall_max_rate=rate, overall_time_period=1 if rate else 0, max_retries=3
                )
            )
            .concurrent_updates(
                ChatOrderedUpdateProcessor(self.turns, on_arrival=self._judge_flood)
            )
            .request(AiohttpRequest(connection_pool_size=128))
            .get_updates_request(AiohttpRequest())
            .post_init(self._post_init)
            .post_stop(self._post_stop)
            .post_shutdown(self._post_shutdown)
            .build()
        )
        private = filters.ChatType.PRIVATE
        application.add_handler(TypeHandler(Update, self._drop_repeats), group=-3)
        application.add_handler(TypeHandler(Update, self._outside_private_chats), group=-2)
        application.add_handler(TypeHandler(Update, self._limit_floods), group=-1)
        application.add_handlers(
            [
                MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self.on_edited),
                CommandHandler("start", self.on_start, filters=private),
                CommandHandler("language", self.on_language, filters=private),
                CommandHandler(list(COMMAND_PAYLOADS), self.on_command, filters=private),
                MessageHandler(private & filters.COMMAND, self.on_unknown_command),
                MessageHandler(private & filters.TEXT, self.on_text),
                CallbackQueryHandler(self.on_button),
                MessageHandler(private & ~filters.StatusUpdate.ALL, self.on_not_text),
            ]
        )
        application.add_error_handler(self._on_error)
        return application

    async def _post_init(self, application: Application) -> None:
        settings = self.settings
        self.deliverer = Deliverer(
            application.bot, ChatPacer(settings.reply_interval), settings.typing_delay
        )
        notifier = None
        if settings.staff_chat_id is not None:
            notifier = StaffNotifier(settings.staff_chat_id, settings.dashboard_url)
        self.relay = Relay(
            self.rasa,
            self.deliverer,
            self.languages,
            self.payloads,
            self.held,
            notifier=notifier,
            action_health_url=action_health_url(settings.action_server_url),
            slow_notice_after=settings.slow_notice_after,
            erase_tracker=self._erase_tracker,
        )
        self.retry = RetryLoop(
            self.held,
            self.turns,
            self.relay.is_back,
            self.relay.work_off,
            max_delay=settings.retry_max_delay,
        )
        self.relay.retry = self.retry
        self.retry.start()
        if self.erasure_retries is not None:
            self.erasure_retries.start()
        if settings.outbox_interval > 0:
            self.outbox = OutboxLoop(
                OutboxSender(
                    application.bot,
                    rate=settings.outbox_rate,
                    webhook_secret=settings.crm_webhook_secret,
                ),
                settings.outbox_interval,
            )
            self.outbox.start()
        try:
            await register_commands(application.bot)
        except TelegramError as error:
            log.warning("could not register the command menu: %s", error)
        log.info(
            "Telegram bot @%s is up (Rasa: %s)",
            application.bot.username,
            ", ".join(settings.rasa_urls),
        )

    async def _post_stop(self, application: Application) -> None:
        """Before the HTTP client closes: the message being sent finishes, the rest waits."""
        if self.outbox is not None:
            await self.outbox.stop()
            self.outbox = None

    async def _post_shutdown(self, application: Application) -> None:
        await self._post_stop(application)
        if self.retry is not None:
            await self.retry.stop()
        if self.erasure_retries is not None:
            await self.erasure_retries.stop()
        if self.relay is not None:
            await self.relay.close()
        await self.rasa.close()

    # --- gates before any handler -----------------------------------------------------------

    async def _drop_repeats(self, update: Update, context: Context) -> None:
        if not self.recent.first_time(update.update_id):
            log.info("update %s delivered again: ignored", update.update_id)
            raise ApplicationHandlerStop

    async def _outside_private_chats(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return
        staff_chat = str(chat.id) == str(self.settings.staff_chat_id)
        if (
            chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
            and not staff_chat
            and self._wants_group_notice(update)
        ):
            now = time.monotonic()
            if now - self._group_notices.get(chat.id, -GROUP_NOTICE_EVERY) >= GROUP_NOTICE_EVERY:
                self._group_notices[chat.id] = now
                language = self.languages.language_for(chat.id, _language_code(update))
                link = f"https://t.me/{context.bot.username}"
                with suppress(TelegramError):
                    await context.bot.send_message(
                        chat.id, text("private_only", language, link=link)
                    )
        if update.callback_query is not None:
            with suppress(TelegramError):
                await update.callback_query.answer()
        raise ApplicationHandlerStop

    @staticmethod
    def _wants_group_notice(update: Update) -> bool:
        joined = update.my_chat_member
        if joined is not None:
            return joined.new_chat_member.status in (
                ChatMemberStatus.MEMBER,
                ChatMemberStatus.ADMINISTRATOR,
            )
        return update.message is not None or update.callback_query is not None

    def _judge_flood(self, update: object) -> None:
        """On arrival: a message's verdict must not depend on how long its turn took to come
        (while the chat's line is worked off, the bucket refills)."""
        if isinstance(update, Update) and _counts_for_flood(update):
            self._flood_verdicts[update.update_id] = self.flood.check(_chat_id(update))
            if len(self._flood_verdicts) > 10_000:  # updates that never reached the gate
                self._flood_verdicts.popitem(last=False)

    async def _limit_floods(self, update: Update, context: Context) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        if user is not None:
            self.languages.saw_telegram_code(chat.id, user.language_code)
        if not _counts_for_flood(update):
            return
        verdict = self._flood_verdicts.pop(update.update_id, None)
        if verdict is None:  # not judged on arrival (an update handed over directly)
            verdict = self.flood.check(chat.id)
        if verdict is Verdict.ALLOW:
            return
        log.info("chat %s is flooding: message dropped", pseudonym(chat.id))
        if update.callback_query is not None:
            with suppress(TelegramError):
                await update.callback_query.answer()
        if verdict is Verdict.WARN:
            await self._say(chat.id, "slow_down", _language_code(update))
        raise ApplicationHandlerStop

    # --- handlers ---------------------------------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        args = context.args or []
        code = start_code(args)
        known = await self.campaigns.is_known(code) if code else None
        campaign = campaign_from_start(args, known)
        extra = {"campaign": campaign} if campaign else {}
        await self._relay(update, COMMAND_PAYLOADS["start"], update.effective_message, extra)

    async def on_language(self, update: Update, context: Context) -> None:
        await self._deliverer.send(
            _chat_id(update),
            Outgoing(html=LANGUAGE_PROMPT, plain=LANGUAGE_PROMPT, keyboard=language_keyboard()),
        )

    async def on_command(self, update: Update, context: Context) -> None:
        message = _message(update)
        command = (message.text or "").split()[0][1:].split("@")[0].lower()
        await self._relay(update, COMMAND_PAYLOADS[command], message)

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        await self._relay(update, COMMAND_PAYLOADS["help"], update.effective_message)

    async def on_text(self, update: Update, context: Context) -> None:
        message = _message(update)
        cleaned, trimmed = trim(clean_text(message.text or ""), self.settings.max_input_chars)
        if not cleaned:
            await self._say(message.chat_id, "text_only", _language_code(update))
            return
        if trimmed:
            await self._say(message.chat_id, "trimmed", _language_code(update))
        await self._relay(update, cleaned, message)

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:  # the CallbackQueryHandler passes only callback queries
            return
        with suppress(TelegramError):
            await query.answer()
        data = query.data or ""
        if data == USED:
            return
        title = _button_title(query.message, data)
        payload = self.payloads.accept(data, on_keyboard=title is not None)
        if payload is None and title is not None:
            payload = clean_text(title)  # a long payload from before a restart: its title
        if not payload:
            log.info("callback data the bot did not send (or from before a restart): ignored")
            return
        with suppress(TelegramError):
            used = InlineKeyboardMarkup([[InlineKeyboardButton(f"✓ {title}", callback_data=USED)]])
            await query.edit_message_reply_markup(used if title else None)
        language = chosen_language(payload)
        if language:
            self.languages.chose(_chat_id(update), language)
        keyboard_message = query.message if isinstance(query.message, Message) else None
        await self._relay(update, payload, keyboard_message)

    async def on_edited(self, update: Update, context: Context) -> None:
        await self._say(_chat_id(update), "edited", _language_code(update))

    async def on_not_text(self, update: Update, context: Context) -> None:
        message = _message(update)
        if message.sticker or message.dice:
            key = "text_only_sticker"
        elif message.voice or message.audio or message.video_note:
            key = "text_only_voice"
        elif message.contact or message.location or message.venue:
            key = "text_only_private"
        else:
            key = "text_only"
        await self._say(message.chat_id, key, _language_code(update))

    async def _on_error(self, update: object, context: Context) -> None:
        log.error("error while handling an update", exc_info=context.error)

    # --- helpers ----------------------------------------------------------------------------

    @property
    def _deliverer(self) -> Deliverer:
        if self.deliverer is None:
            raise RuntimeError("the bot is not initialised yet")
        return self.deliverer

    async def _relay(
        self,
        update: Update,
        text_for_rasa: str,
        message: Message | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if self.relay is None:
            raise RuntimeError("the bot is not initialised yet")
        user = update.effective_user
        metadata: dict[str, Any] = {"channel": "telegram"}
        if user is not None:
            metadata["telegram_user_id"] = user.id
            if user.language_code:
                metadata["language_code"] = user.language_code
        if message is not None:
            metadata["message_id"] = message.message_id
        metadata.update(extra or {})
        await self.relay.handle(
            Inbound(
                chat_id=_chat_id(update),
                text=text_for_rasa,
                metadata=metadata,
                language_code=user.language_code if user else None,
            )
        )

    async def _say(self, chat_id: int, key: str, language_code: str | None) -> None:
        language = self.languages.language_for(chat_id, language_code)
        await self._deliverer.say(chat_id, text(key, language))


# Our handlers' filters admit only updates that have a chat and a message (or a callback
# query); these say so to the type checker, and fail loudly if a filter ever lets more in.
def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    if chat is None:
        raise ValueError("an update without a chat reached a chat handler")
    return chat.id


def _message(update: Update) -> Message:
    message = update.effective_message
    if message is None:
        raise ValueError("an update without a message reached a message handler")
    return message


def _language_code(update: Update) -> str | None:
    user = update.effective_user
    return user.language_code if user is not None else None


def _updater(application: Application) -> Updater:
    if application.updater is None:
        raise RuntimeError("the bot was built without an updater: polling is impossible")
    return application.updater


def _counts_for_flood(update: Update) -> bool:
    return update.effective_chat is not None and (
        update.message is not None
        or update.edited_message is not None
        or update.callback_query is not None
    )


def _button_title(message: object, data: str) -> str | None:
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()):
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def webhook_receiver(passerelle: PasserelleBot) -> WebhookReceiver:
    """Webhook mode listens on loopback, behind a reverse proxy doing TLS."""
    settings = passerelle.settings
    return WebhookReceiver(
        passerelle.application,
        settings.webhook_path,
        settings.secret_token(),
        settings.webhook_listen,
        settings.webhook_port,
    )


@asynccontextmanager
async def running(settings: Settings, **options: Any) -> AsyncIterator[PasserelleBot]:
    """Run the bot inside the current event loop until the block ends (polling, or webhook
    mode when settings.webhook_url is set)."""
    passerelle = PasserelleBot(settings, **options)
    application = passerelle.application
    receiver: WebhookReceiver | None = None
    await application.initialize()
    try:
        await passerelle._post_init(application)
        if settings.webhook_url:
            receiver = webhook_receiver(passerelle)
            await receiver.start()
            await register_webhook(
                application.bot, settings.webhook_url, settings.secret_token(), ALLOWED_UPDATES
            )
        else:
            await _updater(application).start_polling(
                poll_interval=0, timeout=settings.poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
        await application.start()
        yield passerelle
    finally:
        await passerelle._post_stop(application)
        if receiver is not None:
            await receiver.stop()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        await passerelle._post_shutdown(application)
