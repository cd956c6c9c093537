"""Button payload ↔ Telegram callback data (at most 64 bytes), and which data the bot sent.

Short payloads travel as they are. Longer ones get a short key kept in a per-process table;
after a restart the key is gone and the bot sends the button's title instead (the title is
still on the keyboard the person pressed), which Rasa understands as typed text.

Callback data comes from the person's app, so a modified client can send anything (say
'/inform{"age":"18"}'). Only data the bot sent is accepted: data this process handed out, or
data on the keyboard of the bot's own message the person pressed (Telegram, not the client,
fills in that message, so it also covers buttons sent before a restart).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

CALLBACK_DATA_LIMIT = 64
KEY_PREFIX = "#p:"
USED = "#used"


class ButtonPayloads:
    def __init__(self, max_entries: int = 20_000) -> None:
        self._table: OrderedDict[str, str] = OrderedDict()
        self._max = max_entries

    def encode(self, payload: str) -> str:
        data = payload
        if len(payload.encode()) > CALLBACK_DATA_LIMIT or payload.startswith("#"):
            data = KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:20]
        self._table[data] = payload
        self._table.move_to_end(data)
        while len(self._table) > self._max:
            self._table.popitem(last=False)
        return data

    def decode(self, data: str) -> str | None:
        """The payload behind callback data this process sent; None when it is unknown."""
        return self._table.get(data)

    def accept(self, data: str, on_keyboard: bool) -> str | None:
        """The payload to hand to Rasa for pressed callback data, or None when the bot cannot
        vouch for it. `on_keyboard`: the data is on the keyboard of the message that was
        pressed, which Telegram fills in from the bot's own message (a client cannot forge it):
        data sent to someone else's chat, or never shown in this one, is refused."""
        if data == USED or not on_keyboard:
            return None
        payload = self.decode(data)
        if payload is None and not data.startswith("#"):
            payload = data  # a short payload sent before a restart
        return payload
