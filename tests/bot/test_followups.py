"""The bot's side of bookings and reminders, on the fake Bot API with the real bot: the
calendar file arrives as a Telegram document, a reminder's buttons reach Rasa as payloads
(after a restart too), the staff chat hears through the outbox, /forget erases what waits."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

from icalendar import Calendar

from bot.outbox import OutboxSender
from leads import chat_flags, outbox
from leads.models import utcnow
from tests.bot.conftest import FakeRasa
from tests.fake_telegram import FakeTelegram

CHAT = 1001
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:booking-1@passerelle\r\nDTSTART:20261209T170000Z\r\nSUMMARY:Infosessie\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def test_the_calendar_file_arrives_as_a_document_after_the_confirmation(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: [
        {"recipient_id": s, "text": "Top, je plaats is gereserveerd! 🎉"},
        {
            "recipient_id": s,
            "custom": {
                "passerelle": "send_document",
                "filename": "infosessie.ics",
                "content_b64": base64.b64encode(ICS).decode(),
                "caption": "Zet het in je agenda 📅",
            },
        },
    ]
    telegram.send_text(CHAT, '/book_session{"session_id":"1"}')
    confirmation, document = await telegram.wait_for_messages(CHAT, 2)
    assert confirmation.text.startswith("Top, je plaats is gereserveerd")
    assert document.document["filename"] == "infosessie.ics"
    assert document.text == "Zet het in je agenda 📅"
    event = Calendar.from_ical(document.document["content"]).walk("VEVENT")[0]
    assert event["uid"] == "booking-1@passerelle"


async def test_a_reminders_buttons_reach_rasa_as_their_payloads(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    telegram.private_chat(telegram.user(CHAT))
    outbox.enqueue(
        "reminder",
        CHAT,
        "booking:1:24h",
        {
            "text": "Hoi! 👋 Morgen is je infosessie. Kom je?",
            "buttons": [
                [["Ik kom! 👍", "/confirm_booking"]],
                [["Ik kan niet 😕", "/cancel_booking"]],
            ],
        },
        utcnow() - timedelta(seconds=1),
        sender_id=f"tg-{CHAT}",
    )
    [reminder] = await telegram.wait_for_messages(CHAT, 1)
    assert [b["text"] for b in reminder.buttons] == ["Ik kom! 👍", "Ik kan niet 😕"]
    telegram.press(reminder, "Ik kom")
    await telegram.wait_for(lambda: "/confirm_booking" in fake_rasa.texts_from(f"tg-{CHAT}"))


async def test_forget_erases_queued_messages_and_bookings(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    from leads import bookings
    from leads.sessions import SessionInput, create_session

    session = create_session(
        SessionInput(starts_at=utcnow() + timedelta(days=3), campus="ghent", languages=("nl",))
    )
    bookings.book(session.id, f"tg-{CHAT}", CHAT, "nl", lambda b, s, w: {"text": w})
    outbox.enqueue(
        "nudge",
        CHAT,
        "nudge:1",
        {"text": "Hoi!"},
        utcnow() + timedelta(hours=24),
        sender_id=f"tg-{CHAT}",
    )

    def forget(s, t, m):  # as the action server's /forget: the erase, then the directive
        from leads.lead_store import erase_lead

        erase_lead(s)
        return [
            {"recipient_id": s, "text": "Klaar, alles is gewist."},
            {"recipient_id": s, "custom": {"passerelle": "erase_tracker"}},
        ]

    fake_rasa.reply = forget
    telegram.send_text(CHAT, "/forget")
    await telegram.wait_for_messages(CHAT, 1)
    await telegram.wait_for(lambda: outbox.rows_for(sender_id=f"tg-{CHAT}") == [])
    assert bookings.active_for(f"tg-{CHAT}") is None


async def test_a_blocked_chat_gets_nothing_more_from_the_outbox(telegram: FakeTelegram) -> None:
    from telegram import Bot

    telegram.private_chat(telegram.user(CHAT))
    telegram.block(CHAT)
    outbox.enqueue("nudge", CHAT, "nudge:1", {"text": "Hoi!"}, utcnow())
    async with Bot(telegram.token, base_url=telegram.base_url) as api:
        results = await OutboxSender(api).send_due()
    assert [r.state for r in results] == ["blocked"]
    assert chat_flags.left_alone(CHAT)
    outbox.enqueue("nudge", CHAT, "nudge:2", {"text": "Nog eens"}, utcnow())
    async with Bot(telegram.token, base_url=telegram.base_url) as api:
        assert await OutboxSender(api).send_due() == []
    await asyncio.sleep(0)
    assert telegram.messages_to(CHAT) == []


async def test_a_403_on_a_reply_flags_the_chat_and_a_new_message_clears_it(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    outbox.enqueue("reminder", CHAT, "r", {"text": "x"}, utcnow() + timedelta(hours=5))
    telegram.block(CHAT)
    telegram.send_text(CHAT, "hallo")
    await telegram.wait_for(lambda: chat_flags.left_alone(CHAT), timeout=10)
    assert outbox.rows_for(kind="reminder")[0].state == "blocked"
    telegram.blocked.discard(CHAT)  # unblocked, and writes again
    telegram.send_text(CHAT, "hallo again")
    await telegram.wait_for_messages(CHAT, 1)
    assert bot.relay is not None
    await bot.relay.unblocking_done()  # the flag is cleared in the background
    assert not chat_flags.left_alone(CHAT)
