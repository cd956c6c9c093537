"""The Alembic migrations are the schema: they match the models on both databases."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from leads.db import dispose_engines, get_engine
from leads.migrate import alembic_config, current_revision, upgrade
from leads.schema import metadata
from tests.leads.helpers import postgres_url


def test_migrations_match_the_models(db_url):
    with get_engine(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_migrate_is_idempotent_and_at_head(db_url):
    before = current_revision(db_url)
    upgrade(db_url)
    upgrade(db_url)
    assert before is not None
    assert current_revision(db_url) == before
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_postgres_tables_live_in_the_test_schema(postgresql_database, postgresql_schema):
    with get_engine(postgresql_database).connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
    assert schema == postgresql_schema
    assert "leads" in inspect(get_engine(postgresql_database)).get_table_names(schema=schema)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_database):
    with get_engine(sqlite_database).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_engine_is_cached_per_url(sqlite_database):
    assert get_engine(sqlite_database) is get_engine(sqlite_database)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path) -> Iterator[str]:
    """An empty database of each kind, not yet migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    request.getfixturevalue("postgresql_schema")  # skips (or fails under CI) without PostgreSQL
    schema = f"fresh_{secrets.token_hex(4)}"
    with get_engine(postgres_url("public")).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_url(schema)
    finally:
        dispose_engines()
        with get_engine(postgres_url("public")).begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_0002_keeps_staff_and_tokens_and_their_powers(fresh_url):
    upgrade(fresh_url, "0001")
    with get_engine(fresh_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO staff_users (email, password_hash, role, active, failed_logins,"
                " created_at) VALUES ('a@example.org', 'h', 'admin', true, 0, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO api_tokens (staff_user_id, name, token_hash, created_at)"
                " VALUES (1, 'crm', 'x', CURRENT_TIMESTAMP)"
            )
        )
    upgrade(fresh_url, "0002")
    assert current_revision(fresh_url) == "0002"
    with get_engine(fresh_url).begin() as connection:
        generation = connection.execute(text("SELECT session_generation FROM staff_users"))
        assert generation.scalar() == 0
        token = connection.execute(text("SELECT scope, expires_at FROM api_tokens")).one()
        assert tuple(token) == ("read_write", None)
    with pytest.raises(IntegrityError), get_engine(fresh_url).begin() as connection:
        connection.execute(text("UPDATE api_tokens SET scope = 'admin'"))
    # And back: 0002 downgrades cleanly, keeping the rows.
    config = alembic_config(fresh_url)
    with get_engine(fresh_url).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert current_revision(fresh_url) == "0001"
    columns = {c["name"] for c in inspect(get_engine(fresh_url)).get_columns("api_tokens")}
    assert "scope" not in columns
    with get_engine(fresh_url).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
