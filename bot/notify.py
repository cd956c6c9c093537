"""Tell the admissions team's Telegram chat about a new qualified lead or a handoff request.

The action server cannot reach Telegram, so it adds a custom payload to Rasa's reply:
    {"passerelle": "notify_staff", "kind": "qualified" | "handoff", "lead_id": 12}
and the bot queues a short line with a dashboard link (never the candidate's answers) in
the outbox, which sends it (bot.outbox). One notice per kind and lead, ever.
"""

from __future__ import annotations

import asyncio
import logging

from bot.texts import STAFF_TEXTS
from leads import outbox

log = logging.getLogger(__name__)


class StaffNotifier:
    def __init__(self, chat_id: int | str, dashboard_url: str) -> None:
        self.chat_id = chat_id
        self.dashboard_url = dashboard_url.rstrip("/")

    def message_for(self, directive: dict) -> str | None:
        kind, lead_id = directive.get("kind"), str(directive.get("lead_id", ""))
        if kind not in STAFF_TEXTS or not lead_id.isdigit():
            return None
        url = f"{self.dashboard_url}/leads/{lead_id}"
        return STAFF_TEXTS[kind].format(lead_id=lead_id, url=url)

    async def notify(self, directive: dict) -> bool:
        """Queue the notice; False when the directive is malformed or the queue unreachable."""
        message = self.message_for(directive)
        if message is None:
            log.warning("staff notification with unexpected content: %r", directive)
            return False
        key = f"{directive['kind']}:{directive['lead_id']}"
        try:
            await asyncio.to_thread(
                outbox.enqueue,
                "staff_notice",
                self.chat_id,
                key,
                {"text": message, "label": str(directive["kind"])},
            )
        except Exception:
            log.exception("could not queue a staff notice for lead %s", directive["lead_id"])
            return False
        return True
