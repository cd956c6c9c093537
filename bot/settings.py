"""The bot's configuration, read once at start from the environment (the variables, their
types and the shared defaults: passerelle_settings; the bot's own tuning defaults: here)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from passerelle_settings import Environment, environment
from passerelle_settings.environment import TELEGRAM_API


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None = None
    api_base_url: str = TELEGRAM_API
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    rasa_urls: list[str] = field(default_factory=lambda: ["http://127.0.0.1:5005"])
    # Hard limit for one Rasa call; the person hears about a slow answer much earlier.
    rasa_timeout: float = 60.0
    slow_notice_after: float = 8.0
    action_server_url: str | None = None
    staff_chat_id: int | str | None = None
    dashboard_url: str = "http://127.0.0.1:8000"
    max_input_chars: int = 1500
    # A quick thumb taps through the check's buttons at ~1 message/s; a flood is far faster.
    flood_burst: int = 20
    flood_per_minute: float = 60.0
    reply_interval: float = 1.0
    # "typing…" only for an answer slower than a person notices: every hint is a Telegram call
    typing_delay: float = 1.0
    max_send_rate: float = 30.0
    poll_timeout: int = 30
    retry_max_delay: float = 10.0
    # The outbox (bot.outbox): a pass every `outbox_interval` s (0: this process sends none),
    # at most `outbox_rate` messages/s, leaving room for live replies under Telegram's 30.
    outbox_interval: float = 1.0
    outbox_rate: float = 25.0
    crm_webhook_secret: str | None = None

    @property
    def api_base_file_url(self) -> str:
        base = self.api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file"

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path.strip("/")

    def secret_token(self) -> str:
        """Checked on every webhook call; derived from the bot token unless set explicitly."""
        if self.webhook_secret:
            return self.webhook_secret
        seed = f"passerelle-webhook:{self.telegram_token or ''}".encode()
        return hashlib.sha256(seed).hexdigest()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """From the process environment, or from `env` alone."""
        given = environment() if env is None else Environment.from_mapping(env)
        tuning: dict[str, Any] = {
            "webhook_listen": given.telegram_webhook_listen,
            "webhook_port": given.telegram_webhook_port,
            "rasa_timeout": given.rasa_timeout,
            "max_input_chars": given.bot_max_input_chars,
            "flood_burst": given.bot_flood_burst,
            "flood_per_minute": given.bot_flood_per_minute,
            "reply_interval": given.bot_reply_interval,
            "max_send_rate": given.telegram_max_send_rate,
            "outbox_interval": given.bot_outbox_interval,
            "outbox_rate": given.bot_outbox_rate,
        }
        return cls(
            telegram_token=given.telegram_bot_token,
            api_base_url=given.telegram_api_base_url,
            webhook_url=given.telegram_webhook_url,
            webhook_secret=given.telegram_webhook_secret,
            rasa_urls=split_urls(given.rasa_url),
            action_server_url=given.action_server_url,
            staff_chat_id=_chat_id(given.staff_chat_id) if given.staff_chat_id else None,
            dashboard_url=given.dashboard_url.rstrip("/"),
            **{name: value for name, value in tuning.items() if value is not None},
            crm_webhook_secret=given.crm_webhook_secret,
        )


def split_urls(value: str | list[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    urls = [item.strip().rstrip("/") for item in items if item.strip()]
    if not urls:
        raise ValueError("no Rasa URL given")
    return urls


def _chat_id(value: str) -> int | str:
    """Numeric ids stay numbers (groups are negative); '@channelname' stays a string."""
    try:
        return int(value)
    except ValueError:
        return value
