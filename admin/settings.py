"""The dashboard's configuration, read once at start from the environment (the variables:
passerelle_settings)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.settings import split_urls
from passerelle_settings import Environment, environment
from passerelle_settings.environment import TELEGRAM_API

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
    def from_env(cls, env: Mapping[str, str] | None = None) -> AdminSettings:
        """From the process environment, or from `env` alone."""
        given = environment() if env is None else Environment.from_mapping(env)
        dashboard_url = given.dashboard_url.rstrip("/")
        return cls(
            secret_key=_secret_key(given.admin_secret_key, dashboard_url, given.passerelle_env),
            dashboard_url=dashboard_url,
            rasa_urls=split_urls(given.rasa_url),
            rasa_token=given.rasa_auth_token,
            telegram_token=given.telegram_bot_token,
            telegram_api_base_url=given.telegram_api_base_url,
            bot_username=(given.telegram_bot_username or "").lstrip("@") or None,
            session_hours=given.admin_session_hours or cls.session_hours,
            session_absolute_hours=(
                given.admin_session_absolute_hours or cls.session_absolute_hours
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
