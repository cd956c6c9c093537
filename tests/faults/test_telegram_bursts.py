"""Telegram answering with bursts of 429 and 5xx: every reply still arrives, once, in order.

Three people talk at the same time; each message gets a reply of two messages. While they
talk, the fake Bot API refuses a long run of sendMessage calls (flood control, a gateway
failing, an internal error, an HTML error page from a proxy). Afterwards each chat must
hold exactly the replies it asked for, in the order asked, none missing and none twice.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.settings import Settings
from tests.bot.conftest import FakeRasa
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(120)

CHATS = [7101, 7102, 7103]
QUESTIONS = ["eerste vraag", "tweede vraag", "derde vraag"]


def two_part_reply(sender: str, text: str, metadata: dict) -> list[dict]:
    return [
        {"recipient_id": sender, "text": f"{text} · deel 1/2"},
        {"recipient_id": sender, "text": f"{text} · deel 2/2"},
    ]


def expected_sequence() -> list[str]:
    return [f"{question} · deel {part}/2" for question in QUESTIONS for part in (1, 2)]


def queue_bursts(telegram: FakeTelegram) -> int:
    """A run of refusals, in this order; returns how many calls will fail."""
    bursts = [
        (429, 4, None),
        (502, 6, None),
        (500, 3, None),
        (503, 3, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"),
        (429, 2, None),
        (504, 4, None),
    ]
    for code, times, html in bursts:
        telegram.fail("sendMessage", code, retry_after=1, times=times, raw_body=html)
    return sum(times for _, times, _ in bursts)


async def test_bursts_of_429_and_5xx_lose_and_double_nothing(
    start_bot, bot_settings: Settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = two_part_reply
    failing = queue_bursts(telegram)
    async with start_bot(bot_settings) as bot:
        for question in QUESTIONS:
            for chat in CHATS:
                telegram.send_text(chat, question, language_code="nl")
        for chat in CHATS:
            await telegram.wait_for_messages(chat, len(expected_sequence()), timeout=90)
        while any(bot.turns.is_busy(chat) for chat in CHATS):
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # a late duplicate would show up now

    statuses = [call.status for call in telegram.calls_of("sendMessage")]
    assert len([s for s in statuses if s != 200]) == failing  # the whole burst was served
    for chat in CHATS:
        assert [m.text for m in telegram.messages_to(chat)] == expected_sequence(), chat
        assert fake_rasa.texts_from(f"tg-{chat}") == QUESTIONS


async def test_a_burst_on_the_bots_own_notes_loses_nothing_either(
    start_bot, bot_settings: Settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    """The bot's own texts (here: "I can only read text") go through the same retries; one
    chat alone meets the whole burst (more failures in a row than a fixed count allowed)."""
    telegram.fail("sendMessage", 502, times=4)
    telegram.fail("sendMessage", 429, retry_after=1, times=1)
    async with start_bot(bot_settings):
        telegram.send_media(CHATS[0], "sticker", language_code="en")
        telegram.send_text(CHATS[0], "hello", language_code="en")
        messages = await telegram.wait_for_messages(CHATS[0], 2, timeout=60)
        await asyncio.sleep(1.0)
    assert [m.text for m in telegram.messages_to(CHATS[0])] == [
        messages[0].text,
        "Hi! How can I help?",
    ]
    assert "sticker" in messages[0].text.lower()
