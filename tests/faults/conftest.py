"""Fixtures of the fault tests.

Bot-level faults reuse the bot suite's fixtures (fake Telegram, fake Rasa). Full-stack faults
run the real bot on the fake Telegram server against the real Rasa and action server, once per
database backend (`fault_stack`, parametrised):

- sqlite: the session's `stack` (tests/conftest.py), SQLite files for leads and trackers;
- postgresql: a fresh database on 127.0.0.1:5432 (created here, dropped afterwards) for both
  the leads and Rasa's trackers. The action server reaches it through a TCP proxy that a test
  can stop, so the lead store "loses" PostgreSQL while Rasa's tracker store keeps it; Rasa
  reaches the action server through another proxy, which lets a test act while Rasa is in
  the middle of a turn.
"""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import select

from bot.app import PasserelleBot, running
from bot.settings import Settings
from tests.bot import conftest as bot_suite
from tests.fake_telegram import FakeTelegram, SentMessage
from tests.tcp_proxy import TcpProxy
from tests.telegram_chat import TelegramChat
from tools.scratch_postgres import create_databases, drop_databases
from tools.stack import Stack, free_port, trained_model

PG_HOST, PG_PORT = "127.0.0.1", 5432

# The bot suite's fixtures, under the same names.
telegram, fake_rasa, bot_settings = bot_suite.telegram, bot_suite.fake_rasa, bot_suite.bot_settings
erased, start_bot, bot = bot_suite.erased, bot_suite.start_bot, bot_suite.bot
migrated_sqlite, outbox_database = bot_suite.migrated_sqlite, bot_suite.outbox_database


@dataclass
class FaultStack:
    stack: Stack
    backend: str  # "sqlite" or "postgresql"
    direct_database_url: str  # the lead store, bypassing the proxy (for the test's reads)
    proxy: TcpProxy | None = None  # between the action server and PostgreSQL
    action_proxy: TcpProxy | None = None  # between Rasa and the action server

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash or an OOM kill."""
        process = self.stack.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def leads_of(self, sender_id: str) -> list[dict]:
        from leads.db import session_scope
        from leads.models import Lead

        with session_scope(self.direct_database_url) as session:
            rows = session.scalars(select(Lead).where(Lead.sender_id == sender_id)).all()
            return [
                {column.name: getattr(row, column.key) for column in Lead.__mapper__.columns}
                for row in rows
            ]

    def spooled(self) -> list[str]:
        path = self.stack.workdir / "spool" / "leads.jsonl"
        return (
            [line for line in path.read_text().splitlines() if line.strip()]
            if path.exists()
            else []
        )


def _fresh_database(name: str) -> None:
    try:
        create_databases(name)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL at {PG_HOST}:{PG_PORT} unreachable: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def postgresql_fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    database = f"passerelle_faults_{os.getpid()}_{secrets.token_hex(3)}"
    _fresh_database(database)
    proxy = TcpProxy(free_port(), (PG_HOST, PG_PORT))
    proxy.start()
    stack = Stack(
        workdir=tmp_path_factory.mktemp("pg-stack"),
        model=trained_model(),
        database_url=f"postgresql+psycopg://postgres@{PG_HOST}:{proxy.port}/{database}",
        tracker_url=f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{database}",  # Rasa: psycopg2
    )
    direct = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{database}"
    action_proxy: TcpProxy | None = None
    try:
        try:
            stack.configure()  # Stack.start(), with Rasa's action calls through a proxy
            action_proxy = TcpProxy(free_port(), ("127.0.0.1", stack.action_port))
            action_proxy.start()
            stack.env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{action_proxy.port}/webhook"
            stack.migrate()
            stack.start_actions()
            stack.start_rasa()
        except Exception as error:
            pytest.fail(f"could not start the PostgreSQL stack: {error}\n{stack.logs()}")
        yield FaultStack(stack, "postgresql", direct, proxy, action_proxy)
    finally:
        stack.close()
        proxy.stop()
        if action_proxy is not None:
            action_proxy.stop()
        from leads.db import dispose_engines

        dispose_engines()
        drop_databases(database)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fault_stack(request: pytest.FixtureRequest) -> FaultStack:
    if request.param == "sqlite":
        stack: Stack = request.getfixturevalue("stack")
        return FaultStack(stack, "sqlite", stack.database_url)
    return request.getfixturevalue("postgresql_fault_stack")


@asynccontextmanager
async def bot_on(fault_stack: FaultStack, telegram: FakeTelegram) -> AsyncIterator[PasserelleBot]:
    """The real bot on the fake Telegram server, talking to the fault stack's Rasa."""
    stack = fault_stack.stack
    settings = Settings(
        telegram_token=telegram.token,
        api_base_url=telegram.base_url,
        rasa_urls=[stack.rasa_url],
        action_server_url=stack.action_url,
        rasa_timeout=60,
        slow_notice_after=20,
        reply_interval=0.05,
        poll_timeout=1,
        retry_max_delay=2,
    )
    async with running(
        settings, erase_tracker=lambda sender: 0, campaign_lookup=lambda code: False
    ) as passerelle:
        yield passerelle


@pytest.fixture
async def stack_bot(
    fault_stack: FaultStack, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PasserelleBot]:
    monkeypatch.setenv("DATABASE_URL", fault_stack.direct_database_url)
    async with bot_on(fault_stack, telegram) as passerelle:
        yield passerelle


class Chat(TelegramChat):
    """A chat whose replies may be held through a fault: waits for quiet."""

    async def say(self, text: str, timeout: float = 90, quiet: float = 0.4) -> list[SentMessage]:
        return await super().say(text, timeout, quiet)

    async def settle(
        self, before: int, timeout: float = 90, quiet: float = 0.4
    ) -> list[SentMessage]:
        return await super().settle(before, timeout, quiet)


@pytest.fixture
def new_chat(stack_bot: PasserelleBot, telegram: FakeTelegram, fault_stack: FaultStack):  # noqa: ANN201
    def make(language: str) -> Chat:
        return Chat(
            stack_bot, telegram, fault_stack.stack, 900_000_000 + secrets.randbelow(10**8), language
        )

    return make
