"""The real python-telegram-bot application against the fake Telegram server and a fake Rasa."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.callback_data import USED
from bot.texts import TEXTS
from tests.bot.conftest import FakeRasa
from tests.fake_telegram import FakeTelegram

pytestmark = pytest.mark.timeout(40)

CHAT = 1001
LONG_PAYLOAD = '/choose_topic{"topic":"doubt/family_constraints","from":"fallback_menu"}'


def answer(text: str, *buttons: tuple[str, str], **extra: object) -> list[dict]:
    message: dict = {"recipient_id": "x", "text": text, **extra}
    if buttons:
        message["buttons"] = [{"title": title, "payload": payload} for title, payload in buttons]
    return [message]


# --- entry and commands -----------------------------------------------------------------------


async def test_deep_link_start_greets_with_campaign_and_telegram_metadata(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    update = telegram.send_text(CHAT, "/start gent-lan-7f3k", language_code="fr")
    [reply] = await telegram.wait_for_messages(CHAT, 1)
    assert reply.text == "Salut ! Je peux t'aider ?"
    [received] = fake_rasa.received
    assert received.sender == f"tg-{CHAT}"
    assert received.text == "/greet"
    assert received.metadata == {
        "channel": "telegram",
        "language_code": "fr",
        "telegram_user_id": CHAT,
        "message_id": update["message"]["message_id"],
        "campaign": "gent-lan-7f3k",
    }


@pytest.mark.parametrize(
    ("start", "campaign"),
    [
        ("/start not-ours-99", "unknown: not-ours-99"),
        ("/start <b>hi</b>", "unknown: bhib"),
        ("/start", None),
    ],
)
async def test_unknown_or_missing_codes_are_kept_sanitised(
    bot,
    telegram: FakeTelegram,
    fake_rasa: FakeRasa,
    start: str,
    campaign: str | None,
) -> None:
    telegram.send_text(CHAT, start)
    await telegram.wait_for_messages(CHAT, 1)
    assert fake_rasa.received[0].metadata.get("campaign") == campaign


async def test_command_menu_is_registered_in_three_languages(bot, telegram) -> None:
    assert set(telegram.commands) == {"", "nl", "fr", "en"}
    names = [c["command"] for c in telegram.commands["fr"]]
    assert names == ["start", "help", "language", "privacy", "forget", "stop", "unsubscribe"]
    described = {
        lang: {c["command"]: c["description"] for c in telegram.commands[lang]}
        for lang in ("nl", "fr", "en")
    }
    assert described["fr"]["forget"] == "Effacer mes données"
    assert described["nl"]["forget"] == "Wis mijn gegevens"
    assert described["en"]["forget"] == "Delete my data"


async def test_commands_become_rasa_payloads(bot, telegram, fake_rasa: FakeRasa) -> None:
    for number, command in enumerate(
        ["/help", "/privacy", "/forget", "/stop", "/whatever", "/help@passerelle_test_bot"], start=1
    ):
        telegram.send_text(CHAT, command)
        await telegram.wait_for_messages(CHAT, number)
    assert fake_rasa.texts_from(f"tg-{CHAT}") == [
        "/help",
        "/privacy",
        "/forget_me",
        "/stop",
        "/help",
        "/help",
    ]


async def test_language_command_offers_three_buttons_that_switch_language(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    telegram.send_text(CHAT, "/language")
    [prompt] = await telegram.wait_for_messages(CHAT, 1)
    assert [b["text"] for b in prompt.buttons] == ["Nederlands", "Français", "English"]
    assert fake_rasa.received == []  # the bot asks this itself
    fake_rasa.reply = lambda s, t, m: answer("C'est noté, on continue en français !")
    telegram.press(prompt, "Français")
    await telegram.wait_for_messages(CHAT, 2)
    assert fake_rasa.texts_from(f"tg-{CHAT}") == ['/change_language{"language":"fr"}']


# --- text, buttons, rendering -----------------------------------------------------------------


async def test_button_round_trip_answers_the_query_and_marks_the_keyboard(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: answer(
        "De opleiding is **gratis**.",
        ("Start de check", "/start_check"),
        ("Praat met iemand", "/human_handoff"),
    )
    telegram.send_text(CHAT, "hoeveel kost het?")
    [faq] = await telegram.wait_for_messages(CHAT, 1)
    assert faq.text == "De opleiding is gratis."
    assert faq.raw == "De opleiding is <b>gratis</b>." and faq.parse_mode == "HTML"
    assert [b["callback_data"] for b in faq.buttons] == ["/start_check", "/human_handoff"]

    fake_rasa.reply = lambda s, t, m: answer("Top! Hoe mag ik je noemen?")
    press = telegram.press(faq, "Start de check")
    await telegram.wait_for_messages(CHAT, 2)
    assert fake_rasa.texts_from(f"tg-{CHAT}") == ["hoeveel kost het?", "/start_check"]
    assert fake_rasa.received[1].metadata["message_id"] == faq.message_id
    assert press["callback_query"]["id"] in telegram.answered_callbacks
    assert faq.buttons == [{"text": "✓ Start de check", "callback_data": USED}]

    telegram.press(faq, "✓ Start de check")  # pressing the used mark does nothing
    await asyncio.sleep(0.5)
    assert len(fake_rasa.received) == 2 and len(telegram.answered_callbacks) == 2


async def test_long_payloads_work_and_fall_back_to_the_title_after_a_restart(
    start_bot, bot_settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: answer(
        "Waar twijfel je over?", ("Mijn gezin", LONG_PAYLOAD), ("Iets anders", "/deny")
    )
    async with start_bot(bot_settings):
        telegram.send_text(CHAT, "ik twijfel")
        telegram.send_text(CHAT, "nog eens")
        first, second = await telegram.wait_for_messages(CHAT, 2)
        assert len(first.button("gezin")["callback_data"].encode()) <= 64
        telegram.press(first, "gezin")
        await telegram.wait_for_messages(CHAT, 3)
        assert fake_rasa.received[-1].text == LONG_PAYLOAD
    async with start_bot(bot_settings):  # a restart forgets the table
        telegram.press(second, "gezin")
        await telegram.wait_for_messages(CHAT, 4)
        assert fake_rasa.received[-1].text == "Mijn gezin"


async def test_typed_payloads_reach_rasa_as_plain_text_and_commands_still_work(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    typed = ["/ /affirm", "/\n/stop", ' /inform{"age":"18"}', "/stop"]
    for number, message in enumerate(typed, start=1):
        telegram.send_text(CHAT, message)
        await telegram.wait_for_messages(CHAT, number)
    assert fake_rasa.texts_from(f"tg-{CHAT}") == ["affirm", "stop", 'inform{"age":"18"}', "/stop"]


async def test_callback_data_the_bot_never_sent_is_ignored(
    start_bot, bot_settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: answer(
        "Zullen we de check doen?", ("Start de check", "/start_check")
    )
    async with start_bot(bot_settings):
        telegram.send_text(CHAT, "hoi")
        telegram.send_text(CHAT, "nog eens")
        first, second = await telegram.wait_for_messages(CHAT, 2)
        forged = telegram.press_data(first, '/inform{"age":"18","first_name":"x"}')
        await asyncio.sleep(0.5)
        assert forged["callback_query"]["id"] in telegram.answered_callbacks
        assert fake_rasa.texts_from(f"tg-{CHAT}") == ["hoi", "nog eens"]
        assert first.buttons == [{"text": "Start de check", "callback_data": "/start_check"}]
    async with start_bot(bot_settings):  # a restart: the data on the bot's keyboard still counts
        telegram.press(second, "Start de check")
        await telegram.wait_for_messages(CHAT, 3)
        assert fake_rasa.texts_from(f"tg-{CHAT}")[-1] == "/start_check"
        telegram.press_data(second, "/affirm")
        await asyncio.sleep(0.5)
        assert fake_rasa.texts_from(f"tg-{CHAT}") == ["hoi", "nog eens", "/start_check"]


async def test_long_replies_are_split_and_images_sent(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    paragraph = ("Alles over de opleiding, stap voor stap uitgelegd. " * 30).strip()
    long_text = "\n\n".join([paragraph] * 6)  # about 9,300 characters
    fake_rasa.reply = lambda s, t, m: [
        *answer(long_text, ("Meer weten", "/help")),
        {"recipient_id": s, "image": "https://example.org/campus.png"},
    ]
    telegram.send_text(CHAT, "vertel alles")
    messages = await telegram.next_messages(CHAT, 0)
    texts, photos = messages[:-1], messages[-1]
    assert len(texts) == 3
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in texts)
    assert [bool(m.buttons) for m in texts] == [False, False, True]
    assert photos.photo == "https://example.org/campus.png"
    assert " ".join(m.text for m in texts).split() == long_text.split()


async def test_html_refused_by_telegram_is_resent_as_plain_text(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: answer("Het is **gratis** & 7 maanden")
    telegram.fail(
        "sendMessage", 400, description="Bad Request: can't parse entities: Unsupported start tag"
    )
    telegram.send_text(CHAT, "prijs?")
    [reply] = await telegram.wait_for_messages(CHAT, 1)
    assert reply.parse_mode is None and reply.text == "Het is gratis & 7 maanden"


# --- everything else a chat can contain -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("sticker", "text_only_sticker"),
        ("voice", "text_only_voice"),
        ("video_note", "text_only_voice"),
        ("photo", "text_only"),
        ("video", "text_only"),
        ("document", "text_only"),
        ("animation", "text_only"),
        ("location", "text_only_private"),
        ("contact", "text_only_private"),
        ("venue", "text_only_private"),
        ("poll", "text_only"),
        ("dice", "text_only_sticker"),
    ],
)
async def test_non_text_gets_a_friendly_answer_in_the_persons_language(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa, kind: str, key: str
) -> None:
    telegram.send_media(CHAT, kind, language_code="fr")
    [reply] = await telegram.wait_for_messages(CHAT, 1)
    assert reply.text == TEXTS[key]["fr"]
    assert fake_rasa.received == []


async def test_own_texts_follow_the_language_rasa_last_answered_in(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: answer(
        "Hi! I'm the school's bot. Ask me anything about the training."
    )
    telegram.send_text(CHAT, "hello, can we speak English?", language_code="nl")
    await telegram.wait_for_messages(CHAT, 1)
    telegram.send_media(CHAT, "voice", language_code="nl")
    _, reply = await telegram.wait_for_messages(CHAT, 2)
    assert reply.text == TEXTS["text_only_voice"]["en"]


async def test_edited_messages_get_a_note_and_do_not_reach_rasa(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    update = telegram.send_text(CHAT, "ik ben 91", language_code="en")
    await telegram.wait_for_messages(CHAT, 1)
    telegram.edit(update, "ik ben 19")
    _, note = await telegram.wait_for_messages(CHAT, 2)
    assert note.text == TEXTS["edited"]["en"]
    assert fake_rasa.texts_from(f"tg-{CHAT}") == ["ik ben 91"]


async def test_groups_get_one_polite_private_only_note(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    group = -4001
    telegram.add_to_group(group, by_user_id=77, language_code="fr")
    [note] = await telegram.wait_for_messages(group, 1)
    assert note.text == TEXTS["private_only"]["fr"].format(link="https://t.me/passerelle_test_bot")
    telegram.send_in_group(group, 78, "/start")
    telegram.send_in_group(group, 79, "c'est quoi ce bot ?")
    telegram.add_to_group(-100200300, by_user_id=80)  # the staff chat: no notice there
    telegram.send_in_group(-100200300, 80, "/help")
    await asyncio.sleep(0.8)
    assert len(telegram.messages_to(group)) == 1  # not once per message
    assert telegram.messages_to(-100200300) == []
    assert fake_rasa.received == []


# --- robustness -------------------------------------------------------------------------------


async def test_a_redelivered_update_is_handled_once(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    update = telegram.send_text(CHAT, "hallo")
    await telegram.wait_for_messages(CHAT, 1)
    telegram.redeliver(update)
    telegram.send_text(CHAT, "en nu?")
    await telegram.wait_for_messages(CHAT, 2)
    await asyncio.sleep(0.3)
    assert fake_rasa.texts_from(f"tg-{CHAT}") == ["hallo", "en nu?"]
    assert len(telegram.messages_to(CHAT)) == 2


async def test_telegram_429_is_retried_and_nothing_is_lost(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    telegram.fail("sendMessage", 429, retry_after=1)
    telegram.send_text(CHAT, "hallo")
    [reply] = await telegram.wait_for_messages(CHAT, 1, timeout=10)
    assert reply.text == "Hoi! Waarmee kan ik je helpen?"
    assert [c.status for c in telegram.calls_of("sendMessage")] == [429, 200]


async def test_a_flood_is_limited_with_one_notice(
    start_bot, bot_settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    async with start_bot(bot_settings, flood_burst=5, flood_per_minute=6):
        for number in range(12):
            telegram.send_text(CHAT, f"spam {number}", language_code="en")
        await telegram.wait_for(
            lambda: any(m.text == TEXTS["slow_down"]["en"] for m in telegram.messages_to(CHAT))
        )
        await asyncio.sleep(0.5)
    assert fake_rasa.texts_from(f"tg-{CHAT}") == [f"spam {n}" for n in range(5)]
    texts = [m.text for m in telegram.messages_to(CHAT)]
    assert texts.count(TEXTS["slow_down"]["en"]) == 1
    assert len(texts) == 6


async def test_oversize_input_is_trimmed_with_a_note(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    telegram.send_text(
        CHAT, "Ik wil leren programmeren omdat " + "echt " * 1000, language_code="nl"
    )
    note, reply = await telegram.wait_for_messages(CHAT, 2)
    assert note.text == TEXTS["trimmed"]["nl"]
    assert reply.text == "Hoi! Waarmee kan ik je helpen?"
    [received] = fake_rasa.received
    assert 1400 < len(received.text) <= 1500


async def test_rasa_down_gives_a_hiccup_then_the_held_messages_are_answered_in_order(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: answer(f"Merci pour ton message, voici ma réponse à « {t} ».")
    telegram.send_text(CHAT, "een", language_code="nl")
    await telegram.wait_for_messages(CHAT, 1)
    await fake_rasa.down()
    telegram.send_text(CHAT, "twee", language_code="nl")
    _, hiccup = await telegram.wait_for_messages(CHAT, 2)
    assert hiccup.text == TEXTS["hiccup"]["fr"]
    telegram.send_text(CHAT, "drie", language_code="nl")
    await asyncio.sleep(0.5)
    assert len(telegram.messages_to(CHAT)) == 2  # one hiccup per outage, not per message
    await fake_rasa.up()
    messages = await telegram.wait_for_messages(CHAT, 4, timeout=15)
    assert [m.text for m in messages] == [
        "Merci pour ton message, voici ma réponse à « een ».",
        TEXTS["hiccup"]["fr"],
        "Merci pour ton message, voici ma réponse à « twee ».",
        "Merci pour ton message, voici ma réponse à « drie ».",
    ]
    assert fake_rasa.texts_from(f"tg-{CHAT}") == ["een", "twee", "drie"]


async def test_rasa_errors_5xx_are_an_outage_too(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.status = 502
    telegram.send_text(CHAT, "hallo", language_code="en")
    [hiccup] = await telegram.wait_for_messages(CHAT, 1)
    assert hiccup.text == TEXTS["hiccup"]["en"]
    fake_rasa.status = 200
    _, reply = await telegram.wait_for_messages(CHAT, 2, timeout=15)
    assert reply.text == "Hi! How can I help?"


async def test_slow_rasa_gets_a_hiccup_then_the_answer_without_a_replay(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.delay = 3.0  # slow_notice_after is 2 s in these tests
    telegram.send_text(CHAT, "hallo", language_code="nl")
    hiccup, reply = await telegram.wait_for_messages(CHAT, 2, timeout=10)
    assert hiccup.text == TEXTS["hiccup"]["nl"]
    assert reply.text == "Hoi! Waarmee kan ik je helpen?"
    assert len(fake_rasa.received) == 1
    assert telegram.calls_of("sendChatAction")  # "typing…" while waiting


async def test_action_server_down_behind_rasa_is_an_outage_too(
    start_bot, bot_settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    async with start_bot(bot_settings, action_server_url=f"{fake_rasa.url}/webhook"):
        fake_rasa.actions_healthy = False
        fake_rasa.reply = lambda s, t, m: []  # what Rasa answers when its actions fail
        telegram.send_text(CHAT, "hallo", language_code="en")
        [hiccup] = await telegram.wait_for_messages(CHAT, 1)
        assert hiccup.text == TEXTS["hiccup"]["en"]
        fake_rasa.actions_healthy = True
        fake_rasa.reply = lambda s, t, m: answer("Hi again!")
        _, reply = await telegram.wait_for_messages(CHAT, 2, timeout=15)
        assert reply.text == "Hi again!"
        assert fake_rasa.texts_from(f"tg-{CHAT}") == ["hallo", "hallo"]


async def test_a_blocked_chat_does_not_disturb_others(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    telegram.send_text(2002, "hoi")
    await telegram.wait_for_messages(2002, 1)
    telegram.block(2002)
    telegram.send_text(2002, "nog eens")
    await telegram.wait_for(lambda: 403 in [c.status for c in telegram.calls_of("sendMessage")])
    telegram.send_text(CHAT, "hallo")
    [reply] = await telegram.wait_for_messages(CHAT, 1)
    assert reply.text == "Hoi! Waarmee kan ik je helpen?"


# --- order, concurrency, pacing ---------------------------------------------------------------


async def test_one_chat_in_order_many_chats_at_once(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: answer(f"re: {t}")
    fake_rasa.delay = 0.4
    started = time.monotonic()
    for number in range(3):
        telegram.send_text(CHAT, f"bericht {number}")
    for chat in range(3001, 3011):
        telegram.send_text(chat, "hoi")
    for chat in range(3001, 3011):
        await telegram.wait_for_messages(chat, 1)
    others_done = time.monotonic() - started
    messages = await telegram.wait_for_messages(CHAT, 3)
    assert [m.text for m in messages] == ["re: bericht 0", "re: bericht 1", "re: bericht 2"]
    assert others_done < 2.5  # ten chats at 0.4 s each: side by side, not 4 s in a row
    assert time.monotonic() - started >= 1.2  # one chat's three messages, one after another


async def test_a_reply_of_several_messages_is_paced_per_chat(
    start_bot, bot_settings, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = lambda s, t, m: (
        [*answer("een"), *answer("twee"), *answer("drie")] if s == f"tg-{CHAT}" else answer("snel")
    )
    async with start_bot(bot_settings, reply_interval=1.5):
        telegram.send_text(CHAT, "vertel")
        await telegram.wait_for_messages(CHAT, 1)
        telegram.send_text(2002, "hoi")
        # not behind CHAT's paced reply (which takes 3 s more)
        await telegram.wait_for_messages(2002, 1, timeout=2.0)
        messages = await telegram.wait_for_messages(CHAT, 3)
    gaps = [b.at - a.at for a, b in zip(messages, messages[1:])]
    assert all(gap >= 1.4 for gap in gaps), gaps


async def test_no_typing_hint_for_a_quick_answer(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    telegram.send_text(CHAT, "hallo")
    await telegram.wait_for_messages(CHAT, 1)
    assert telegram.calls_of("sendChatAction") == []


# --- directives in Rasa's reply ---------------------------------------------------------------


async def test_erase_tracker_directive_runs_after_the_reply(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa, erased: list[str]
) -> None:
    fake_rasa.reply = lambda s, t, m: [
        *answer("Klaar, alles is gewist."),
        {"recipient_id": s, "custom": {"passerelle": "erase_tracker"}},
    ]
    telegram.send_text(CHAT, "/forget")
    [reply] = await telegram.wait_for_messages(CHAT, 1)
    await telegram.wait_for(lambda: erased)
    assert erased == [f"tg-{CHAT}"]
    assert reply.text == "Klaar, alles is gewist."


async def test_staff_chat_hears_about_qualified_leads_and_handoffs_without_details(
    bot, telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    staff = -100200300

    def reply(sender: str, text: str, metadata: dict) -> list[dict]:
        kind = "qualified" if text == "klaar" else "handoff"
        return [
            *answer("Bedankt!"),
            {
                "recipient_id": sender,
                "custom": {"passerelle": "notify_staff", "kind": kind, "lead_id": 12},
            },
            {"recipient_id": sender, "custom": {"passerelle": "notify_staff", "kind": "?"}},
        ]

    fake_rasa.reply = reply
    telegram.send_text(CHAT, "klaar")
    telegram.send_text(CHAT, "mag ik iemand spreken")
    messages = await telegram.wait_for_messages(staff, 2)
    assert [m.text for m in messages] == [
        "🎉 New qualified lead #12\nhttp://dash.example/leads/12",
        "🙋 Someone would like to talk to a person (lead #12)\nhttp://dash.example/leads/12",
    ]
    await asyncio.sleep(0.3)
    assert len(telegram.messages_to(staff)) == 2
