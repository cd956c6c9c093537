"""Engines and sessions. One cached engine per database URL, never one per call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from leads.log_privacy import quiet_libraries
from leads.paths import var_dir
from passerelle_settings import environment

SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_S = 5

_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()


def database_url() -> str:
    """env DATABASE_URL, else a SQLite file `<repo>/var/passerelle.db`."""
    configured = environment().database_url
    if configured:
        return configured
    return f"sqlite:///{var_dir() / 'passerelle.db'}"


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs (psycopg2 is not installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: `database_url()`), created once per URL."""
    url = normalize_url(url or database_url())
    engine = _engines.get(url)
    if engine is not None:
        return engine
    with _lock:
        if url not in _engines:
            _engines[url] = _create_engine(url)
        return _engines[url]


def get_sessionmaker(url: str | None = None) -> sessionmaker[Session]:
    engine = get_engine(url)
    key = str(engine.url)
    maker = _sessionmakers.get(key)
    if maker is None:
        maker = sessionmaker(bind=engine, expire_on_commit=False)
        _sessionmakers[key] = maker
    return maker


@contextmanager
def session_scope(url: str | None = None, *, write: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    `write=True` takes SQLite's write lock at BEGIN (BEGIN IMMEDIATE): a transaction that
    reads and then writes would otherwise fail at once with "database is locked" when
    another process wrote in between, instead of waiting for the busy timeout.
    """
    session = get_sessionmaker(url)()
    try:
        if write and session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={"passerelle_begin_immediate": True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_outage(error: BaseException) -> bool:
    """True when `error` means the database cannot be reached (or is locked), not bad data."""
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return True
    return isinstance(error, exc.DBAPIError) and bool(error.connection_invalidated)


def dispose_engines() -> None:
    """Close every pooled connection (tests, forks, shutdown)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()


def _create_engine(url: str) -> Engine:
    quiet_libraries()  # SQLAlchemy's INFO/DEBUG lines print statements and rows
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    connect_args = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    # hide_parameters: an error never prints the bound values (names, phones, motivations)
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)


def _create_sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    in_memory = not database or database == ":memory:"
    if database and not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: object) -> None:
        # We emit BEGIN ourselves (below): pysqlite's implicit transactions are unreliable.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("passerelle_begin_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE/DELETE run through `Session.execute` touched (its result is a
    CursorResult at run time; the Session API types it as the generic Result)."""
    return cast(CursorResult[Any], result).rowcount or 0
