"""Telegram commands → Rasa payloads, deep-link campaigns, and the command menu per language."""

from __future__ import annotations

import json
import re

from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import COMMAND_DESCRIPTIONS, LANGUAGE_NAMES
from passerelle_settings import DEFAULT_LANGUAGE, LANGUAGES

# /language is answered by the bot itself (three buttons); the others go to Rasa.
COMMAND_PAYLOADS = {
    "start": "/greet",
    "help": "/help",
    "privacy": "/privacy",
    "forget": "/forget_me",
    "stop": "/stop",
    "unsubscribe": "/stop_messages",
}
MENU = ["start", "help", "language", "privacy", "forget", "stop", "unsubscribe"]

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NOT_CODE = re.compile(r"[^A-Za-z0-9_-]")
_CHANGE_LANGUAGE = re.compile(r"^/change_language(\{.*\})$")


def language_payload(language: str) -> str:
    return "/change_language" + json.dumps({"language": language}, separators=(",", ":"))


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=language_payload(code))
                for code in LANGUAGES
            ]
        ]
    )


def chosen_language(payload: str) -> str | None:
    """The language a /change_language payload asks for, if it is one of ours."""
    match = _CHANGE_LANGUAGE.match(payload)
    if not match:
        return None
    try:
        language = json.loads(match.group(1)).get("language")
    except (ValueError, AttributeError):
        return None
    return language if language in LANGUAGES else None


def start_code(args: list[str]) -> str | None:
    """The deep-link code of `/start <code>` if it is well formed (1–64 of A-Za-z0-9_-)."""
    raw = " ".join(args).strip()
    return raw if _CODE.match(raw) else None


def campaign_from_start(args: list[str], known: bool | None = None) -> str | None:
    """The campaign to attribute: the code itself, or "unknown: <code>" (sanitised).

    `known` says whether the code is one of our campaigns; None means the campaign list
    could not be read, and then a well-formed code is kept rather than lost.
    """
    raw = " ".join(args).strip()
    if not raw:
        return None
    code = start_code(args)
    if code is None:
        return f"unknown: {_NOT_CODE.sub('', raw)[:64] or '?'}"
    return f"unknown: {code}" if known is False else code


def bot_commands(language: str) -> list[BotCommand]:
    return [BotCommand(name, COMMAND_DESCRIPTIONS[name][language]) for name in MENU]


async def register_commands(bot: Bot) -> None:
    """The command menu in each language, plus the default (for every other language)."""
    await bot.set_my_commands(bot_commands(DEFAULT_LANGUAGE))
    for language in LANGUAGES:
        await bot.set_my_commands(bot_commands(language), language_code=language)
