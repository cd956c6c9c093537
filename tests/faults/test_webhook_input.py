"""Webhook mode under bad input: whatever reaches the bot's port, it answers with a 4xx and no
crash, and the next genuine update from Telegram is still answered."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.settings import Settings
from tests.bot.conftest import FakeRasa, free_port
from tests.bot.test_modes import ROOT, bot_env
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(60)

CHAT = 6161
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
VALID = (
    b'{"update_id": 77, "message": {"message_id": 1, "date": 0, "text": "hoi", '
    b'"chat": {"id": 6262, "type": "private"}, "from": {"id": 6262, "is_bot": false, '
    b'"first_name": "Sam"}}}'
)


def bad_requests(secret: str) -> list[tuple[str, bytes, dict[str, str], set[int]]]:
    """(what, body, headers, acceptable statuses) for everything a stranger might send."""
    json_type = {"Content-Type": "application/json"}
    signed = {**json_type, SECRET_HEADER: secret}
    return [
        ("no secret", VALID, json_type, {403}),
        ("wrong secret", VALID, {**json_type, SECRET_HEADER: "guess"}, {403}),
        ("empty secret", VALID, {**json_type, SECRET_HEADER: ""}, {403}),
        ("almost the secret", VALID, {**json_type, SECRET_HEADER: secret[:-1]}, {403}),
        ("malformed JSON", b'{"update_id": 1, "message": ', signed, {400}),
        ("not JSON at all", b"hello there", signed, {400}),
        ("empty body", b"", signed, {400}),
        ("JSON but not an update", b"[1, 2, 3]", signed, {400}),
        ("an update without an id", b'{"message": {"text": "hi"}}', signed, {400}),
        ("an update that does not parse", b'{"update_id": 5, "message": "\\u00e9"}', signed, {400}),
        ("invalid UTF-8", b'{"update_id": 2, "message": "\xff\xfe\xc3\x28"}', signed, {400}),
        ("invalid UTF-8 in a text", VALID.replace(b"hoi", b"ho\xe9i"), signed, {400}),
        (
            "form data",
            b"update_id=3",
            {**signed, "Content-Type": "application/x-www-form-urlencoded"},
            {400, 415},
        ),
        ("plain text", VALID, {**signed, "Content-Type": "text/plain"}, {400, 415}),
        ("no content type", VALID, {SECRET_HEADER: secret}, {400, 415}),
        (
            "huge body",
            b'{"update_id": 4, "pad": "' + b"x" * (3 * 1024 * 1024) + b'"}',
            signed,
            {413},
        ),
    ]


async def chunks(piece: bytes, count: int) -> AsyncIterator[bytes]:
    """A body sent chunked, without a Content-Length to refuse it by."""
    for _ in range(count):
        yield piece


async def test_bad_webhook_requests_get_a_4xx_and_the_bot_keeps_answering(
    start_bot, bot_settings: Settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    async with start_bot(bot_settings, webhook_url=hook, webhook_port=port) as bot:
        secret = bot.settings.secret_token()
        telegram.send_text(CHAT, "hallo")
        await telegram.wait_for_messages(CHAT, 1)

        statuses: dict[str, int] = {}
        async with aiohttp.ClientSession() as http:
            for what, body, headers, _ in bad_requests(secret):
                async with http.post(hook, data=body, headers=headers) as response:
                    statuses[what] = response.status
            async with http.post(
                hook,
                data=chunks(b"x" * 65536, 40),
                headers={"Content-Type": "application/json", SECRET_HEADER: secret},
            ) as response:
                statuses["huge chunked body"] = response.status
            async with http.get(hook, headers={SECRET_HEADER: secret}) as response:
                statuses["GET"] = response.status
            async with http.post(
                hook + "-elsewhere",
                data=VALID,
                headers={"Content-Type": "application/json", SECRET_HEADER: secret},
            ) as response:
                statuses["another path"] = response.status
        wanted = {what: allowed for what, _, _, allowed in bad_requests(secret)}
        wanted.update({"GET": {404, 405}, "another path": {404}, "huge chunked body": {413}})
        wrong = {what: status for what, status in statuses.items() if status not in wanted[what]}
        assert not wrong, f"unexpected statuses: {wrong}"

        assert fake_rasa.texts_from(f"tg-{CHAT}") == ["hallo"]  # nothing bad got through
        assert fake_rasa.texts_from("tg-6262") == []
        telegram.send_text(CHAT, "nog een vraag")
        await telegram.wait_for_messages(CHAT, 2)
    assert fake_rasa.texts_from(f"tg-{CHAT}") == ["hallo", "nog een vraag"]
    assert [status for _, status in telegram.webhook_deliveries] == [200, 200]


async def test_many_bad_requests_at_once_do_not_starve_real_updates(
    start_bot, bot_settings: Settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    async with start_bot(bot_settings, webhook_url=hook, webhook_port=port) as bot:
        secret = bot.settings.secret_token()
        junk = [request for request in bad_requests(secret) if request[0] != "huge body"]

        async def hammer(http: aiohttp.ClientSession, round_number: int) -> list[int]:
            statuses = []
            for _, body, headers, _ in junk:
                async with http.post(hook, data=body, headers=headers) as response:
                    statuses.append(response.status)
            return statuses

        async with aiohttp.ClientSession() as http:
            flood = asyncio.gather(*(hammer(http, n) for n in range(10)))
            telegram.send_text(CHAT, "ben je er nog?", language_code="nl")
            [reply] = await telegram.wait_for_messages(CHAT, 1, timeout=20)
            results = await flood
        assert reply.text == "Hoi! Waarmee kan ik je helpen?"
        assert all(400 <= status < 500 for statuses in results for status in statuses)
    assert fake_rasa.texts_from(f"tg-{CHAT}") == ["ben je er nog?"]


async def test_python_m_bot_in_webhook_mode_survives_bad_input(
    telegram: FakeTelegram, fake_rasa: FakeRasa, tmp_path
) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    env = bot_env(
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_BASE_URL=telegram.base_url,
        RASA_URL=fake_rasa.url,
        TELEGRAM_WEBHOOK_URL=hook,
        TELEGRAM_WEBHOOK_PORT=str(port),
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
        await telegram.wait_for(lambda: telegram.webhook, timeout=20)
        secret = telegram.webhook["secret_token"]
        async with aiohttp.ClientSession() as http:
            for _, body, headers, allowed in bad_requests(secret):
                async with http.post(hook, data=body, headers=headers) as response:
                    assert response.status in allowed
        assert process.returncode is None  # still running
        telegram.send_text(CHAT, "/start", language_code="en")
        [reply] = await telegram.wait_for_messages(CHAT, 1, timeout=15)
        assert reply.text == "Hi! How can I help?"
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, output.decode()
    assert "Traceback" not in output.decode(), output.decode()
    assert telegram.token not in output.decode()


async def test_the_webhook_is_registered_even_when_telegram_fails_at_first(
    start_bot, bot_settings: Settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    telegram.fail("setWebhook", 502, times=2)
    telegram.fail("setWebhook", 429, retry_after=1)
    async with start_bot(bot_settings, webhook_url=hook, webhook_port=port):
        assert [c.status for c in telegram.calls_of("setWebhook")] == [502, 502, 429, 200]
        telegram.send_text(CHAT, "hallo")
        [reply] = await telegram.wait_for_messages(CHAT, 1)
    assert reply.text == "Hoi! Waarmee kan ik je helpen?"
