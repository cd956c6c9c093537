"""Flood limit, pacing, duplicate updates, per-chat order, input cleaning, languages."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from bot.dedupe import RecentUpdates
from bot.flood import FloodGuard, Verdict
from bot.inbound import clean_text, trim
from bot.languages import ChatLanguages, telegram_language
from bot.ordering import ChatTurns
from bot.pacing import ChatPacer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_flood_guard_lets_a_burst_through_then_warns_once_then_drops() -> None:
    clock = Clock()
    guard = FloodGuard(burst=3, per_minute=30, clock=clock)
    verdicts = [guard.check(7) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert guard.check(8) is Verdict.ALLOW  # other chats are not affected


def test_flood_guard_refills_at_its_rate_and_warns_again_after_a_calm_period() -> None:
    clock = Clock()
    guard = FloodGuard(burst=2, per_minute=30, clock=clock)  # one message per 2 s
    assert [guard.check(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]
    clock.now += 2.0
    assert guard.check(1) is Verdict.ALLOW
    assert guard.check(1) is Verdict.WARN  # a new flood gets a new notice


def test_pacer_spaces_one_chat_and_leaves_others_alone() -> None:
    clock = Clock()
    pacer = ChatPacer(interval=1.0, clock=clock)
    assert [pacer.reserve(1) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert pacer.reserve(2) == 0.0
    clock.now += 5
    assert pacer.reserve(1) == 0.0


async def test_pacer_waits_for_real() -> None:
    pacer = ChatPacer(interval=0.2)
    started = time.monotonic()
    for _ in range(3):
        await pacer.wait_turn(5)
    assert 0.38 <= time.monotonic() - started < 1.0


def test_recent_updates_sees_each_id_once_and_stays_bounded() -> None:
    recent = RecentUpdates(size=3)
    assert [recent.first_time(i) for i in (1, 2, 1, 3)] == [True, True, False, True]
    for update_id in (4, 5, 6):
        recent.first_time(update_id)
    assert recent.first_time(1) is True  # long forgotten


async def test_chat_turns_keep_order_within_a_chat_and_run_chats_side_by_side() -> None:
    turns = ChatTurns()
    log: list[tuple[str, int]] = []

    async def work(chat: str, number: int) -> None:
        await asyncio.sleep(random.uniform(0, 0.03))
        log.append((chat, number))

    started = time.monotonic()
    await asyncio.gather(
        *(turns.run(chat, work(chat, n)) for n in range(10) for chat in ("a", "b", "c"))
    )
    for chat in "abc":
        assert [n for c, n in log if c == chat] == list(range(10))
    # three chats of ten ~15 ms steps each, run side by side: far below 30 steps in a row
    assert time.monotonic() - started < 0.4
    assert turns.busy_chats == 0


async def test_chat_turns_survive_a_failing_step() -> None:
    turns = ChatTurns()

    async def boom() -> None:
        raise RuntimeError("boom")

    async def fine() -> str:
        return "ok"

    results = await asyncio.gather(
        turns.run(1, boom()), turns.run(1, fine()), return_exceptions=True
    )
    assert isinstance(results[0], RuntimeError) and results[1] == "ok"


def test_clean_text_strips_controls_and_intent_injection() -> None:
    assert clean_text("  hoi\x00\x07 daar\u200b \r\n") == "hoi daar"
    assert clean_text('/choose_topic{"topic":"faq/cost"}') == 'choose_topic{"topic":"faq/cost"}'
    assert clean_text("e\u0301cole") == "école"
    assert clean_text("line one\nline two\ttab") == "line one\nline two\ttab"


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("/ /affirm", "affirm"),
        ("/\n/stop", "stop"),
        (' /inform{"age": "18"}', 'inform{"age": "18"}'),
        ("\t//\u200b/ \n /deny", "deny"),
        ("\ufeff/affirm", "affirm"),
        ("///", ""),
        ("and/or", "and/or"),
    ],
)
def test_typed_text_never_starts_with_a_slash(typed: str, plain: str) -> None:
    assert clean_text(typed) == plain


def test_trim_cuts_long_input_at_a_space() -> None:
    text = "woord " * 400
    trimmed, cut = trim(text.strip(), 1000)
    assert cut and len(trimmed) <= 1000 and trimmed.endswith("woord")
    assert trim("kort", 1000) == ("kort", False)
    assert trim("x" * 2000, 1000) == ("x" * 1000, True)


def test_language_for_prefers_rasa_then_choice_then_telegram_then_dutch() -> None:
    languages = ChatLanguages()
    assert languages.language_for(1) == "nl"
    assert languages.language_for(1, "fr-BE") == "fr"
    languages.saw_telegram_code(1, "en")
    assert languages.language_for(1, None) == "en"
    languages.saw_reply(
        1, ["Salut ! Je suis le bot de l'école. Tu veux savoir comment ça marche ?"]
    )
    assert languages.language_for(1, "en") == "fr"
    languages.chose(1, "nl")
    assert languages.language_for(1) == "nl"
    languages.forget(1)
    assert languages.language_for(1, "de") == "nl"


def test_telegram_language_codes() -> None:
    assert [telegram_language(c) for c in ("nl-BE", "FR", "en_US", "de", None, "")] == [
        "nl",
        "fr",
        "en",
        None,
        None,
        None,
    ]


async def test_erasure_retries_run_at_start_then_again_and_survive_a_failure() -> None:
    from bot.relay import ErasureRetries

    calls: list[float] = []

    def retry() -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise ConnectionError("the lead store is down")

    retries = ErasureRetries(retry, every=0.1)
    retries.start()
    await asyncio.sleep(0.35)
    await retries.stop()
    assert len(calls) >= 3  # the failed first round did not end the loop
    count = len(calls)
    await asyncio.sleep(0.2)
    assert len(calls) == count  # stopped
