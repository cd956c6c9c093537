"""Fixtures of the lead store suite: every lead store test runs on SQLite and PostgreSQL.

Both databases are migrated once per session with Alembic (never `create_all`): SQLite in
a temp file, PostgreSQL in a fresh schema of the `test` database, dropped afterwards.
Each test starts from empty tables. Under CI=true an unreachable PostgreSQL fails the
run instead of skipping it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from leads import spool
from leads.db import dispose_engines, get_engine
from leads.funnel import reset_salt_cache
from leads.migrate import upgrade
from tests.leads.helpers import PG_DATABASE, PG_HOST, PG_PORT, empty_tables, postgres_url


@pytest.fixture(autouse=True)
def isolated_files(tmp_path, monkeypatch) -> Iterator[None]:
    """No test writes to the repository's var/: spool, salt and databases go to tmp."""
    monkeypatch.setenv("PASSERELLE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PASSERELLE_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("PASSERELLE_SPOOL_FLUSHER", "off")
    monkeypatch.setenv("FUNNEL_SALT", "test-salt")
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("PASSERELLE_CONTENT", str(tmp_path / "no-content.yml"))
    reset_salt_cache()
    yield
    spool.stop_background_flusher()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('leads-db') / 'leads.db'}"
    upgrade(url)
    yield url
    get_engine(url).dispose()


@pytest.fixture(scope="session")
def postgresql_schema() -> Iterator[str]:
    """A fresh schema in the `test` database; yields its name."""
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
        message = f"PostgreSQL at {PG_HOST}:{PG_PORT}/{PG_DATABASE} unreachable: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"leads_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield schema
    finally:
        dispose_engines()
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        admin.close()


@pytest.fixture(scope="session")
def postgresql_database(postgresql_schema) -> str:
    url = postgres_url(postgresql_schema)
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, monkeypatch) -> str:
    """A migrated, empty database of each kind, set as DATABASE_URL."""
    url = request.getfixturevalue(f"{request.param}_database")
    empty_tables(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return url
