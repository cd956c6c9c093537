"""How the bot runs: `python -m bot` (no token, polling), and webhook mode behind a proxy."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.settings import Settings
from tests.bot.conftest import FakeRasa, free_port
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(40)
ROOT = Path(__file__).resolve().parents[2]


def bot_env(**values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "RASA_", "STAFF_", "ACTION_SERVER"))
    }
    return {**env, "PYTHONUNBUFFERED": "1", **values}


async def test_without_a_token_the_bot_says_it_is_off_and_how_to_turn_it_on(tmp_path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env={**bot_env(), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in stderr.decode()
    assert "@BotFather" in stderr.decode()


async def test_python_m_bot_answers_a_deep_link_through_the_fake_server(
    telegram: FakeTelegram, fake_rasa: FakeRasa, tmp_path
) -> None:
    env = bot_env(
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_BASE_URL=telegram.base_url,
        RASA_URL=fake_rasa.url,
        PYTHONPATH=str(ROOT),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        await telegram.wait_for(lambda: telegram.calls_of("getUpdates"), timeout=20)
        telegram.send_text(4242, "/start gent-lan-7f3k", language_code="en")
        [reply] = await telegram.wait_for_messages(4242, 1, timeout=15)
        assert reply.text == "Hi! How can I help?"
        assert fake_rasa.received[0].metadata["campaign"] in {
            "gent-lan-7f3k",
            "unknown: gent-lan-7f3k",
        }  # depends on the campaign table
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, output.decode()
    assert telegram.token not in output.decode()  # the token never reaches the logs


async def test_webhook_mode_checks_the_secret_and_answers(
    start_bot, bot_settings: Settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    async with start_bot(bot_settings, webhook_url=hook, webhook_port=port) as bot:
        secret = bot.settings.secret_token()
        assert telegram.webhook == {
            "url": hook,
            "secret_token": secret,
            "allowed_updates": ["message", "edited_message", "callback_query", "my_chat_member"],
        }
        telegram.send_text(5151, "/start gent-lan-7f3k", language_code="nl")
        [reply] = await telegram.wait_for_messages(5151, 1)
        assert reply.text == "Hoi! Waarmee kan ik je helpen?"
        assert telegram.webhook_deliveries[-1][1] == 200
        assert telegram.calls_of("getUpdates") == []

        update = b'{"update_id": 1, "message": {"text": "hi"}}'
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                async with http.post(
                    hook, data=update, headers={"Content-Type": "application/json", **headers}
                ) as response:
                    assert response.status == 403
            async with http.post(
                hook,
                data=b'{"update_id": 2, "message": "\xff\xfe"}',
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": secret,
                },
            ) as response:
                assert response.status >= 400  # invalid UTF-8: refused, nothing crashes

        telegram.send_text(5151, "nog een vraag")
        await telegram.wait_for_messages(5151, 2)
    assert [r.text for r in fake_rasa.received] == ["/greet", "nog een vraag"]


def test_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "1:x",
            "RASA_URL": "http://a:5005/, http://b:5005",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
            "STAFF_CHAT_ID": "-1001",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        }
    )
    assert settings.rasa_urls == ["http://a:5005", "http://b:5005"]
    assert settings.webhook_path == "tg/hook"
    assert settings.webhook_listen == "127.0.0.1" and settings.webhook_port == 8443
    assert settings.staff_chat_id == -1001
    assert settings.api_base_file_url == "http://127.0.0.1:8081/file/bot"
    secret = settings.secret_token()
    assert (
        len(secret) == 64
        and secret == Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:x"}).secret_token()
    )
    assert Settings.from_env({}).telegram_token is None
    assert Settings.from_env({}).api_base_url == "https://api.telegram.org/bot"
