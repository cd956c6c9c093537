"""Bot-only fixtures: the fake Telegram server, a tiny fake Rasa, and the bot running on both.

The fake Rasa speaks Rasa's REST channel (POST /webhooks/rest/webhook, GET /) and answers
with whatever `fake_rasa.reply(sender, text, metadata)` returns; by default it greets back
in the language of the metadata. It records every message it got, and can be taken down and
brought back on the same port to play an outage.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiohttp import web

from bot.app import PasserelleBot, running
from bot.settings import Settings
from leads.db import get_engine
from leads.migrate import upgrade
from tests.fake_telegram import FakeTelegram

KNOWN_CAMPAIGNS = {"gent-lan-7f3k", "brussel-poster-2b9x"}
GREETINGS = {
    "nl": "Hoi! Waarmee kan ik je helpen?",
    "fr": "Salut ! Je peux t'aider ?",
    "en": "Hi! How can I help?",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    text: str
    metadata: dict[str, Any]


def default_reply(sender: str, text: str, metadata: dict) -> list[dict]:
    language = (metadata.get("language_code") or "nl")[:2]
    return [{"recipient_id": sender, "text": GREETINGS.get(language, GREETINGS["nl"])}]


@dataclass
class FakeRasa:
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    reply: Callable[[str, str, dict], list[dict]] = default_reply
    delay: float = 0.0
    status: int = 200
    actions_healthy: bool = True
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def texts_from(self, sender: str) -> list[str]:
        return [r.text for r in self.received if r.sender == sender]

    async def up(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        app.router.add_get("/", self._root)
        app.router.add_get("/health", self._health)  # plays the action server's health
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def down(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _root(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21 (fake)")

    async def _health(self, request: web.Request) -> web.Response:
        if self.actions_healthy:
            return web.json_response({"status": "ok"})
        return web.Response(status=503)

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.status != 200:
            return web.Response(status=self.status, text="fake failure")
        self.received.append(Received(body["sender"], body["message"], body.get("metadata", {})))
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response(self.reply(body["sender"], body["message"], body["metadata"]))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("bot-db") / "template.db"
    upgrade(f"sqlite:///{path}")
    get_engine(f"sqlite:///{path}").dispose()  # the last connection folds the WAL into the file
    return str(path)


@pytest.fixture(autouse=True)
def outbox_database(migrated_sqlite: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The bot queues staff notices and sends reminders from the outbox: a fresh database."""
    path = tmp_path / "passerelle.db"
    shutil.copy(migrated_sqlite, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    # nothing of the lead store goes to the repository's var/ (spool, salt)
    monkeypatch.setenv("PASSERELLE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PASSERELLE_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("PASSERELLE_SPOOL_FLUSHER", "off")
    monkeypatch.setenv("FUNNEL_SALT", "test-salt")
    return url


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    rasa = FakeRasa()
    await rasa.up()
    yield rasa
    await rasa.down()


@pytest.fixture
def erased() -> list[str]:
    return []


@pytest.fixture
def bot_settings(telegram: FakeTelegram, fake_rasa: FakeRasa) -> Settings:
    return Settings(
        telegram_token=telegram.token,
        api_base_url=telegram.base_url,
        rasa_urls=[fake_rasa.url],
        rasa_timeout=5,
        slow_notice_after=2,
        reply_interval=0.05,
        typing_delay=0.2,
        poll_timeout=1,
        retry_max_delay=0.5,
        staff_chat_id=-100200300,
        dashboard_url="http://dash.example",
    )


@pytest.fixture
def start_bot(erased: list[str]) -> Callable[..., Any]:
    """`async with start_bot(settings, **changes) as bot:` — the bot on the fake servers."""

    def start(settings: Settings, **changes: Any) -> Any:
        return running(
            replace(settings, **changes),
            erase_tracker=lambda sender: erased.append(sender) or 1,
            campaign_lookup=lambda code: code in KNOWN_CAMPAIGNS,
        )

    return start


@pytest.fixture
async def bot(
    start_bot: Callable[..., Any], bot_settings: Settings, telegram: FakeTelegram
) -> AsyncIterator[PasserelleBot]:
    telegram.group_chat(-100200300, "Admissions")
    async with start_bot(bot_settings) as passerelle:
        yield passerelle
