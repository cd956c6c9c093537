"""Helpers of the lead store suite (imported by conftest and tests, never by app code)."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any
from urllib.parse import quote

from sqlalchemy import text

from leads.db import get_engine
from leads.models import Base
from leads.repository import LeadInput

PG_HOST, PG_PORT, PG_DATABASE = "127.0.0.1", 5432, "test"


def postgres_url(schema: str, port: int = PG_PORT) -> str:
    options = quote(f"-csearch_path={schema}")
    return f"postgresql+psycopg://postgres@{PG_HOST}:{port}/{PG_DATABASE}?options={options}"


def empty_tables(url: str) -> None:
    engine = get_engine(url)
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


def lead_input(sender_id: str = "tg-1001", **overrides: Any) -> LeadInput:
    """A qualified lead as the dialogue would hand it over."""
    values: dict[str, Any] = {
        "sender_id": sender_id,
        "telegram_user_id": 1001,
        "first_name": "Amina",
        "age": 22,
        "campus": "brussels",
        "situation": "job_seeker",
        "registered": "yes",
        "experience": "none",
        "motivation": "I want a real job and I love solving puzzles with computers",
        "commitment": "yes",
        "contact_kind": "email",
        "contact": "amina@example.org",
        "consent": True,
        "score": 80,
        "score_breakdown": {
            "commitment": 35,
            "motivation": 15,
            "situation": 15,
            "check": 10,
            "campus": 5,
        },
        "qualified": True,
        "status": "new",
        "language": "fr",
        "campaign": "brussel-lan-7f3k",
    }
    values.update(overrides)
    return LeadInput(**values)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """A loopback TCP forwarder we can stop (the database "goes down") and start again.

    Stopping closes the listening socket and every forwarded connection, so clients see
    exactly what a crashed or unreachable database server looks like.
    """

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.1)
        self._listener = listener
        self._stopped = threading.Event()
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepting.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._accepting is not None:
            self._accepting.join(5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _close(sock)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopped.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
