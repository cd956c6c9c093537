"""Remember recently handled update ids so a re-delivered update is handled once."""

from __future__ import annotations

from collections import OrderedDict


class RecentUpdates:
    def __init__(self, size: int = 20_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        """True the first time an id is seen, False for every repeat (no await: race-free)."""
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True
