"""Tell the admissions team's Telegram chat about a new qualified lead or a handoff request.

The action server cannot reach Telegram, so it adds a custom payload to Rasa's reply:
    {"passerelle": "notify_staff", "kind": "qualified" | "handoff", "lead_id": 12}
and the bot posts a short line with a dashboard link (never the candidate's answers).
"""

from __future__ import annotations

import logging

from telegram import Bot, LinkPreviewOptions
from telegram.error import TelegramError

from bot.texts import STAFF_TEXTS

log = logging.getLogger(__name__)


class StaffNotifier:
    def __init__(self, bot: Bot, chat_id: int | str, dashboard_url: str) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.dashboard_url = dashboard_url.rstrip("/")

    def message_for(self, directive: dict) -> str | None:
        kind, lead_id = directive.get("kind"), str(directive.get("lead_id", ""))
        if kind not in STAFF_TEXTS or not lead_id.isdigit():
            return None
        url = f"{self.dashboard_url}/leads/{lead_id}"
        return STAFF_TEXTS[kind].format(lead_id=lead_id, url=url)

    async def notify(self, directive: dict) -> bool:
        message = self.message_for(directive)
        if message is None:
            log.warning("staff notification with unexpected content: %r", directive)
            return False
        try:
            await self.bot.send_message(
                self.chat_id, message, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        except TelegramError as error:
            log.error("could not notify the staff chat: %s", error)
            return False
        return True
