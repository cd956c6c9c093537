"""The dashboard's configuration, read once from the environment."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.settings import TELEGRAM_API, split_urls

log = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The dashboard cannot start safely with this configuration."""


@dataclass(frozen=True)
class AdminSettings:
    secret_key: str
    dashboard_url: str = "http://127.0.0.1:8000"
    rasa_urls: list[str] = field(default_factory=lambda: ["http://127.0.0.1:5005"])
    rasa_token: str | None = None
    telegram_token: str | None = None
    telegram_api_base_url: str = TELEGRAM_API
    bot_username: str | None = None
    # Idle limit: the cookie is renewed by every request and lapses after this long unused.
    session_hours: float = 12.0
    # Absolute limit from the login: renewal never extends it; then log in again.
    session_absolute_hours: float = 12.0
    # Per account: the 5th failure locks it for 15 minutes (bookkept in the database).
    max_login_failures: int = 5
    lock_minutes: float = 15.0
    # Per client address, in this process: 20 failures within 15 minutes block it for 15.
    ip_max_failures: int = 20
    ip_window_minutes: float = 15.0

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry the Secure flag whenever the dashboard is served over https."""
        return urlsplit(self.dashboard_url).scheme == "https"

    @property
    def rasa_url(self) -> str:
        """The Rasa instance whose HTTP API holds the trackers (the first of the list)."""
        return self.rasa_urls[0]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> AdminSettings:
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        dashboard_url = (get("DASHBOARD_URL") or cls.dashboard_url).rstrip("/")
        return cls(
            secret_key=_secret_key(get("ADMIN_SECRET_KEY"), dashboard_url, get("PASSERELLE_ENV")),
            dashboard_url=dashboard_url,
            rasa_urls=split_urls(get("RASA_URL") or "http://127.0.0.1:5005"),
            rasa_token=get("RASA_AUTH_TOKEN"),
            telegram_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_base_url=get("TELEGRAM_API_BASE_URL") or TELEGRAM_API,
            bot_username=(get("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
            session_hours=float(get("ADMIN_SESSION_HOURS") or cls.session_hours),
            session_absolute_hours=float(
                get("ADMIN_SESSION_ABSOLUTE_HOURS") or cls.session_absolute_hours
            ),
        )


def is_production(dashboard_url: str, environment: str | None) -> bool:
    """Served over https, or declared as production: then a real secret key is required."""
    declared = (environment or "").lower()
    return declared in ("production", "prod") or urlsplit(dashboard_url).scheme == "https"


def _secret_key(configured: str | None, dashboard_url: str, environment: str | None) -> str:
    if configured:
        if len(configured) < MIN_SECRET_LENGTH and is_production(dashboard_url, environment):
            raise ConfigurationError(
                f"ADMIN_SECRET_KEY is too short ({len(configured)} characters): use at least "
                f"{MIN_SECRET_LENGTH} random characters (make run generates one)."
            )
        return configured
    if is_production(dashboard_url, environment):
        raise ConfigurationError(
            "ADMIN_SECRET_KEY is not set. The dashboard signs its session cookies with it and "
            "refuses to run in production without one: set a long random value in the "
            "environment (e.g. `head -c 32 /dev/urandom | base64`)."
        )
    log.warning(
        "ADMIN_SECRET_KEY is not set: using a throwaway key, so every restart logs everyone "
        "out. `make run` generates a lasting one into var/secrets.env."
    )
    return secrets.token_urlsafe(32)
