"""The Alembic migrations are the schema: they match the models on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from leads.db import get_engine
from leads.migrate import current_revision, upgrade
from leads.models import Base


def test_migrations_match_the_models(db_url):
    with get_engine(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrate_is_idempotent_and_at_head(db_url):
    before = current_revision(db_url)
    upgrade(db_url)
    upgrade(db_url)
    assert before is not None
    assert current_revision(db_url) == before
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
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
