"""Campaign deep links: `https://t.me/<bot username>?start=<code>` (PRODUCT.md §2).

The bot's username comes from TELEGRAM_BOT_USERNAME, else from Telegram itself (getMe with
TELEGRAM_BOT_TOKEN, asked once and remembered). Without either, links show a placeholder and
the campaigns page says how to fix it.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from admin.settings import AdminSettings

log = logging.getLogger(__name__)

PLACEHOLDER = "YOUR_BOT"


class BotNames:
    def __init__(self, settings: AdminSettings) -> None:
        self.settings = settings
        self._username: str | None = settings.bot_username

    async def username(self) -> str | None:
        if self._username is None and self.settings.telegram_token:
            self._username = await _ask_telegram(self.settings)
        return self._username


def deep_link(username: str | None, code: str) -> str:
    return f"https://t.me/{username or PLACEHOLDER}?start={code}"


async def _ask_telegram(settings: AdminSettings) -> str | None:
    assert settings.telegram_token
    try:
        async with Bot(settings.telegram_token, base_url=settings.telegram_api_base_url) as bot:
            return bot.username
    except TelegramError as error:
        log.warning("could not ask Telegram for the bot's username: %s", error)
        return None
