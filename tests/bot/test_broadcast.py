"""A broadcast to 200 consented leads through the real bot and the fake Bot API: 200
messages, each once, never faster than 30 a second, none to the person without consent;
the bot stopped half-way and started again finishes it without a duplicate."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from leads import broadcasts, chat_flags, outbox
from leads.broadcasts import Segment
from leads.lead_store import save_lead
from leads.models import utcnow
from leads.outbox import BRUSSELS
from leads.paths import REPO_ROOT
from tests.fake_telegram import FakeTelegram
from tests.leads.helpers import lead_input

pytestmark = pytest.mark.timeout(150)
FIRST_CHAT = 700_000
TEXTS = {
    "nl": "Nieuwe infosessie in Gent! Boek je plaats hier 👇",
    "fr": "Nouvelle séance d'info à Gand ! Réserve ta place ici 👇",
    "en": "New info session in Ghent! Book your seat here 👇",
}


def leads_with_one_without_consent(telegram: FakeTelegram, count: int) -> tuple[list[int], int]:
    chats = [FIRST_CHAT + n for n in range(count + 1)]
    for n, chat in enumerate(chats):
        telegram.private_chat(telegram.user(chat))
        save_lead(
            lead_input(
                f"tg-{chat}",
                telegram_user_id=chat,
                language=("nl", "fr", "en")[n % 3],
                consent=chat != chats[-1],
                contact=None if chat == chats[-1] else f"p{n}@x.org",
                contact_kind=None if chat == chats[-1] else "email",
            )
        )
    return chats[:-1], chats[-1]


def DAYTIME() -> datetime:  # noqa: N802 - yesterday 10:00 in Brussels, outside quiet hours
    yesterday = (utcnow() - timedelta(days=1)).astimezone(BRUSSELS)
    return yesterday.replace(hour=10, minute=0, second=0, microsecond=0)


def max_per_second(times: list[float]) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_200_consented_leads_get_it_once_paced_across_a_restart(
    start_bot, bot_settings, telegram: FakeTelegram
) -> None:
    consented, without = leads_with_one_without_consent(telegram, 200)
    assert broadcasts.preview(Segment())["all"] == 200
    broadcast = broadcasts.create("Gent", Segment(), TEXTS, created_by=None)
    daytime = DAYTIME()
    assert broadcasts.send(broadcast.id, now=daytime) == 200
    assert broadcasts.send(broadcast.id, now=daytime) == 0  # a second click: nobody twice

    async with start_bot(bot_settings):
        await telegram.wait_for(lambda: len(telegram.sent) >= 90, timeout=30)
    halfway = len(telegram.sent)
    assert 90 <= halfway < 200  # stopped in the middle
    async with start_bot(bot_settings):
        await telegram.wait_for(lambda: len(telegram.sent) >= 200, timeout=30)
        for _ in range(100):  # the last answer from Telegram is being recorded
            progress = broadcasts.get(broadcast.id)
            if progress.done:
                break
            await asyncio.sleep(0.05)
    per_chat = Counter(m.chat_id for m in telegram.sent)
    assert sorted(per_chat) == consented and set(per_chat.values()) == {1}
    assert without not in per_chat
    sends = [c.at for c in telegram.calls_of("sendMessage") if c.status == 200]
    assert max_per_second(sends) <= 30
    assert progress.progress == {"sent": 200} and progress.done
    texts = {m.chat_id: m.text for m in telegram.sent}
    assert texts[consented[1]] == TEXTS["fr"] and texts[consented[2]] == TEXTS["en"]


async def test_the_segment_keeps_out_blocked_opted_out_and_booked(telegram: FakeTelegram):
    consented, _ = leads_with_one_without_consent(telegram, 6)
    chat_flags.opt_out(consented[0])
    outbox.mark_blocked(0, str(consented[1]), utcnow())
    assert broadcasts.preview(Segment())["all"] == 4
    assert broadcasts.preview(Segment(language="fr"))["all"] == 1
    with pytest.raises(broadcasts.BroadcastError, match="Write the text in nl"):
        broadcasts.create("x", Segment(), {"fr": "a", "en": "b"}, created_by=None)


async def test_a_killed_bot_process_restarted_finishes_without_a_duplicate(
    telegram: FakeTelegram, outbox_database: str
) -> None:
    """`python -m bot` killed with SIGKILL half-way: the rows it had claimed but not tried go
    back to the queue (after a short lease here), the one it was sending is never sent again,
    and the restarted bot sends the rest once."""
    consented, without = leads_with_one_without_consent(telegram, 200)
    broadcast = broadcasts.create("Gent", Segment(), TEXTS, created_by=None)
    broadcasts.send(broadcast.id, now=DAYTIME())
    env = {
        **os.environ,
        "DATABASE_URL": outbox_database,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "RASA_URL": "http://127.0.0.1:9",
        "OUTBOX_CLAIM_LEASE_SECONDS": "2",
        "PYTHONUNBUFFERED": "1",
    }

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=REPO_ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    first = await start()
    try:
        await telegram.wait_for(lambda: len(telegram.sent) >= 60, timeout=40)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    killed_at = len(telegram.sent)
    assert killed_at < 200
    second = await start()
    try:

        def finished() -> bool:
            states = broadcasts.get(broadcast.id).progress
            return not states.get("pending") and not states.get("claimed")

        # The fake Bot API runs on this event loop and stamps each send when it handles it:
        # the database check goes to a thread, or the sends queued meanwhile would be stamped
        # together and look faster than the bot sent them.
        deadline = time.monotonic() + 60
        while not await asyncio.to_thread(finished):
            assert time.monotonic() < deadline, "the restarted bot did not finish in 60 s"
            await asyncio.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    states = broadcasts.get(broadcast.id).progress
    per_chat = Counter(m.chat_id for m in telegram.sent)
    assert set(per_chat.values()) == {1}  # nobody twice
    assert set(per_chat) <= set(consented) and without not in per_chat
    assert states.get("sending", 0) <= 1  # at most the one in flight when killed
    assert states["sent"] + states.get("sending", 0) == 200
    assert states["sent"] <= len(per_chat) <= 200
    sends = [c.at for c in telegram.calls_of("sendMessage") if c.status == 200]
    assert max_per_second(sends) <= 30
