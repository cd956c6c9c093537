"""Which language the bot's own texts use for a chat.

The last language Rasa answered in (guessed from its reply text, only when needed), else an
explicit choice made while Rasa was away, else the person's Telegram language, else nl.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from passerelle_settings import DEFAULT_LANGUAGE, LANGUAGES


@dataclass
class _ChatLanguage:
    reply_text: str = ""
    reply_language: str | None = None
    telegram: str | None = None


class ChatLanguages:
    """A small LRU: chat id → what we know about its language."""

    def __init__(self, max_chats: int = 50_000) -> None:
        self._chats: OrderedDict[int | str, _ChatLanguage] = OrderedDict()
        self._max = max_chats

    def _entry(self, chat_id: int | str) -> _ChatLanguage:
        entry = self._chats.get(chat_id)
        if entry is None:
            entry = self._chats[chat_id] = _ChatLanguage()
            if len(self._chats) > self._max:
                self._chats.popitem(last=False)
        self._chats.move_to_end(chat_id)
        return entry

    def saw_telegram_code(self, chat_id: int | str, language_code: str | None) -> None:
        language = telegram_language(language_code)
        if language:
            self._entry(chat_id).telegram = language

    def saw_reply(self, chat_id: int | str, texts: list[str]) -> None:
        sample = " ".join(texts)[:600]
        if sample.strip():
            entry = self._entry(chat_id)
            entry.reply_text, entry.reply_language = sample, None

    def chose(self, chat_id: int | str, language: str) -> None:
        if language in LANGUAGES:
            entry = self._entry(chat_id)
            entry.reply_text, entry.reply_language = "", language

    def language_for(self, chat_id: int | str, language_code: str | None = None) -> str:
        entry = self._chats.get(chat_id)
        if entry is not None:
            if entry.reply_text and entry.reply_language is None:
                entry.reply_language = detect_language(entry.reply_text)
            if entry.reply_language:
                return entry.reply_language
            if entry.telegram:
                return entry.telegram
        return telegram_language(language_code) or DEFAULT_LANGUAGE

    def forget(self, chat_id: int | str) -> None:
        self._chats.pop(chat_id, None)


def telegram_language(language_code: str | None) -> str | None:
    """'nl-BE' → 'nl'; anything not ours → None."""
    base = (language_code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def detect_language(text: str) -> str | None:
    """Best of nl/fr/en for a bot reply (full sentences, so this is reliable)."""
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _detector_factory().create()
        detector.append(text)
        return detector.detect()
    except LangDetectException:
        return None


@lru_cache(maxsize=1)
def _detector_factory():  # noqa: ANN202 - langdetect has no type hints
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    profiles = [(Path(PROFILES_DIRECTORY) / code).read_text(encoding="utf-8") for code in LANGUAGES]
    factory.load_json_profile(profiles)
    factory.set_seed(0)
    return factory
