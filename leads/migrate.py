"""Alembic, configured in code: `upgrade()` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from leads.db import database_url, get_engine, normalize_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for `url` without any alembic.ini file.

    The URL travels in `attributes`, not in the ini options, because ConfigParser would
    choke on the %-escapes of URLs like `...?options=-csearch_path%3Dx`.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = normalize_url(url or database_url())
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply every pending migration (idempotent: nothing to do → nothing happens)."""
    config = alembic_config(url)
    with get_engine(config.attributes["url"]).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
