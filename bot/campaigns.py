"""Is a deep-link code one of our campaigns? Asked of leads/, cached briefly.

A tournament brings dozens of /start with the same code within a minute: one lookup serves
them all. The lookup is synchronous (SQLAlchemy), so it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Lookup = Callable[[str], bool]


class CampaignDirectory:
    def __init__(self, lookup: Lookup | None = None, ttl: float = 60.0) -> None:
        self._lookup = lookup or campaign_exists_in_leads
        self._ttl = ttl
        self._cache: dict[str, tuple[float, bool]] = {}

    async def is_known(self, code: str) -> bool | None:
        """True/False, or None when the campaign list cannot be read right now."""
        now = time.monotonic()
        cached = self._cache.get(code)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            known = bool(await asyncio.to_thread(self._lookup, code))
        except Exception as error:
            log.warning("campaign lookup for %r failed: %s", code, error)
            return None
        if len(self._cache) > 5000:
            self._cache.clear()
        self._cache[code] = (now, known)
        return known


def campaign_exists_in_leads(code: str) -> bool:
    from leads.campaigns import get_campaign_by_code

    return get_campaign_by_code(code) is not None
