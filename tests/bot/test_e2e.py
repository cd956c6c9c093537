"""End to end: fake Telegram → the real bot → the real Rasa and action server → the database.

Uses the session's `stack` (tests/conftest.py). Assertions stay on stable things: a reply
arrives in the right language, buttons round-trip, the lead is exported with the right
campaign, erased after /forget, and nothing is lost through a Rasa restart or a 429.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.app import PasserelleBot, running
from bot.languages import detect_language
from bot.settings import Settings
from bot.texts import TEXTS
from passerelle_settings import LANGUAGES
from tests.fake_telegram import FakeTelegram, SentMessage
from tests.telegram_chat import TelegramChat

pytestmark = pytest.mark.timeout(180)

STAFF_CHAT = -100999
FAQ_QUESTION = {
    "nl": "Hoe lang duurt de opleiding?",
    "fr": "Combien de temps dure la formation ?",
    "en": "How long does the training last?",
}
DOUBT = {
    "nl": "Ik heb geen diploma, is dat een probleem?",
    "fr": "Je n'ai pas de diplôme, c'est un problème ?",
    "en": "I don't have a diploma, is that a problem?",
}
HANDOFF = {
    "nl": "Kan ik met iemand van het team praten?",
    "fr": "Je peux parler à quelqu'un de l'équipe ?",
    "en": "Can I talk to someone from the team?",
}
YES = {"nl": "ja", "fr": "oui", "en": "yes"}
TYPED_ANSWERS = {
    "first_name": {"nl": "Sam", "fr": "Sam", "en": "Sam"},
    "age": {"nl": "19", "fr": "j'ai 19 ans", "en": "I'm 19"},
    "motivation": {
        "nl": "Ik wil leren programmeren omdat ik graag met computers bezig ben en echt "
        "werk wil vinden",
        "fr": "Je veux apprendre à coder parce que j'adore l'informatique et je veux "
        "trouver un vrai travail",
        "en": "I want to learn to code because I love computers and I really want to find "
        "a proper job",
    },
}


@dataclass
class Conversation(TelegramChat):
    async def answer_form(self, max_steps: int = 30) -> None:
        """Answer whatever the active form asks: typed answers, else its first button."""
        for _ in range(max_steps):
            tracker = await self.tracker()
            slot = tracker["slots"].get("requested_slot")
            if not (tracker.get("active_loop") or {}).get("name") or slot is None:
                return
            if slot in TYPED_ANSWERS:
                await self.say(TYPED_ANSWERS[slot][self.language])
            elif slot == "contact":
                await self.say(f"sam.{self.chat_id}@example.org")
            elif self.messages[-1].buttons:
                await self.press(self.messages[-1], self.messages[-1].buttons[0])
            else:
                await self.say(YES[self.language])
        raise AssertionError(f"the form did not finish: {await self.user_texts()}")


def language_of(messages: list[SentMessage]) -> str | None:
    return detect_language(" ".join(m.text for m in messages if m.text))


def lead_of(sender_id: str) -> dict | None:
    from leads.export import lead_records

    return next((r for r in lead_records() if r["sender_id"] == sender_id), None)


def lead_detail(sender_id: str):  # noqa: ANN201 - leads.rows.LeadDetail
    from leads.lead_queue import get_lead_by_sender

    return get_lead_by_sender(sender_id)


async def assert_staff_told(chat: Conversation, kind: str, lead_id: int) -> None:
    """The admissions chat got one line with the dashboard link, and none of the answers."""
    link = f"http://dash.example/leads/{lead_id}"
    told = await chat.telegram.wait_for(
        lambda: [m for m in chat.telegram.messages_to(STAFF_CHAT) if link in m.text]
    )
    assert len(told) == 1, [m.text for m in told]
    assert "Sam" not in told[0].text and "@example.org" not in told[0].text
    assert ("talk to a person" in told[0].text) == (kind == "handoff")


def new_campaign(language: str) -> str:
    from leads.campaigns import create_campaign

    code = f"gent-lan-{language}{secrets.token_hex(3)}"
    create_campaign("Gent LAN party", "tournament", "Gent", code=code)
    return code


@pytest.fixture
async def e2e(
    stack, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[PasserelleBot, FakeTelegram]]:
    monkeypatch.setenv("DATABASE_URL", stack.database_url)
    monkeypatch.setenv("TRACKER_DATABASE_URL", stack.tracker_url)
    telegram.group_chat(STAFF_CHAT, "Admissions")
    settings = Settings(
        telegram_token=telegram.token,
        api_base_url=telegram.base_url,
        rasa_urls=[stack.rasa_url],
        action_server_url=stack.action_url,
        rasa_timeout=30,
        slow_notice_after=15,
        reply_interval=0.05,
        poll_timeout=1,
        retry_max_delay=2,
        staff_chat_id=STAFF_CHAT,
        dashboard_url="http://dash.example",
    )
    async with running(settings) as bot:  # the real campaign lookup and tracker eraser
        yield bot, telegram


def conversation(e2e: tuple[PasserelleBot, FakeTelegram], stack, language: str) -> Conversation:
    bot, telegram = e2e
    return Conversation(bot, telegram, stack, 700_000_000 + secrets.randbelow(10**8), language)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_deep_link_start_greets_in_the_persons_language(e2e, stack, language) -> None:
    chat = conversation(e2e, stack, language)
    code = await asyncio.to_thread(new_campaign, language)
    greeting = await chat.say(f"/start {code}")
    assert language_of(greeting) == language
    assert any(b["callback_data"] == "/start_check" for m in greeting for b in m.buttons)
    slots = (await chat.tracker())["slots"]
    assert slots["campaign"] == code and slots["language"] == language


@pytest.mark.parametrize("language", LANGUAGES)
async def test_faq_by_button_and_by_typed_text(e2e, stack, language) -> None:
    chat = conversation(e2e, stack, language)
    await chat.say("/start")
    keyboard = chat.last_with_buttons()
    [cost] = [b for b in keyboard.buttons if "faq/cost" in b["callback_data"]]
    answer = await chat.press(keyboard, cost)
    assert language_of(answer) == language
    assert (await chat.user_texts())[-1] == '/choose_topic{"topic":"faq/cost"}'
    assert keyboard.buttons == [{"text": f"✓ {cost['text']}", "callback_data": "#used"}]

    answer = await chat.say(FAQ_QUESTION[language])
    assert language_of(answer) == language
    latest = (await chat.tracker())["latest_message"]
    assert latest["intent"]["name"] == "faq"


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_doubt_is_answered_and_offers_the_check(e2e, stack, language) -> None:
    chat = conversation(e2e, stack, language)
    await chat.say("/start")
    answer = await chat.say(DOUBT[language])
    assert language_of(answer) == language
    assert (await chat.tracker())["latest_message"]["intent"]["name"] == "doubt"
    assert any(b["callback_data"] == "/start_check" for m in answer for b in m.buttons)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_full_check_ends_in_an_exported_lead_with_the_campaign(e2e, stack, language) -> None:
    chat = conversation(e2e, stack, language)
    code = await asyncio.to_thread(new_campaign, language)
    greeting = await chat.say(f"/start {code}")
    [start_check] = [b for m in greeting for b in m.buttons if b["callback_data"] == "/start_check"]
    await chat.press(chat.last_with_buttons(), start_check)
    await chat.answer_form()
    assert language_of(chat.messages[-1:]) == language
    lead = await asyncio.to_thread(lead_of, chat.sender_id)
    assert lead is not None, await chat.user_texts()
    assert lead["campaign"] == code
    assert lead["language"] == language
    assert lead["status"] == "new" and lead["qualified"] is True
    assert lead["contact"] == f"sam.{chat.chat_id}@example.org"
    detail = await asyncio.to_thread(lead_detail, chat.sender_id)
    assert detail.telegram_user_id == chat.chat_id
    await assert_staff_told(chat, "qualified", detail.id)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_handoff_flags_the_lead_for_a_person(e2e, stack, language) -> None:
    chat = conversation(e2e, stack, language)
    await chat.say("/start")
    answer = await chat.say(HANDOFF[language])
    assert language_of(answer) == language
    await chat.answer_form()
    lead = await asyncio.to_thread(lead_of, chat.sender_id)
    assert lead is not None and lead["handoff_requested"] is True
    assert language_of(chat.messages[-1:]) == language
    detail = await asyncio.to_thread(lead_detail, chat.sender_id)
    await assert_staff_told(chat, "handoff", detail.id)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_forget_erases_the_lead_and_the_conversation(e2e, stack, language) -> None:
    chat = conversation(e2e, stack, language)
    await chat.say("/start")
    await chat.say(HANDOFF[language])
    await chat.answer_form()
    assert await asyncio.to_thread(lead_of, chat.sender_id) is not None
    confirm = await chat.say("/forget")
    assert language_of(confirm) == language
    [yes] = [b for b in chat.last_with_buttons().buttons if b["callback_data"] == "/affirm"]
    done = await chat.press(chat.last_with_buttons(), yes)
    assert language_of(done) == language
    assert await asyncio.to_thread(lead_of, chat.sender_id) is None
    assert HANDOFF[language] not in await chat.user_texts()  # the tracker is gone too


@pytest.mark.parametrize("language", LANGUAGES)
async def test_sticker_and_voice_get_a_friendly_answer_and_nothing_is_stored(
    e2e, stack, language
) -> None:
    chat = conversation(e2e, stack, language)
    await chat.say("/start")
    events_before = len((await chat.tracker())["events"])
    bot, telegram = e2e
    telegram.send_media(chat.chat_id, "sticker", language_code=language)
    [sticker] = await chat.settle(len(chat.messages))
    telegram.send_media(chat.chat_id, "voice", language_code=language)
    [voice] = await chat.settle(len(chat.messages))
    assert sticker.text == TEXTS["text_only_sticker"][language]
    assert voice.text == TEXTS["text_only_voice"][language]
    assert len((await chat.tracker())["events"]) == events_before


async def test_language_button_switches_the_conversation(e2e, stack) -> None:
    chat = conversation(e2e, stack, "nl")
    await chat.say("/start")
    [prompt] = await chat.say("/language")
    answer = await chat.press(prompt, prompt.button("Français"))
    assert language_of(answer) == "fr"
    assert (await chat.tracker())["slots"]["language"] == "fr"
    assert language_of(await chat.say(FAQ_QUESTION["en"])) in {"fr", "en"}  # detection may win


@pytest.mark.timeout(400)
async def test_rasa_stopped_mid_conversation_then_restarted(e2e, stack) -> None:
    chat = conversation(e2e, stack, "fr")
    await chat.say("/start")
    await asyncio.to_thread(stack.stop_rasa)
    try:
        [hiccup] = await chat.say(FAQ_QUESTION["fr"])
        assert hiccup.text == TEXTS["hiccup"]["fr"]
        held = len(chat.messages)
    finally:
        await asyncio.to_thread(stack.start_rasa)
    answer = await chat.settle(held, timeout=60)  # the held message, answered once back
    assert language_of(answer) == "fr"
    again = await chat.say(DOUBT["fr"])
    assert language_of(again) == "fr"
    texts = await chat.user_texts()
    assert texts[-2:] == [FAQ_QUESTION["fr"], DOUBT["fr"]]


async def test_telegram_429_is_retried_and_nothing_is_lost(e2e, stack) -> None:
    bot, telegram = e2e
    chat = conversation(e2e, stack, "en")
    telegram.fail("sendMessage", 429, retry_after=1)
    greeting = await chat.say("/start")
    assert language_of(greeting) == "en"
    assert [c.status for c in telegram.calls_of("sendMessage")][:2] == [429, 200]


async def test_a_redelivered_update_gets_one_reply(e2e, stack) -> None:
    bot, telegram = e2e
    chat = conversation(e2e, stack, "nl")
    await chat.say("/start")
    update = telegram.send_text(chat.chat_id, FAQ_QUESTION["nl"], language_code="nl")
    await chat.settle(len(chat.messages))
    seen = len(chat.messages)
    telegram.redeliver(update)
    await asyncio.sleep(1.5)
    assert len(chat.messages) == seen
    assert (await chat.user_texts()).count(FAQ_QUESTION["nl"]) == 1
