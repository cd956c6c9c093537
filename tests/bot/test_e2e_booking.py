"""End to end through the fake Bot API, the real bot, Rasa and the action server: a person
finishes the check, books the first session offered, gets the confirmation and the .ics,
and `bot.outbox --send-due --now` sends exactly one reminder at 24 h and one at 2 h before,
in their language, with the two buttons. Someone who leaves the check halfway gets one
nudge at the first nudge time, and none after "stop sending me messages"."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from leads.paths import REPO_ROOT
from tests.bot.test_e2e import LANGUAGES, conversation, e2e  # noqa: F401 - the fixtures
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(240)

STOP_MESSAGES = {
    "nl": "stuur me geen berichten meer",
    "fr": "arrête de m'envoyer des messages",
    "en": "stop sending me messages",
}
COMING = {"nl": "Ik kom", "fr": "Je viens", "en": "I'm coming"}
CANT_IN_WORDS = {
    "nl": "sorry, ik kan toch niet komen",
    "fr": "désolé je ne peux pas venir",
    "en": "sorry, I can't make it",
}
CANT = {"nl": "Ik kan niet", "fr": "Je ne peux pas", "en": "I can't make it"}


def new_session(days: int) -> int:
    from leads.models import utcnow
    from leads.sessions import BRUSSELS, SessionInput, create_session

    start = (
        (utcnow() + timedelta(days=days))
        .astimezone(BRUSSELS)
        .replace(hour=18, minute=30, second=0, microsecond=0)
    )
    return create_session(
        SessionInput(
            starts_at=start,
            campus="brussels",
            languages=("nl", "fr", "en"),
            capacity=500,
            address="Rue de l'Exemple 1, 1000 Bruxelles",
        )
    ).id


async def send_due(stack, telegram: FakeTelegram, now: datetime) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.outbox",
        "--send-due",
        "--now",
        now.isoformat(),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_check_then_booking_confirmation_ics_and_two_reminders(e2e, stack, language) -> None:  # noqa: F811
    from leads import bookings
    from leads.sessions import get_session

    await asyncio.to_thread(new_session, 2)
    chat = conversation(e2e, stack, language)
    greeting = await chat.say("/start")
    [start_check] = [b for m in greeting for b in m.buttons if b["callback_data"] == "/start_check"]
    await chat.press(chat.last_with_buttons(), start_check)
    await chat.answer_form()
    offer = chat.last_with_buttons()
    first = offer.buttons[0]
    assert first["callback_data"].startswith('/book_session{"session_id":')
    replies = await chat.press(offer, first)
    await chat.telegram.wait_for(lambda: any(m.document for m in chat.messages))
    document = next(m for m in chat.messages if m.document)
    assert document.document["filename"].endswith(".ics")
    Calendar.from_ical(document.document["content"])
    confirmation = next(m for m in replies if "📅" in m.text)
    assert "📍" in confirmation.text and "🎒" in confirmation.text
    booked = await asyncio.to_thread(bookings.active_for, chat.sender_id)
    assert booked is not None, chat.dump()
    session = await asyncio.to_thread(get_session, booked[1].id)
    for before in (timedelta(hours=24), timedelta(hours=2)):
        count = len(chat.messages)
        # The stack's database is shared by the tests: only this chat's messages count.
        printed = await send_due(stack, chat.telegram, session.starts_at - before)
        assert " reminder " in printed, printed
        [reminder] = chat.messages[count:]
        assert [b["callback_data"] for b in reminder.buttons] == [
            "/confirm_booking",
            "/cancel_booking",
        ]
        assert COMING[language] in reminder.buttons[0]["text"]
        assert CANT[language] in reminder.buttons[1]["text"]
    answer = await chat.press(reminder, reminder.buttons[0])
    assert answer
    active = await asyncio.to_thread(bookings.active_for, chat.sender_id)
    assert active[0].state == "confirmed"
    replies = await chat.say(CANT_IN_WORDS[language])  # then plans change
    assert await asyncio.to_thread(bookings.active_for, chat.sender_id) is None, chat.dump()
    other_dates = [
        b for m in replies for b in m.buttons if b["callback_data"].startswith("/book_session")
    ]
    assert other_dates and first["callback_data"] not in [b["callback_data"] for b in other_dates]


async def test_a_check_left_halfway_gets_one_nudge_and_none_after_stop(e2e, stack) -> None:  # noqa: F811
    from leads.models import utcnow
    from leads.sessions import BRUSSELS

    chat = conversation(e2e, stack, "en")
    await chat.say("/start")
    await chat.say("I want to sign up")
    await chat.say("Sam")  # the name, then the person goes quiet
    left_at = utcnow()
    nudge_time = left_at + timedelta(hours=24)
    night = (left_at.astimezone(BRUSSELS) + timedelta(days=1)).replace(hour=3, minute=0)
    if night > nudge_time:
        night -= timedelta(days=1)
    count = len(chat.messages)
    if night > left_at:  # 03:00 comes before the nudge is due: nothing goes out then
        await send_due(stack, chat.telegram, night)
        assert len(chat.messages) == count
    await send_due(stack, chat.telegram, nudge_time + timedelta(minutes=1))
    if len(chat.messages) == count:  # the 24 h fell in the quiet hours: moved to 09:00
        await send_due(stack, chat.telegram, nudge_time + timedelta(hours=13))
    [nudge] = chat.messages[count:]
    assert "/start_check" in [b["callback_data"] for b in nudge.buttons]
    stopped = await chat.say(STOP_MESSAGES["en"])
    from leads import chat_flags

    assert await asyncio.to_thread(chat_flags.left_alone, chat.chat_id), [m.text for m in stopped]
    after_stop = len(chat.messages)
    await send_due(stack, chat.telegram, left_at + timedelta(days=5))
    assert len(chat.messages) == after_stop
