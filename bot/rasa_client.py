"""Talk to Rasa's REST channel: one shared connection pool, one Rasa instance per sender.

    client = RasaClient("http://127.0.0.1:5005")          # or a list / "url1,url2"
    replies = await client.send("tg-42", "hoi", {"language_code": "nl"})
    await client.close()

Used by the Telegram bot, the terminal chat and the dashboard's "try the bot" page.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from typing import Any

import aiohttp

from bot.settings import split_urls

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 100


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) could not answer this message right now."""


class RasaClient:
    """aiohttp, not httpx: one call costs a fraction of the CPU (BENCHMARKS.md "Load")."""

    def __init__(self, urls: list[str] | str, timeout: float = 10) -> None:
        self.urls = split_urls(urls)
        self.timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 3.0))
        self._session: aiohttp.ClientSession | None = None
        # Messages beyond the pool's connections wait here, in arrival order, and the wait
        # does not count against a call's timeout (inside aiohttp's pool it would).
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)

    def instances_for(self, sender_id: str) -> list[str]:
        """All instances, starting with this sender's own (a stable hash, not Python's)."""
        first = zlib.crc32(sender_id.encode()) % len(self.urls)
        return self.urls[first:] + self.urls[:first]

    async def send(self, sender_id: str, text: str, metadata: dict) -> list[dict]:
        body = {"sender": sender_id, "message": text, "metadata": metadata}
        last_error: Exception | None = None
        for url in self.instances_for(sender_id):
            try:
                async with (
                    self._slots,
                    self._http().post(f"{url}/webhooks/rest/webhook", json=body) as response,
                ):
                    return await _replies(response, url)
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
                # Nothing reached this instance, so the next one may take the message.
                log.warning("Rasa at %s unreachable: %s", url, error)
                last_error = error
                continue
            except (TimeoutError, aiohttp.ClientError) as error:
                raise RasaUnavailable(f"Rasa at {url}: {error!r}") from error
        raise RasaUnavailable(f"no Rasa instance reachable: {last_error!r}") from last_error

    async def is_available(self) -> bool:
        """True when at least one instance answers its root URL."""
        for url in self.urls:
            try:
                async with self._http().get(
                    f"{url}/", timeout=aiohttp.ClientTimeout(total=3)
                ) as response:
                    if response.status < 500:
                        return True
            except (TimeoutError, aiohttp.ClientError):
                continue
        return False

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        # created on first use: an aiohttp session belongs to the running event loop
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout, connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS)
            )
        return self._session

    async def __aenter__(self) -> RasaClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()


async def _replies(response: aiohttp.ClientResponse, url: str) -> list[dict]:
    if response.status >= 500:
        raise RasaUnavailable(f"Rasa at {url} answered {response.status}")
    response.raise_for_status()
    try:
        messages = await response.json(content_type=None)
    except ValueError as error:
        raise RasaUnavailable(f"Rasa at {url} sent something that is not JSON") from error
    if not isinstance(messages, list):
        raise RasaUnavailable(f"Rasa at {url} sent {type(messages).__name__}, not a list")
    return [message for message in messages if isinstance(message, dict)]
