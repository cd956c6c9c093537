"""Commands, deep-link campaigns, language buttons, the command menu."""

from __future__ import annotations

import pytest

from bot.commands import (
    COMMAND_PAYLOADS,
    MENU,
    bot_commands,
    campaign_from_start,
    chosen_language,
    language_keyboard,
    language_payload,
    start_code,
)
from bot.texts import COMMAND_DESCRIPTIONS, TEXTS
from passerelle_settings import LANGUAGES


def test_commands_map_to_the_contract_payloads() -> None:
    assert COMMAND_PAYLOADS == {
        "start": "/greet",
        "help": "/help",
        "privacy": "/privacy",
        "forget": "/forget_me",
        "stop": "/stop",
        "unsubscribe": "/stop_messages",
    }


@pytest.mark.parametrize(
    ("args", "known", "campaign"),
    [
        (["gent-lan-7f3k"], True, "gent-lan-7f3k"),
        (["gent-lan-0000"], False, "unknown: gent-lan-0000"),
        (["gent-lan-0000"], None, "gent-lan-0000"),
        (["<script>x</script>"], None, "unknown: scriptxscript"),
        (["a" * 80], True, "unknown: " + "a" * 64),
        (["two", "words"], None, "unknown: twowords"),
        (["!!!"], None, "unknown: ?"),
        ([], None, None),
    ],
)
def test_campaign_from_start(args: list[str], known: bool | None, campaign: str | None) -> None:
    assert campaign_from_start(args, known) == campaign


def test_start_code_only_accepts_telegram_deep_link_codes() -> None:
    assert start_code(["poster_A-1"]) == "poster_A-1"
    assert start_code(["poster A"]) is None
    assert start_code(["é"]) is None


def test_language_buttons_send_change_language_payloads() -> None:
    keyboard = language_keyboard()
    [row] = keyboard.inline_keyboard
    assert [b.text for b in row] == ["Nederlands", "Français", "English"]
    assert [b.callback_data for b in row] == [
        '/change_language{"language":"nl"}',
        '/change_language{"language":"fr"}',
        '/change_language{"language":"en"}',
    ]
    assert [chosen_language(b.callback_data) for b in row] == ["nl", "fr", "en"]
    assert chosen_language(language_payload("de")) is None
    assert chosen_language("/change_language{oops") is None
    assert chosen_language("/affirm") is None


def test_command_menu_exists_in_every_language() -> None:
    for language in LANGUAGES:
        commands = bot_commands(language)
        assert [c.command for c in commands] == MENU
        assert all(1 <= len(c.description) <= 256 for c in commands)
    assert bot_commands("fr")[4].description != bot_commands("nl")[4].description
    assert set(COMMAND_DESCRIPTIONS) == set(MENU)


def test_every_own_text_exists_in_nl_fr_en() -> None:
    for key, variants in TEXTS.items():
        assert set(variants) == set(LANGUAGES), key
        assert len({variants[lang] for lang in LANGUAGES}) == 3, key
