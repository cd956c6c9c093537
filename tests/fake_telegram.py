"""A fake Telegram Bot API server on 127.0.0.1, for tests that run the real python-telegram-bot.

    async with FakeTelegram() as telegram:          # picks a free port
        settings = Settings(telegram_token=telegram.token, api_base_url=telegram.base_url)
        ...                                          # start the bot against it
        telegram.send_text(1001, "/start gent-lan-7f3k", language_code="fr")
        [reply] = await telegram.wait_for_messages(1001, 1)

It implements what the bot uses (getMe, getUpdates with long polling, setWebhook /
deleteWebhook / getWebhookInfo, sendMessage, sendPhoto, sendChatAction, answerCallbackQuery,
editMessageReplyMarkup, sendDocument, setMyCommands / getMyCommands / deleteMyCommands, close,
logOut),
answers with Telegram's JSON shapes and error replies (400 with Telegram's descriptions for
bad HTML, over-long texts, bad button data, unknown chats; 401 bad token; 403 blocked;
404 unknown method; 409 getUpdates while a webhook is set), and can be told to fail a
method (`fail("sendMessage", 429, retry_after=1)`).

The user side: `send_text`, `press`, `send_media` (sticker, voice, photo, ...), `edit`,
`send_in_group`, `add_to_group`, `redeliver`. Updates go to getUpdates, or are POSTed to the
webhook (with the secret-token header) once one is set.

Run on its own, e.g. for a benchmark or a manual check (control endpoints under /_fake/):
    .venv/bin/python -m tests.fake_telegram --port 51801
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import aiohttp
from aiohttp import web

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64

# Sent as form fields by python-telegram-bot: these stay strings, the rest is JSON.
STRING_PARAMS = {
    "text",
    "caption",
    "callback_query_id",
    "url",
    "secret_token",
    "language_code",
    "parse_mode",
    "action",
    "photo",
    "description",
    "short_description",
    "name",
    "inline_message_id",
    "business_connection_id",
    "ip_address",
}
HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


class ApiError(Exception):
    def __init__(
        self,
        code: int,
        description: str,
        parameters: dict | None = None,
        raw_body: str | None = None,
    ) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters
        self.raw_body = raw_body  # sent as text/html instead of Telegram's JSON (a proxy's page)

    def body(self) -> dict:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class SentMessage:
    """A message the bot sent (as Telegram stores it)."""

    chat_id: int | str
    message_id: int
    text: str  # what the person sees (HTML parsed away)
    raw: str  # what the bot sent
    parse_mode: str | None
    reply_markup: dict | None
    at: float
    photo: str | None = None
    edits: list[dict | None] = field(default_factory=list)
    document: dict | None = None  # {"filename": ..., "content": bytes} of sendDocument

    @property
    def buttons(self) -> list[dict]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button(self, title_part: str) -> dict:
        for button in self.buttons:
            if title_part.lower() in button["text"].lower():
                return button
        raise KeyError(f"no button with {title_part!r} in {[b['text'] for b in self.buttons]}")


@dataclass
class Fault:
    code: int
    description: str
    parameters: dict | None
    times: int
    raw_body: str | None = None


class FakeTelegram:
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "passerelle_test_bot",
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Passerelle",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self.chats: dict[int | str, dict] = {}
        self.blocked: set[int | str] = set()
        self.commands: dict[str, list[dict]] = {}
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self.answered_callbacks: dict[str, dict] = {}
        self._updates: deque[dict] = deque()
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int | str, itertools.count] = defaultdict(
            lambda: itertools.count(1)
        )
        self._callback_ids = itertools.count(1)
        self._pending_callbacks: set[str] = set()
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._webhook_tasks: set[asyncio.Task] = set()

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What the bot's TELEGRAM_API_BASE_URL should be (the token is appended)."""
        return f"http://{self.host}:{self.port}/bot"

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_post("/_fake/{action}", self._control)
        app.router.add_get("/_fake/messages", self._control_messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._http = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        self._new_update.set()  # let a hanging long poll return now
        for task in list(self._webhook_tasks):
            task.cancel()
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.stop()

    # --- fault injection ---------------------------------------------------------------------

    def fail(
        self,
        method: str,
        code: int = 429,
        *,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
        raw_body: str | None = None,
    ) -> None:
        """The next `times` calls of `method` fail with `code` (429: Telegram's flood reply).

        Calls after earlier queued faults are used up; `raw_body` answers with that text
        (an HTML error page, as a proxy in front of Telegram sends) instead of JSON."""
        parameters = {"retry_after": retry_after} if code == 429 else None
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                400: "Bad Request: something is wrong",
                403: "Forbidden: bot was blocked by the user",
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
                504: "Gateway Timeout",
            }.get(code, "Error")
        self._faults[method].append(Fault(code, description, parameters, times, raw_body))

    def slow_down(self, method: str, seconds: float) -> None:
        self._delays[method] = seconds

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    # --- the user's side ---------------------------------------------------------------------

    def user(self, user_id: int, language_code: str | None = "nl", first_name: str = "Sam") -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def private_chat(self, user: dict) -> dict:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.chats[user["id"]] = chat
        return chat

    def group_chat(self, group_id: int, title: str = "Gaming club") -> dict:
        chat = {
            "id": group_id,
            "type": "supergroup" if group_id < -(10**12) else "group",
            "title": title,
        }
        self.chats[group_id] = chat
        return chat

    def _message(self, chat: dict, user: dict, **content: Any) -> dict:
        return {
            "message_id": next(self._message_ids[chat["id"]]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }

    def send_text(
        self, chat_id: int, text: str, *, language_code: str | None = "nl", first_name: str = "Sam"
    ) -> dict:
        """The person types `text` in their private chat with the bot."""
        user = self.user(chat_id, language_code, first_name)
        message = self._message(self.private_chat(user), user, **_text_content(text))
        return self.inject({"message": message})

    def send_media(self, chat_id: int, kind: str, *, language_code: str | None = "nl") -> dict:
        """kind: sticker, voice, photo, video, video_note, audio, document, location,
        contact, animation, dice, venue, poll."""
        user = self.user(chat_id, language_code)
        message = self._message(self.private_chat(user), user, **_media_content(kind, chat_id))
        return self.inject({"message": message})

    def edit(self, update: dict, new_text: str) -> dict:
        """The person edits a message they sent earlier."""
        edited = {**update["message"], "edit_date": int(time.time()), **_text_content(new_text)}
        return self.inject({"edited_message": edited})

    def press(
        self, sent: SentMessage, title_part: str, *, language_code: str | None = "nl"
    ) -> dict:
        """The person taps the inline button whose title contains `title_part`."""
        return self.press_data(
            sent, sent.button(title_part)["callback_data"], language_code=language_code
        )

    def press_data(self, sent: SentMessage, data: str, *, language_code: str | None = "nl") -> dict:
        user = self.user(int(sent.chat_id), language_code)
        query_id = f"{next(self._callback_ids)}{int(sent.chat_id) % 10**6:06d}"
        self._pending_callbacks.add(query_id)
        message = {
            "message_id": sent.message_id,
            "from": self.bot_user,
            "chat": self.chats[sent.chat_id],
            "date": int(sent.at),
            "text": sent.text,
        }
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return self.inject(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": str(sent.chat_id),
                    "data": data,
                }
            }
        )

    def send_in_group(
        self, group_id: int, user_id: int, text: str, language_code: str | None = "nl"
    ) -> dict:
        user = self.user(user_id, language_code)
        message = self._message(self.group_chat(group_id), user, **_text_content(text))
        return self.inject({"message": message})

    def add_to_group(self, group_id: int, by_user_id: int, language_code: str = "nl") -> dict:
        chat, user = self.group_chat(group_id), self.user(by_user_id, language_code)
        member = lambda status: {"user": self.bot_user, "status": status}  # noqa: E731
        return self.inject(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": member("left"),
                    "new_chat_member": member("member"),
                }
            }
        )

    def inject(self, update: dict) -> dict:
        """Queue a raw update (an update_id is added when missing)."""
        update = {"update_id": next(self._update_ids), **update}
        self._deliver(update)
        return update

    def redeliver(self, update: dict) -> dict:
        """Telegram sends the same update (same update_id) once more."""
        self._deliver(dict(update))
        return update

    def _deliver(self, update: dict) -> None:
        if self.webhook is not None:
            task = asyncio.get_running_loop().create_task(self._post_to_webhook(update))
            self._webhook_tasks.add(task)
            task.add_done_callback(self._webhook_tasks.discard)
        else:
            self._updates.append(update)
            self._new_update.set()

    async def _post_to_webhook(self, update: dict) -> None:
        assert self._http is not None and self.webhook is not None
        headers = {"Content-Type": "application/json"}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        try:
            async with self._http.post(
                self.webhook["url"], data=json.dumps(update), headers=headers
            ) as response:
                self.webhook_deliveries.append((update["update_id"], response.status))
        except aiohttp.ClientError:
            self.webhook_deliveries.append((update["update_id"], 0))

    # --- what the bot did --------------------------------------------------------------------

    def messages_to(self, chat_id: int | str) -> list[SentMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> Any:
        """Wait until predicate() returns something truthy; returns it."""

        async def until() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        try:
            return await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout} s waiting for {predicate}") from None

    async def wait_for_messages(
        self, chat_id: int | str, count: int, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least `count` messages to the chat; returns them."""
        await self.wait_for(lambda: len(self.messages_to(chat_id)) >= count, timeout)
        return self.messages_to(chat_id)

    async def next_messages(
        self, chat_id: int | str, after: int, settle: float = 0.3, timeout: float = 20.0
    ) -> list[SentMessage]:
        """The messages sent to a chat after the first `after`, once the bot went quiet."""
        await self.wait_for_messages(chat_id, after + 1, timeout)
        while True:
            seen = len(self.messages_to(chat_id))
            await asyncio.sleep(settle)
            if len(self.messages_to(chat_id)) == seen and self._quiet_for(chat_id, settle):
                return self.messages_to(chat_id)[after:]

    def _quiet_for(self, chat_id: int | str, seconds: float) -> bool:
        last = max((m.at for m in self.messages_to(chat_id)), default=0.0)
        return time.time() - last >= seconds

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- the Bot API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, time.time())
        self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if method in self._delays:
                await asyncio.sleep(self._delays[method])
            self._raise_fault(method)
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
            body: dict[str, Any] = {"ok": True, "result": result}
        except ApiError as error:
            call.status = error.code
            body = error.body()
            if error.raw_body is not None:
                await self._notify()
                return web.Response(
                    text=error.raw_body, status=error.code, content_type="text/html"
                )
        await self._notify()
        return web.json_response(body, status=call.status)

    def _raise_fault(self, method: str) -> None:
        faults = self._faults.get(method)
        if not faults:
            return
        fault = faults[0]
        fault.times -= 1
        if fault.times <= 0:
            faults.popleft()
        raise ApiError(fault.code, fault.description, fault.parameters, fault.raw_body)

    async def _m_getme(self, params: dict) -> dict:
        return self.bot_user

    async def _m_getupdates(self, params: dict) -> list[dict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(int(params.get("limit") or 100), 100)
        timeout = float(params.get("timeout") or 0)
        while self._updates and offset and self._updates[0]["update_id"] < offset:
            self._updates.popleft()  # confirmed by the offset
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return [u for u in self._updates if u["update_id"] >= offset][:limit]

    async def _m_setwebhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        if not url:
            self.webhook = None
            return True
        if not re.match(r"^https?://", url):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": params.get("allowed_updates"),
        }
        for update in list(self._updates):  # Telegram now pushes what was waiting
            self._updates.remove(update)
            self._deliver(update)
        return True

    async def _m_deletewebhook(self, params: dict) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getwebhookinfo(self, params: dict) -> dict:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_sendmessage(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        raw = str(params.get("text") or "")
        parse_mode = params.get("parse_mode")
        visible = parse_html(raw) if parse_mode == "HTML" else raw
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(visible) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = _check_markup(params.get("reply_markup"))
        return self._store(chat, visible, raw, parse_mode, markup)

    async def _m_sendphoto(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        caption = str(params.get("caption") or "")
        markup = _check_markup(params.get("reply_markup"))
        return self._store(chat, caption, caption, params.get("parse_mode"), markup, photo=photo)

    async def _m_senddocument(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = params.get(document[len("attach://") :])
        if not isinstance(document, dict) or not document.get("content"):
            raise ApiError(400, "Bad Request: there is no document in the request")
        caption = str(params.get("caption") or "")
        markup = _check_markup(params.get("reply_markup"))
        stored = self._store(chat, caption, caption, params.get("parse_mode"), markup)
        self.sent[-1].document = document
        stored["document"] = {
            "file_id": f"doc-{stored['message_id']}",
            "file_unique_id": f"d{stored['message_id']}",
            "file_name": document["filename"],
        }
        return stored

    async def _m_sendchataction(self, params: dict) -> bool:
        self._chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _m_answercallbackquery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._pending_callbacks.discard(query_id)
        self.answered_callbacks[query_id] = params
        return True

    async def _m_editmessagereplymarkup(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        message = self._find_sent(chat["id"], params.get("message_id"))
        markup = _check_markup(params.get("reply_markup"))
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same as a current "
                "content and reply markup of the message",
            )
        message.edits.append(markup)
        message.reply_markup = markup
        return self._message_json(message)

    async def _m_setmycommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: invalid language code specified")
        self.commands[language] = commands
        return True

    async def _m_getmycommands(self, params: dict) -> list[dict]:
        return self.commands.get(params.get("language_code") or "", [])

    async def _m_deletemycommands(self, params: dict) -> bool:
        self.commands.pop(params.get("language_code") or "", None)
        return True

    async def _m_close(self, params: dict) -> bool:
        return True

    async def _m_logout(self, params: dict) -> bool:
        return True

    # --- helpers for the API -----------------------------------------------------------------

    def _chat(self, chat_id: Any) -> dict:
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _find_sent(self, chat_id: int | str, message_id: Any) -> SentMessage:
        for message in self.sent:
            if message.chat_id == chat_id and message.message_id == int(message_id or 0):
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _store(
        self,
        chat: dict,
        visible: str,
        raw: str,
        parse_mode: str | None,
        markup: dict | None,
        photo: str | None = None,
    ) -> dict:
        message = SentMessage(
            chat_id=chat["id"],
            message_id=next(self._message_ids[chat["id"]]),
            text=visible,
            raw=raw,
            parse_mode=parse_mode,
            reply_markup=markup,
            at=time.time(),
            photo=photo,
        )
        self.sent.append(message)
        return self._message_json(message)

    def _message_json(self, message: SentMessage) -> dict:
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self.chats[message.chat_id],
            "date": int(message.at),
        }
        if message.photo is not None:
            body["photo"] = [
                {
                    "file_id": f"photo-{message.message_id}",
                    "file_unique_id": f"u{message.message_id}",
                    "width": 320,
                    "height": 240,
                    "file_size": 12345,
                }
            ]
            if message.text:
                body["caption"] = message.text
        else:
            body["text"] = message.text
        if message.reply_markup:
            body["reply_markup"] = message.reply_markup
        return body

    # --- control endpoints (for use from another process) ------------------------------------

    async def _control(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        data = await request.json()
        if action == "send_text":
            update = self.send_text(
                int(data["chat_id"]), data["text"], language_code=data.get("language_code", "nl")
            )
        elif action == "send_media":
            update = self.send_media(
                int(data["chat_id"]), data["kind"], language_code=data.get("language_code", "nl")
            )
        elif action == "press":
            sent = self._find_sent(int(data["chat_id"]), data["message_id"])
            update = self.press_data(
                sent, data["callback_data"], language_code=data.get("language_code", "nl")
            )
        else:
            return web.json_response({"ok": False, "description": "unknown action"}, status=404)
        return web.json_response({"ok": True, "update": update})

    async def _control_messages(self, request: web.Request) -> web.Response:
        chat_id = int(request.query["chat_id"])
        return web.json_response(
            [
                {
                    "message_id": m.message_id,
                    "text": m.text,
                    "raw": m.raw,
                    "at": m.at,
                    "reply_markup": m.reply_markup,
                    "photo": m.photo,
                }
                for m in self.messages_to(chat_id)
            ]
        )


# --- pure helpers ------------------------------------------------------------------------------


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                params.update(await request.json())
            except ValueError:
                raise web.HTTPBadRequest(text="bad JSON") from None
            return params
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
        for key, value in form.items():  # an uploaded file (sendDocument)
            if isinstance(value, web.FileField):
                params[key] = {"filename": value.filename, "content": value.file.read()}
    for key, value in list(params.items()):
        if isinstance(value, str) and key not in STRING_PARAMS:
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _text_content(text: str) -> dict:
    content: dict[str, Any] = {"text": text}
    command = re.match(r"^/[A-Za-z0-9_]+(@\w+)?", text)
    if command:
        content["entities"] = [
            {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group(0))}
        ]
    return content


def _media_content(kind: str, seed: int) -> dict:
    file = {"file_id": f"{kind}-{seed}-{time.time_ns()}", "file_unique_id": f"{kind}{seed}"}
    media: dict[str, dict] = {
        "sticker": {
            "sticker": {
                **file,
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": "😎",
            }
        },
        "voice": {"voice": {**file, "duration": 4, "mime_type": "audio/ogg"}},
        "audio": {"audio": {**file, "duration": 120, "mime_type": "audio/mpeg"}},
        "photo": {
            "photo": [{**file, "width": 90, "height": 90}, {**file, "width": 1280, "height": 960}]
        },
        "video": {"video": {**file, "width": 640, "height": 480, "duration": 7}},
        "video_note": {"video_note": {**file, "length": 240, "duration": 5}},
        "animation": {
            "animation": {**file, "width": 320, "height": 240, "duration": 2},
            "document": {**file, "file_name": "fun.gif.mp4"},
        },
        "document": {"document": {**file, "file_name": "cv.pdf", "mime_type": "application/pdf"}},
        "location": {"location": {"latitude": 50.8466, "longitude": 4.3528}},
        "venue": {
            "venue": {
                "location": {"latitude": 50.8466, "longitude": 4.3528},
                "title": "Youth centre",
                "address": "Rue Haute 1, Bruxelles",
            }
        },
        "contact": {
            "contact": {"phone_number": "+32470123456", "first_name": "Sam", "user_id": seed}
        },
        "dice": {"dice": {"emoji": "🎲", "value": 4}},
        "poll": {
            "poll": {
                "id": "1",
                "question": "Pizza?",
                "options": [
                    {"text": "yes", "voter_count": 0, "persistent_id": "o1"},
                    {"text": "no", "voter_count": 0, "persistent_id": "o2"},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
        },
    }
    if kind not in media:
        raise ValueError(f"unknown media kind {kind!r}")
    return media[kind]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


def parse_html(source: str) -> str:
    """Telegram's HTML parse mode: returns the visible text or raises ApiError(400)."""
    visible: list[str] = []
    open_tags: list[str] = []
    position = 0
    while position < len(source):
        char = source[position]
        offset = len(source[:position].encode())
        if char == "<":
            tag = _TAG.match(source, position)
            if tag is None:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: Unsupported start "
                    f"tag at byte offset {offset}",
                )
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if name not in HTML_TAGS:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Unsupported start "
                    f'tag "{name}" at byte offset {offset}',
                )
            if closing:
                if not open_tags or open_tags[-1] != name:
                    raise ApiError(
                        400,
                        f"Bad Request: can't parse entities: Unexpected end "
                        f"tag at byte offset {offset}",
                    )
                open_tags.pop()
            else:
                open_tags.append(name)
            position = tag.end()
        elif char == "&":
            entity = _ENTITY.match(source, position)
            if entity is None:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: Character '&' is "
                    f"reserved and must be escaped at byte offset {offset}",
                )
            visible.append(unescape(entity.group(0)))
            position = entity.end()
        elif char == ">":
            raise ApiError(
                400,
                "Bad Request: can't parse entities: Character '>' is reserved "
                f"and must be escaped at byte offset {offset}",
            )
        else:
            visible.append(char)
            position += 1
    if open_tags:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag "
            f'corresponding to start tag "{open_tags[-1]}"',
        )
    return "".join(visible)


def _check_markup(markup: Any) -> dict | None:
    if markup in (None, "", {}):
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # reply keyboards etc.: accepted as they are
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Array')
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if data is None and "url" not in button:
                raise ApiError(400, 'Bad Request: can\'t find field "callback_data"')
    return markup if rows else None


async def _serve(port: int, token: str) -> None:
    async with FakeTelegram(token=token, port=port) as telegram:
        print(f"fake Telegram Bot API on {telegram.base_url}  (token {token})", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.token))


if __name__ == "__main__":
    main()
