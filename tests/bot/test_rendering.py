"""Rasa messages → Telegram messages: escaping, Markdown, splitting, keyboards, directives."""

from __future__ import annotations

import pytest

from bot.callback_data import KEY_PREFIX, USED, ButtonPayloads
from bot.rendering import (
    TELEGRAM_TEXT_LIMIT,
    render_reply,
    split_text,
    to_html,
    to_plain,
    utf16_len,
)
from tests.fake_telegram import parse_html


def test_html_is_escaped_and_markdown_becomes_tags() -> None:
    source = "**Gratis** <script>alert(1)</script> & _echt_ [info](https://ex.org/a_b?x=1&y=2)"
    html = to_html(source)
    assert html == (
        "<b>Gratis</b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; <i>echt</i> "
        '<a href="https://ex.org/a_b?x=1&amp;y=2">info</a>'
    )
    assert parse_html(html) == "Gratis <script>alert(1)</script> & echt info"


def test_urls_and_identifiers_keep_their_underscores_and_stars() -> None:
    source = "Zie https://ex.org/_x_/page_one en snake_case_name of 2*3*4"
    assert parse_html(to_html(source)) == source
    assert to_plain(source) == source


@pytest.mark.parametrize(
    "source",
    [
        "a < b > c && d",
        "**half bold",
        "<b>not a tag</b>",
        "x_y_ *",
        "&amp; already",
        "[broken](javascript:alert(1))",
        "\x00zero",
        "emoji 😀 **bold 😀** _ital_",
        "**nested _inside_ bold**",
        "*one* and **two**",
        "<a href='x'>",
        "5 > 3 & 2 < 4",
    ],
)
def test_rendered_html_always_parses_on_telegram(source: str) -> None:
    parse_html(to_html(source))  # raises the 400 Telegram would send


def test_plain_fallback_drops_markup_but_keeps_link_targets() -> None:
    assert to_plain("**Gratis** [info](https://ex.org)") == "Gratis info (https://ex.org)"


def test_long_text_is_split_at_paragraphs_under_the_limit() -> None:
    paragraph = "Dit is een zin over de opleiding. " * 40
    text = "\n\n".join([paragraph.strip()] * 8)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(utf16_len(chunk) <= 4000 for chunk in chunks)
    assert all(chunk.endswith(".") for chunk in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_split_counts_emoji_as_two_telegram_characters() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units, no space to cut at
    chunks = split_text(text)
    assert [utf16_len(chunk) for chunk in chunks] == [4000, 2000]
    assert "".join(chunks) == text


def test_short_text_is_one_chunk() -> None:
    assert split_text("  hoi  ") == ["hoi"]
    assert split_text("") == []


def test_reply_with_buttons_gets_a_keyboard_on_its_last_part() -> None:
    long_text = ("Lange uitleg. " * 400).strip()  # 5600 characters
    replies = [
        {
            "text": long_text,
            "buttons": [
                {"title": "Ja", "payload": "/affirm"},
                {"title": "Nee", "payload": "/deny"},
            ],
        }
    ]
    rendered = render_reply(replies, ButtonPayloads())
    assert len(rendered.messages) == 2
    assert rendered.messages[0].keyboard is None
    keyboard = rendered.messages[1].keyboard
    assert [[b.text for b in row] for row in keyboard.inline_keyboard] == [["Ja", "Nee"]]
    assert [b.callback_data for b in keyboard.inline_keyboard[0]] == ["/affirm", "/deny"]
    assert all(utf16_len(m.plain) <= TELEGRAM_TEXT_LIMIT for m in rendered.messages)


def test_long_button_titles_go_one_per_row() -> None:
    buttons = [
        {"title": "Start de motivatiecheck", "payload": "/start_check"},
        {"title": "Praat met iemand", "payload": "/human_handoff"},
    ]
    keyboard = (
        render_reply([{"text": "Wat wil je doen?", "buttons": buttons}], ButtonPayloads())
        .messages[0]
        .keyboard
    )
    assert [len(row) for row in keyboard.inline_keyboard] == [1, 1]


def test_buttons_without_text_still_get_a_message() -> None:
    rendered = render_reply(
        [{"buttons": [{"title": "OK", "payload": "/affirm"}]}], ButtonPayloads()
    )
    assert rendered.messages[0].plain == "👇"
    assert rendered.messages[0].keyboard is not None


def test_image_becomes_a_photo_and_custom_payloads_become_directives() -> None:
    replies = [
        {"text": "Kijk:"},
        {"image": "https://example.org/campus.png"},
        {"custom": {"passerelle": "notify_staff", "kind": "handoff", "lead_id": 3}},
        {"custom": {"something": "else"}},
    ]
    rendered = render_reply(replies, ButtonPayloads())
    assert [m.photo for m in rendered.messages] == [None, "https://example.org/campus.png"]
    assert rendered.directives == [{"passerelle": "notify_staff", "kind": "handoff", "lead_id": 3}]
    assert rendered.texts == ["Kijk:", "https://example.org/campus.png"]


def test_long_payloads_travel_through_the_table() -> None:
    payloads = ButtonPayloads()
    long_payload = '/choose_topic{"topic":"doubt/family_constraints","source":"fallback_menu"}'
    assert len(long_payload.encode()) > 64
    data = payloads.encode(long_payload)
    assert data.startswith(KEY_PREFIX) and len(data.encode()) <= 64
    assert payloads.decode(data) == long_payload
    assert payloads.encode("/affirm") == "/affirm"
    assert payloads.decode("/affirm") == "/affirm"
    assert payloads.decode(USED) is None


def test_only_callback_data_the_bot_sent_is_accepted() -> None:
    payloads = ButtonPayloads()
    payloads.encode("/start_check")
    assert payloads.accept("/start_check", on_keyboard=True) == "/start_check"
    # sent, but to another chat (not on the pressed message's keyboard): refused
    assert payloads.accept("/start_check", on_keyboard=False) is None
    # forged by a modified client: never handed out, not on the pressed message's keyboard
    assert payloads.accept('/inform{"age":"18"}', on_keyboard=False) is None
    assert payloads.accept("/affirm", on_keyboard=False) is None
    # on the keyboard of the bot's own message: sent before a restart
    assert payloads.accept("/human_handoff", on_keyboard=True) == "/human_handoff"
    assert payloads.accept(KEY_PREFIX + "0" * 20, on_keyboard=True) is None  # key lost
    assert payloads.accept(USED, on_keyboard=True) is None


def test_after_a_restart_a_table_key_is_unknown() -> None:
    data = ButtonPayloads().encode("/x" + "y" * 80)
    assert ButtonPayloads().decode(data) is None


def test_the_table_stays_bounded() -> None:
    payloads = ButtonPayloads(max_entries=3)
    keys = [payloads.encode(f"/p{'x' * 70}{n}") for n in range(5)]
    assert payloads.decode(keys[0]) is None
    assert payloads.decode(keys[4]) is not None
