"""The outbox: queued once, claimed by one sender, sent once, through the fake Bot API, on
SQLite and PostgreSQL, with a clock the tests move (nothing sleeps for hours)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy import select, update
from telegram import Bot

from bot.outbox import OutboxLoop, OutboxSender, sign
from leads import chat_flags, outbox
from leads.chat_flags import ChatFlag
from leads.db import session_scope
from leads.lead_queue import change_status, get_lead
from leads.lead_store import save_lead
from leads.models import utcnow
from leads.outbox import OutboxMessage
from leads.paths import REPO_ROOT
from tests.fake_telegram import FakeTelegram
from tests.leads.helpers import lead_input

T0 = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def telegram():
    async with FakeTelegram() as fake:
        yield fake


def chats(telegram: FakeTelegram, *ids: int) -> None:
    for chat_id in ids:
        telegram.private_chat(telegram.user(chat_id))


def message(text: str) -> dict:
    return {"text": text}


def state_of(row_key: str) -> tuple[str, int, str]:
    with session_scope() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == row_key)).one()
        return row.state, row.attempts, row.last_error


async def sender_for(telegram: FakeTelegram, clock: Clock, **options) -> tuple[Bot, OutboxSender]:
    bot = Bot(telegram.token, base_url=telegram.base_url)
    await bot.initialize()
    return bot, OutboxSender(bot, clock=clock, **options)


def test_a_message_is_queued_once_per_kind_target_and_key(db_url):
    assert outbox.enqueue("reminder", 11, "booking:1:24h", message("a"))
    assert not outbox.enqueue("reminder", 11, "booking:1:24h", message("again"))
    assert outbox.enqueue("reminder", 12, "booking:1:24h", message("other chat"))
    assert outbox.enqueue("nudge", 11, "booking:1:24h", message("other kind"))
    with session_scope() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 3


async def test_due_messages_are_sent_once_and_future_ones_wait(db_url, telegram):
    chats(telegram, 11, 12)
    outbox.enqueue("reminder", 11, "now", message("Tot morgen!"), T0)
    outbox.enqueue("reminder", 12, "later", message("Tot straks!"), T0 + timedelta(hours=22))
    clock = Clock()
    bot, sender = await sender_for(telegram, clock)
    async with bot:
        assert [r.state for r in await sender.send_due()] == ["sent"]
        assert await sender.send_due() == []
        clock.now = T0 + timedelta(hours=22)
        assert [r.state for r in await sender.send_due()] == ["sent"]
    assert [m.text for m in telegram.messages_to(11)] == ["Tot morgen!"]
    assert [m.text for m in telegram.messages_to(12)] == ["Tot straks!"]
    assert state_of("now")[0] == "sent"


async def test_a_blocked_chat_is_flagged_and_nothing_more_goes_to_it(db_url, telegram):
    chats(telegram, 11, 12)
    telegram.block(11)
    outbox.enqueue("reminder", 11, "r1", message("one"), T0)
    outbox.enqueue("nudge", 11, "n1", message("later"), T0 + timedelta(hours=1))
    outbox.enqueue("reminder", 12, "r2", message("fine"), T0)
    clock = Clock()
    bot, sender = await sender_for(telegram, clock)
    async with bot:
        results = {r.row_id: r.state for r in await sender.send_due()}
        assert sorted(results.values()) == ["blocked", "sent"]
        assert state_of("n1")[0] == "blocked"  # stopped before its time came
        assert chat_flags.left_alone(11) and not chat_flags.left_alone(12)
        outbox.enqueue("broadcast", 11, "b1", message("news"), T0)
        clock.now = T0 + timedelta(hours=2)
        assert await sender.send_due() == []
    assert state_of("b1")[0] == "cancelled"
    assert [c.params["chat_id"] for c in telegram.calls_of("sendMessage")].count(11) == 1


async def test_a_429_waits_its_retry_after_and_then_sends_once(db_url, telegram):
    chats(telegram, 11)
    telegram.fail("sendMessage", 429, retry_after=1)
    outbox.enqueue("reminder", 11, "r", message("Tot morgen!"), T0)
    clock = Clock()
    bot, sender = await sender_for(telegram, clock)
    async with bot:
        [first] = await sender.send_due()
        assert first.state == "retry"
        state, attempts, error = state_of("r")
        assert (state, attempts) == ("pending", 1) and "wait 1 s" in error
        assert await sender.send_due() == []  # not before retry_after
        clock.now = T0 + timedelta(seconds=1)
        [second] = await sender.send_due()
    assert second.state == "sent"
    calls = telegram.calls_of("sendMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.95  # the whole bot paused for retry_after
    assert [m.text for m in telegram.messages_to(11)] == ["Tot morgen!"]


async def test_network_trouble_retries_with_growing_pauses_then_gives_up(db_url, telegram):
    chats(telegram, 11)
    telegram.fail("sendMessage", 502, times=outbox.MAX_ATTEMPTS)
    outbox.enqueue("reminder", 11, "r", message("x"), T0)
    clock = Clock()
    bot, sender = await sender_for(telegram, clock)
    waits = []
    async with bot:
        for _ in range(outbox.MAX_ATTEMPTS):
            with session_scope() as session:
                due = session.scalars(select(OutboxMessage.due_at)).one()
            waits.append((due - clock.now).total_seconds())
            clock.now = due
            await sender.send_due()
    assert state_of("r")[0] == "failed"
    assert waits[1:4] == [30, 60, 120]
    assert telegram.messages_to(11) == []


def age_claims(minutes: float) -> None:
    """As if the rows had been claimed `minutes` ago (leases run on the wall clock)."""
    with session_scope(write=True) as session:
        session.execute(
            update(OutboxMessage).values(claimed_at=utcnow() - timedelta(minutes=minutes))
        )


async def test_a_row_left_sending_by_a_dead_sender_is_never_sent_again(db_url, telegram):
    chats(telegram, 11)
    outbox.enqueue("broadcast", 11, "b", message("news"), T0)
    [claimed] = outbox.claim_due(T0, "dead-worker")
    assert outbox.start_sending(claimed.id, "dead-worker")  # then the process died
    bot, sender = await sender_for(telegram, Clock(T0 + timedelta(days=1)))
    async with bot:
        assert await sender.send_due() == []  # still within the dead sender's lease
        age_claims(outbox.LEASE.total_seconds() / 60 + 1)
        assert await sender.send_due() == []
    assert state_of("b")[0] == "interrupted"
    assert telegram.messages_to(11) == []


async def test_rows_a_dead_sender_claimed_but_never_tried_go_out_once(db_url, telegram):
    chats(telegram, 11, 12)
    for chat in (11, 12):
        outbox.enqueue("broadcast", chat, "b", message("news"), T0)
    outbox.claim_due(T0, "dead-worker")  # claimed both, died before trying any
    bot, sender = await sender_for(telegram, Clock())
    async with bot:
        assert await sender.send_due() == []
        age_claims(outbox.CLAIM_LEASE.total_seconds() / 60 + 1)
        assert [r.state for r in await sender.send_due()] == ["sent", "sent"]
    assert len(telegram.sent) == 2


async def test_a_sender_that_lost_its_claim_does_not_send(db_url, telegram):
    chats(telegram, 11)
    outbox.enqueue("broadcast", 11, "b", message("news"), T0)
    [row] = outbox.claim_due(T0, "slow-worker")
    age_claims(outbox.CLAIM_LEASE.total_seconds() / 60 + 1)
    [again] = outbox.claim_due(T0, "other-worker")  # the slow one's lease ran out
    assert again.id == row.id
    assert not outbox.start_sending(row.id, "slow-worker")
    assert outbox.start_sending(row.id, "other-worker")


async def test_a_restart_in_the_middle_finishes_the_rest_without_duplicates(db_url, telegram):
    ids = list(range(100, 160))
    chats(telegram, *ids)
    for chat_id in ids:
        outbox.enqueue(
            "broadcast", chat_id, "b:1", message("Nieuwe infosessie!"), T0, batch="broadcast:1"
        )
    bot, sender = await sender_for(telegram, Clock(), rate=40)
    async with bot:
        loop = OutboxLoop(sender, interval=0.05)
        loop.start()
        await telegram.wait_for(lambda: len(telegram.sent) >= 20)
        await loop.stop()  # SIGTERM: the message in flight finishes, the rest stays queued
        halfway = len(telegram.sent)
        assert halfway < len(ids)
        _, again = await sender_for(telegram, Clock())
        await again.send_due()
    counts = Counter(m.chat_id for m in telegram.sent)
    assert sorted(counts) == ids and set(counts.values()) == {1}
    assert outbox.batch_counts("broadcast:1") == {"sent": len(ids)}


async def test_two_senders_on_postgresql_claim_disjoint_rows(
    postgresql_database, monkeypatch, telegram
):
    from tests.leads.helpers import empty_tables

    empty_tables(postgresql_database)
    monkeypatch.setenv("DATABASE_URL", postgresql_database)
    ids = list(range(300, 380))
    chats(telegram, *ids)
    for chat_id in ids:
        outbox.enqueue("broadcast", chat_id, "b:2", message("Hallo"), T0, batch="broadcast:2")
    bot_a, a = await sender_for(telegram, Clock(), worker="a")
    bot_b, b = await sender_for(telegram, Clock(), worker="b")
    async with bot_a, bot_b:
        results_a, results_b = await asyncio.gather(a.send_due(limit=10), b.send_due(limit=10))
    sent_a = {r.row_id for r in results_a if r.state == "sent"}
    sent_b = {r.row_id for r in results_b if r.state == "sent"}
    assert sent_a and sent_b and not sent_a & sent_b
    assert len(sent_a | sent_b) == len(ids)
    assert Counter(m.chat_id for m in telegram.sent) == Counter(ids)


def test_opt_out_cancels_queued_unsolicited_messages_but_not_replies(db_url):
    outbox.enqueue("nudge", 11, "n1", message("x"), T0 + timedelta(hours=24))
    outbox.enqueue("staff_reply", 11, "s1", message("y"), T0)
    assert chat_flags.opt_out(11, T0) == 1
    assert state_of("n1")[0] == "cancelled" and state_of("s1")[0] == "pending"
    assert chat_flags.left_alone(11)
    chat_flags.opt_in(11)
    assert not chat_flags.left_alone(11)


def test_forget_erases_the_persons_rows_and_flags(db_url):
    outbox.enqueue("nudge", 11, "n1", message("x"), T0, sender_id="tg-11")
    outbox.enqueue("staff_reply", 11, "s1", message("y"), T0, sender_id="tg-11")
    outbox.enqueue("nudge", 12, "n1", message("x"), T0, sender_id="tg-12")
    chat_flags.opt_out(11)
    assert outbox.forget("tg-11") == 2
    with session_scope() as session:
        assert [r.target for r in session.scalars(select(OutboxMessage))] == ["12"]
        assert session.get(ChatFlag, "11") is None


# --- CRM webhooks ------------------------------------------------------------------------------


@pytest.fixture
async def crm(monkeypatch):
    received: list[tuple[dict, bytes]] = []
    answers: list[int] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    monkeypatch.setenv("CRM_WEBHOOK_URL", f"http://127.0.0.1:{port}/hook")
    yield received, answers
    await runner.cleanup()


async def test_lead_events_reach_the_crm_signed_and_retried(db_url, crm):
    received, answers = crm
    lead_id = save_lead(lead_input("tg-5", qualified=False, status="nurture")).lead_id
    save_lead(lead_input("tg-5", qualified=True, status="new"))
    lead = get_lead(lead_id)
    change_status(lead_id, "contacted", expected_version=lead.version, actor_id=None)
    answers.append(503)  # the CRM hiccups once
    clock = Clock()
    sender = OutboxSender(None, clock=clock, webhook_secret="s3cret")
    results = await sender.send_due()
    assert [r.state for r in results].count("retry") == 1
    clock.now = T0 + timedelta(minutes=5)
    await sender.send_due()
    await sender.close()
    events = [json.loads(body)["event"] for _, body in received]
    assert sorted(set(events)) == ["lead.created", "lead.qualified", "lead.status_changed"]
    # created; qualified and nurture → new on the second save; new → contacted by staff
    deliveries = [headers["X-Passerelle-Delivery"] for headers, _ in received]
    assert len(set(deliveries)) == 4 and len(deliveries) == 5  # one of them twice (the 503)
    for headers, body in received:
        timestamp = headers["X-Passerelle-Timestamp"]
        expected = hmac.new(b"s3cret", timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert headers["X-Passerelle-Signature"] == f"sha256={expected}"
        assert sign("s3cret", timestamp, body) == expected
        assert b"amina" not in body.lower()  # ids and statuses, never the person's details


def test_no_crm_url_queues_no_webhook(db_url, monkeypatch):
    monkeypatch.delenv("CRM_WEBHOOK_URL", raising=False)
    save_lead(lead_input("tg-6"))
    assert outbox.rows_for(kind="webhook") == []


# --- the command -------------------------------------------------------------------------------


async def test_send_due_command_sends_what_is_due_at_now_and_prints_it(db_url, telegram):
    chat = 987654
    chats(telegram, chat)
    outbox.enqueue(
        "reminder", chat, "r", {"text": "Tot morgen!", "label": "reminder"}, T0 + timedelta(hours=1)
    )
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
    }

    async def run(now: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.outbox",
            "--send-due",
            "--now",
            now,
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return out.decode()

    assert "nothing due" in await run("2026-12-08T10:30:00+00:00")
    printed = await run("2026-12-08T12:00:00")  # Brussels time: 11:00 UTC
    assert "sent #" in printed and "reminder" in printed and "sent=1" in printed
    assert str(chat) not in printed  # a chat id is personal data
    assert [m.text for m in telegram.messages_to(chat)] == ["Tot morgen!"]
