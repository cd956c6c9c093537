"""Fixtures of the dashboard suite.

- `client` / `other_client`: the real app in-process (Starlette's TestClient) on a fresh,
  migrated SQLite database, with an admin and a staff account (`accounts`).
- `dashboard` (tests/admin/test_browser.py): the app under uvicorn on a free port, against
  the `stack` fixture's Rasa and database, with a fake Telegram Bot API next to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from admin.app import create_app
from admin.passwords import hash_password
from admin.settings import AdminSettings
from leads.db import get_engine
from leads.funnel import reset_salt_cache
from leads.migrate import upgrade
from leads.staff import create_staff_user
from tools.stack import free_port

BOT_USERNAME = "passerelle_test_bot"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password: str
    role: str


@pytest.fixture
def dashboard_db(tmp_path, monkeypatch) -> Iterator[str]:
    """A migrated, empty SQLite lead store set as DATABASE_URL; nothing written to var/."""
    url = f"sqlite:///{tmp_path / 'passerelle.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PASSERELLE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PASSERELLE_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("PASSERELLE_SPOOL_FLUSHER", "off")
    monkeypatch.setenv("FUNNEL_SALT", "test-salt")
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("PASSERELLE_CONTENT", str(tmp_path / "no-content.yml"))
    reset_salt_cache()
    upgrade(url)
    yield url
    get_engine(url).dispose()


@pytest.fixture
def accounts(dashboard_db) -> dict[str, Account]:
    made = {}
    for role, email, password in (
        ("admin", "admin@passerelle.test", "admin-password-1"),
        ("staff", "staff@passerelle.test", "staff-password-1"),
        ("colleague", "colleague@passerelle.test", "colleague-pass-1"),
    ):
        staff = create_staff_user(
            email, hash_password(password), "admin" if role == "admin" else "staff"
        )
        made[role] = Account(staff.id, email, password, staff.role)
    return made


@pytest.fixture
def settings() -> AdminSettings:
    # Rasa on a port nobody listens on: pages must cope with Rasa being down.
    return AdminSettings(
        secret_key="test-secret-key-" + "x" * 32,
        rasa_urls=[f"http://127.0.0.1:{free_port()}"],
        rasa_token="test-token",
        bot_username=BOT_USERNAME,
        ip_max_failures=8,
    )


@pytest.fixture
def app(accounts, settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def other_client(app) -> Iterator[TestClient]:
    """A second browser: its own cookies."""
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, headers={"accept": "text/html"})
    match = CSRF_INPUT.search(page.text)
    assert match, f"no CSRF token in {path}: {page.status_code} {page.text[:300]}"
    return match.group(1)


def log_in(client: TestClient, account: Account) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_of(client)
    response = client.post(
        "/login", data={"email": account.email, "password": account.password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == "/leads"
    return csrf_of(client, "/leads")


@pytest.fixture
def admin_client(client, accounts) -> TestClient:
    client.csrf = log_in(client, accounts["admin"])  # type: ignore[attr-defined]
    return client


@pytest.fixture
def staff_client(other_client, accounts) -> TestClient:
    other_client.csrf = log_in(other_client, accounts["staff"])  # type: ignore[attr-defined]
    return other_client
