"""100 messages within one second from one person, with the default flood limit.

They get one friendly "slow down" note, the bot does not crash or log errors, a few seconds
later it answers that person normally again, and the people chatting meanwhile are answered
as usual, without waiting behind the flood. Played through polling and through the webhook.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.flood import FloodGuard, Verdict
from bot.settings import Settings
from bot.texts import TEXTS
from tests.bot.conftest import FakeRasa, free_port
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(90)

FLOODER, OTHERS = 8101, [8102, 8103]
FLOOD_SIZE = 100


def test_a_long_flood_earns_one_notice_even_as_tokens_trickle_back() -> None:
    now = [0.0]
    guard = FloodGuard(burst=20, per_minute=60, clock=lambda: now[0])
    verdicts = []
    for _ in range(300):  # 10 messages a second for 30 s
        verdicts.append(guard.check(1))
        now[0] += 0.1
    assert verdicts.count(Verdict.WARN) == 1
    assert 20 + 25 <= verdicts.count(Verdict.ALLOW) <= 20 + 31  # the burst, then 1 per second
    now[0] += 1.0  # calm for a refill interval: the flood is over
    after = [guard.check(1) for _ in range(5)]
    allowed = after.count(Verdict.ALLOW)
    assert 1 <= allowed <= 2 and after[allowed:] == [Verdict.WARN] + [Verdict.DROP] * (4 - allowed)


def echo(sender: str, text: str, metadata: dict) -> list[dict]:
    return [{"recipient_id": sender, "text": f"réponse à : {text}"}]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_flood_of_100_in_a_second_gets_one_note_and_service_goes_on(
    mode: str,
    start_bot,
    bot_settings: Settings,
    telegram: FakeTelegram,
    fake_rasa: FakeRasa,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_rasa.reply = echo
    changes: dict = {}
    if mode == "webhook":
        port = free_port()
        changes = {"webhook_url": f"http://127.0.0.1:{port}/telegram/hook", "webhook_port": port}
    caplog.set_level(logging.WARNING)
    # Replies paced as in production-like timing: the flood's line takes seconds to work off.
    async with start_bot(bot_settings, reply_interval=0.3, **changes) as bot:
        assert (bot.settings.flood_burst, bot.settings.flood_per_minute) == (20, 60.0)
        started = time.monotonic()
        for number in range(FLOOD_SIZE):
            telegram.send_text(FLOODER, f"spam {number}", language_code="fr")
            if number % 25 == 0:  # the others talk in the middle of the flood
                for other in OTHERS:
                    telegram.send_text(other, f"question {number}", language_code="en")
        assert time.monotonic() - started < 1.0
        for other in OTHERS:  # answered while the flood is being worked off
            answers = await telegram.wait_for_messages(other, 4, timeout=10)
            assert [m.text for m in answers] == [
                f"réponse à : question {n}" for n in range(0, FLOOD_SIZE, 25)
            ]
        deadline = time.monotonic() + 30
        while bot.turns.is_busy(FLOODER):
            assert time.monotonic() < deadline, "the flooder's line never emptied"
            await asyncio.sleep(0.1)

        await asyncio.sleep(2.5)  # the person calms down; the bucket refills
        before = len(telegram.messages_to(FLOODER))
        telegram.send_text(FLOODER, "pardon, une vraie question", language_code="fr")
        after = await telegram.next_messages(FLOODER, before, timeout=10)
        assert [m.text for m in after] == ["réponse à : pardon, une vraie question"]

    texts = [m.text for m in telegram.messages_to(FLOODER)]
    assert texts.count(TEXTS["slow_down"]["fr"]) == 1
    passed = fake_rasa.texts_from(f"tg-{FLOODER}")
    # The burst of 20, plus what the steady rate (1/s) allowed while the flood arrived.
    assert 20 <= len(passed) - 1 <= 22
    assert passed[:-1] == [f"spam {n}" for n in range(len(passed) - 1)]  # in order
    replies = [t for t in texts if t.startswith("réponse à : spam")]
    assert replies == [f"réponse à : {t}" for t in passed[:-1]]  # each answered once
    assert len(texts) == len(passed) + 1  # the answers plus one note, nothing else
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    if mode == "webhook":
        assert {status for _, status in telegram.webhook_deliveries} == {200}
