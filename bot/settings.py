"""The bot's configuration, read once from the environment (and a .env file when present)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

TELEGRAM_API = "https://api.telegram.org/bot"


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
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        defaults = cls()
        staff = get("STAFF_CHAT_ID")
        return cls(
            telegram_token=get("TELEGRAM_BOT_TOKEN"),
            api_base_url=get("TELEGRAM_API_BASE_URL") or TELEGRAM_API,
            webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            webhook_listen=get("TELEGRAM_WEBHOOK_LISTEN") or defaults.webhook_listen,
            webhook_port=int(get("TELEGRAM_WEBHOOK_PORT") or defaults.webhook_port),
            rasa_urls=split_urls(get("RASA_URL") or "http://127.0.0.1:5005"),
            rasa_timeout=float(get("RASA_TIMEOUT") or defaults.rasa_timeout),
            action_server_url=get("ACTION_SERVER_URL"),
            staff_chat_id=_chat_id(staff) if staff else None,
            dashboard_url=(get("DASHBOARD_URL") or defaults.dashboard_url).rstrip("/"),
            max_input_chars=int(get("BOT_MAX_INPUT_CHARS") or defaults.max_input_chars),
            flood_burst=int(get("BOT_FLOOD_BURST") or defaults.flood_burst),
            flood_per_minute=float(get("BOT_FLOOD_PER_MINUTE") or defaults.flood_per_minute),
            reply_interval=float(get("BOT_REPLY_INTERVAL") or defaults.reply_interval),
            max_send_rate=float(get("TELEGRAM_MAX_SEND_RATE") or defaults.max_send_rate),
            outbox_interval=float(get("BOT_OUTBOX_INTERVAL") or defaults.outbox_interval),
            outbox_rate=float(get("BOT_OUTBOX_RATE") or defaults.outbox_rate),
            crm_webhook_secret=get("CRM_WEBHOOK_SECRET"),
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


def load_dotenv(path: Path = Path(".env")) -> None:
    """Read KEY=value lines into os.environ without overriding what is already set."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.removeprefix("export ").strip()
        os.environ.setdefault(key, value.strip().strip("'\""))
