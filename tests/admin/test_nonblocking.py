"""Nothing blocks the dashboard's event loop: with the leads database stalled, /health still
answers at once while a request that needs the database waits, and that request completes
when the database comes back.

The dashboard runs under a real uvicorn (one event loop, FastAPI's threadpool) against a
real PostgreSQL reached through tests/tcp_proxy.py, whose `on_forward` hook holds the
queries we choose, exactly like a database that stopped answering.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import uvicorn
from psycopg import sql

from admin.app import create_app
from admin.passwords import hash_password
from admin.settings import AdminSettings
from leads.campaigns import create_campaign
from leads.db import dispose_engines
from leads.migrate import upgrade
from leads.staff import create_staff_user
from tests.leads.helpers import PG_DATABASE, PG_HOST, PG_PORT, free_port, postgres_url
from tests.tcp_proxy import TcpProxy

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
EMAIL, PASSWORD = "stall@passerelle.test", "stall-password-1"
STALL_S = 10.0


@dataclass
class Stall:
    """Holds every query whose bytes `matches` accepts until `release()` (at most STALL_S)."""

    matches: Callable[[bytes], bool] = lambda data: False
    held: threading.Event = None  # type: ignore[assignment]
    released: threading.Event = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.held, self.released = threading.Event(), threading.Event()

    def __call__(self, data: bytes) -> None:
        if self.matches(data) and not self.released.is_set():
            self.held.set()
            self.released.wait(STALL_S)

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def postgresql_url(monkeypatch) -> Iterator[str]:
    """A fresh migrated schema in the `test` database (dropped afterwards)."""
    try:
        admin = psycopg.connect(
            host=PG_HOST,
            port=PG_PORT,
            dbname=PG_DATABASE,
            user="postgres",
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.OperationalError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    schema = f"admin_stall_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    for name, value in (("PASSERELLE_SPOOL_FLUSHER", "off"), ("FUNNEL_SALT", "test-salt")):
        monkeypatch.setenv(name, value)
    try:
        url = postgres_url(schema)
        upgrade(url)
        yield schema
    finally:
        dispose_engines()
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        admin.close()


@pytest.fixture
def stalled_dashboard(postgresql_url, monkeypatch, tmp_path) -> Iterator[tuple[str, Stall]]:
    """The dashboard under uvicorn, its database behind a proxy that can stall queries."""
    monkeypatch.setenv("DATABASE_URL", postgres_url(postgresql_url))
    create_staff_user(EMAIL, hash_password(PASSWORD), "admin")
    create_campaign("Poster Gent", "poster", "Gent")
    proxy = TcpProxy(free_port(), (PG_HOST, PG_PORT))
    stall = Stall()
    proxy.on_forward = stall
    proxy.start()
    monkeypatch.setenv("DATABASE_URL", postgres_url(postgresql_url, port=proxy.port))
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    settings = AdminSettings(
        secret_key="stall-secret-key-" + "x" * 32,
        rasa_urls=[f"http://127.0.0.1:{free_port()}"],
        bot_username="passerelle_test_bot",
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning", ws="none"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}", stall
    finally:
        stall.release()
        server.should_exit = True
        thread.join(10)
        proxy.stop()
        dispose_engines()


def logged_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=STALL_S + 5, follow_redirects=False)
    token = CSRF_INPUT.search(client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text[:300]
    return client


# Which queries stall: every one (the auth dependency's session check waits), or only the
# campaigns' (the session check passes, then an async route's own database work waits);
# and how many requests wait: one, or more than the threadpool has threads (40).
STALLS = {
    "session check": (lambda data: True, "/leads", 1),
    "async route body": (lambda data: b"FROM campaigns" in data, "/campaigns", 1),
    "every thread waiting": (lambda data: True, "/leads", 45),
}


@pytest.mark.parametrize("stalled", list(STALLS))
def test_health_answers_while_the_database_is_stalled(stalled_dashboard, stalled) -> None:
    base_url, stall = stalled_dashboard
    matches, waiting_path, waiting_requests = STALLS[stalled]
    client = logged_in(base_url)
    assert client.get(waiting_path).status_code == 200  # pool warm, page works

    stall.matches = matches
    statuses: list[int] = []

    def wait_on_the_database() -> None:
        response = httpx.get(
            base_url + waiting_path,
            cookies=client.cookies,
            headers={"accept": "text/html"},
            timeout=STALL_S + 30,
        )
        statuses.append(response.status_code)

    waiting = [
        threading.Thread(target=wait_on_the_database, daemon=True) for _ in range(waiting_requests)
    ]
    for thread in waiting:
        thread.start()
    assert stall.held.wait(5), "no request reached the database"
    time.sleep(0.3)  # let the others queue up behind it

    started = time.monotonic()
    health = httpx.get(f"{base_url}/health", timeout=5)
    health_seconds = time.monotonic() - started
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert health_seconds < 1.0, f"/health took {health_seconds:.2f} s during the stall"
    assert all(thread.is_alive() for thread in waiting), "a request did not wait on the database"

    stall.release()
    for thread in waiting:
        thread.join(STALL_S + 30)
    assert statuses == [200] * waiting_requests
