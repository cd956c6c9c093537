"""Button payload ↔ Telegram callback data (at most 64 bytes).

Short payloads travel as they are. Longer ones get a short key kept in a per-process table;
after a restart the key is gone and the bot sends the button's title instead (the title is
still on the keyboard the person pressed), which Rasa understands as typed text.
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
        if len(payload.encode()) <= CALLBACK_DATA_LIMIT and not payload.startswith("#"):
            return payload
        key = KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:20]
        self._table[key] = payload
        self._table.move_to_end(key)
        while len(self._table) > self._max:
            self._table.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        """The payload behind callback data; None when it is unknown (or the 'used' mark)."""
        if data == USED:
            return None
        if data.startswith(KEY_PREFIX):
            return self._table.get(data)
        return data
