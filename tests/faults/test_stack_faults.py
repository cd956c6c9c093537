"""Parts of the full stack failing mid-conversation: fake Telegram → the real bot → the real
Rasa and action server → the database, on SQLite and on PostgreSQL (tests/faults/conftest.py).

- Rasa killed (SIGKILL) in the middle of the motivation check and restarted: the check goes
  on where it was, from the SQL tracker store, and the lead has every answer. Killed between
  two messages, and (PostgreSQL) killed in the middle of its turn on a message.
- The action server killed mid-check: the person hears a friendly "hiccup" in their language
  (not silence, not an error), and once it is back their message is answered and the check
  goes on.
- PostgreSQL unreachable for the lead store while the lead is saved (PostgreSQL only): the
  person is answered as usual, the answers wait in the spool, and the lead is written once
  when it is back.
- PostgreSQL hanging for 10 s while a lead is saved: someone else's question is answered
  within a second, and the lead is saved afterwards.
"""

from __future__ import annotations

import asyncio
import secrets
import threading

import pytest

from bot.texts import TEXTS
from tests.conversations import CHECK, MOTIVATION
from tests.fake_telegram import FakeTelegram
from tests.faults.conftest import Chat, FaultStack, bot_on

# Rasa restarts take one to two minutes on a busy 2-core machine.
pytestmark = pytest.mark.timeout(600)

LEAD = {
    "nl": {
        "first_name": "Lotte",
        "age": 19,
        "campus": "ghent",
        "situation": "job_seeker",
        "registered": "yes",
        "experience": "some",
        "motivation": MOTIVATION["nl"],
        "commitment": "yes",
        "contact_kind": "phone",
        "contact": "+32470123456",
        "consent": True,
        "qualified": True,
        "status": "new",
        "language": "nl",
    },
    "fr": {
        "first_name": "Inès",
        "age": 17,
        "campus": "liege",
        "situation": "job_seeker",
        "registered": "no",
        "experience": "none",
        "motivation": MOTIVATION["fr"],
        "commitment": "yes",
        "contact_kind": "email",
        "contact": "ines.dupont@hotmail.be",
        "consent": True,
        "qualified": False,
        "status": "nurture",
        "language": "fr",
    },
}
# What leaks when an error reaches a person instead of a friendly text.
BROKEN = ("traceback", "exception", "error:", "internal server error", "errno", "sqlalchemy")


async def answer(chat: Chat, steps: list[tuple[str, str]]) -> None:
    for text, expected in steps:
        reply = " ".join(m.text for m in await chat.say(text))
        assert expected.lower() in reply.lower(), f"after {text!r}:\n{chat.dump()}"


def assert_the_lead(fault_stack: FaultStack, chat: Chat) -> None:
    [lead] = fault_stack.leads_of(chat.sender_id)
    assert {key: lead[key] for key in LEAD[chat.language]} == LEAD[chat.language], chat.dump()
    assert lead["telegram_user_id"] == chat.chat_id


def assert_nothing_broken_was_said(chat: Chat) -> None:
    for message in chat.messages:
        assert not any(word in message.text.lower() for word in BROKEN), chat.dump()


async def test_rasa_killed_mid_check_then_restarted_loses_nothing(
    fault_stack: FaultStack, new_chat
) -> None:
    chat: Chat = new_chat("nl")
    steps = CHECK["nl"]
    await answer(chat, steps[:4])
    await asyncio.to_thread(fault_stack.kill, "rasa")
    try:
        held_text, held_expected = steps[4]
        [hiccup] = await chat.say(held_text)
        assert hiccup.text == TEXTS["hiccup"]["nl"]
        held = len(chat.messages)
    finally:
        await asyncio.to_thread(fault_stack.stack.start_rasa)
    [back] = await chat.settle(held, timeout=120)  # the held message, answered once Rasa is up
    assert held_expected in back.text, chat.dump()
    await answer(chat, steps[5:])

    assert await chat.user_texts() == [text for text, _ in steps]  # each answer once
    assert_the_lead(fault_stack, chat)
    assert_nothing_broken_was_said(chat)


async def test_rasa_killed_in_the_middle_of_its_turn_loses_nothing_and_doubles_nothing(
    postgresql_fault_stack: FaultStack, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL while Rasa works on a message: the moment it calls the action server."""
    fault_stack = postgresql_fault_stack
    assert fault_stack.action_proxy is not None
    monkeypatch.setenv("DATABASE_URL", fault_stack.direct_database_url)
    armed, killed = threading.Event(), threading.Event()

    def kill_rasa_mid_turn(data: bytes) -> None:
        if armed.is_set() and not killed.is_set():
            killed.set()
            fault_stack.kill("rasa")

    async with bot_on(fault_stack, telegram) as bot:
        chat = Chat(bot, telegram, fault_stack.stack, 800_000_000 + secrets.randbelow(10**8), "nl")
        steps = CHECK["nl"]
        await answer(chat, steps[:4])
        fault_stack.action_proxy.on_forward = kill_rasa_mid_turn
        armed.set()
        try:
            held_text, held_expected = steps[4]
            [hiccup] = await chat.say(held_text)
            assert killed.is_set()
            assert hiccup.text == TEXTS["hiccup"]["nl"]
            held = len(chat.messages)
        finally:
            fault_stack.action_proxy.on_forward = None
            await asyncio.to_thread(fault_stack.stack.start_rasa)
        [back] = await chat.settle(held, timeout=120)
        assert held_expected in back.text, chat.dump()
        await answer(chat, steps[5:])

        assert await chat.user_texts() == [text for text, _ in steps]  # the turn was not kept
        assert_the_lead(fault_stack, chat)
        assert_nothing_broken_was_said(chat)


async def test_action_server_killed_mid_check_gets_a_friendly_reply_then_recovers(
    fault_stack: FaultStack, new_chat
) -> None:
    chat: Chat = new_chat("fr")
    steps = CHECK["fr"]
    await answer(chat, steps[:4])
    await asyncio.to_thread(fault_stack.kill, "actions")
    try:
        held_text, held_expected = steps[4]
        [hiccup] = await chat.say(held_text)
        assert hiccup.text == TEXTS["hiccup"]["fr"]
        await asyncio.sleep(3)  # the bot's retries meanwhile reach Rasa, not the person
        assert chat.messages[-1] == hiccup
        held = len(chat.messages)
    finally:
        await asyncio.to_thread(fault_stack.stack.start_actions)
    [back] = await chat.settle(held, timeout=60)
    assert held_expected in back.text, chat.dump()
    await answer(chat, steps[5:])

    assert_the_lead(fault_stack, chat)
    assert [m.text for m in chat.messages].count(TEXTS["hiccup"]["fr"]) == 1
    assert_nothing_broken_was_said(chat)


async def test_postgresql_unreachable_while_the_lead_is_saved(
    postgresql_fault_stack: FaultStack, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database server outage (SQLite, a file inside the action server, has none)."""
    fault_stack = postgresql_fault_stack
    assert fault_stack.proxy is not None
    monkeypatch.setenv("DATABASE_URL", fault_stack.direct_database_url)
    async with bot_on(fault_stack, telegram) as bot:
        chat = Chat(bot, telegram, fault_stack.stack, 800_000_000 + secrets.randbelow(10**8), "nl")
        steps = CHECK["nl"]
        await answer(chat, steps[:-1])
        fault_stack.proxy.stop()
        try:
            await answer(chat, steps[-1:])  # the person is answered as usual
            assert fault_stack.leads_of(chat.sender_id) == []
            [entry] = fault_stack.spooled()
            assert chat.sender_id in entry
        finally:
            fault_stack.proxy.start()
        for _ in range(120):  # the action server's flusher writes it (every 5 s)
            if fault_stack.leads_of(chat.sender_id) and not fault_stack.spooled():
                break
            await asyncio.sleep(0.5)
        assert_the_lead(fault_stack, chat)
        assert fault_stack.spooled() == []

        # Later messages and a re-delivered update do not add a second lead.
        update = telegram.send_text(chat.chat_id, "bedankt!", language_code="nl")
        await chat.settle(len(chat.messages))
        telegram.redeliver(update)
        await asyncio.sleep(6)  # one more flusher round
        assert len(fault_stack.leads_of(chat.sender_id)) == 1
        assert_nothing_broken_was_said(chat)


async def test_a_stalled_database_delays_nobody_else_and_the_lead_is_saved_after(
    postgresql_fault_stack: FaultStack, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead store's PostgreSQL hangs for 10 s (connections open, nothing answers) while
    one person's lead is being saved: another person's question, which needs no database,
    is answered within a second (the action server's event loop never waits for the
    database), and the lead is saved once the database answers again."""
    fault_stack = postgresql_fault_stack
    assert fault_stack.proxy is not None
    # The bot too reads and writes the lead store through the stalled proxy.
    monkeypatch.setenv("DATABASE_URL", fault_stack.stack.database_url)
    async with bot_on(fault_stack, telegram) as bot:
        saver = Chat(bot, telegram, fault_stack.stack, 810_000_000 + secrets.randbelow(10**8), "nl")
        asker = Chat(bot, telegram, fault_stack.stack, 820_000_000 + secrets.randbelow(10**8), "nl")
        steps = CHECK["nl"]
        await answer(saver, steps[:-1])
        await asker.say("hallo")
        await asker.say("Hoeveel kost de opleiding?")  # warm: the same question, unstalled

        fault_stack.proxy.stall()
        stalled_at = asyncio.get_running_loop().time()
        try:
            saving = len(saver.messages)
            telegram.send_text(saver.chat_id, steps[-1][0], language_code="nl")
            for _ in range(100):  # until the action server's database call hangs
                if fault_stack.proxy.held_chunks:
                    break
                await asyncio.sleep(0.1)
            assert fault_stack.proxy.held_chunks, saver.dump()
            await asyncio.sleep(0.5)  # the save is inside its stalled database call
            asking = len(asker.messages)
            asked_at = asyncio.get_running_loop().time()
            telegram.send_text(asker.chat_id, "Hoeveel kost de opleiding?", language_code="nl")
            [reply, *_] = (await telegram.wait_for_messages(asker.chat_id, asking + 1, timeout=15))[
                asking:
            ]
            answered_in = asyncio.get_running_loop().time() - asked_at
            print(f"database stalled: another person answered in {answered_in:.2f} s")
            assert answered_in < 1.0, f"answered after {answered_in:.2f} s: {reply.text}"
            assert "gratis" in reply.text.lower(), asker.dump()
            assert fault_stack.leads_of(saver.sender_id) == []  # still stalled
            await asyncio.sleep(max(0.0, 10 - (asyncio.get_running_loop().time() - stalled_at)))
        finally:
            fault_stack.proxy.resume()
        done = " ".join(m.text for m in await saver.settle(saving))
        assert steps[-1][1] in done, saver.dump()
        for _ in range(120):  # written when the call went through, or by the spool flusher
            if fault_stack.leads_of(saver.sender_id) and not fault_stack.spooled():
                break
            await asyncio.sleep(0.5)
        assert_the_lead(fault_stack, saver)
        assert_nothing_broken_was_said(saver)
