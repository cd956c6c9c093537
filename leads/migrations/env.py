"""Alembic environment: runs on the connection handed over by `leads.migrate`."""

from __future__ import annotations

from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, text

from leads.db import get_engine
from leads.models import UTCDateTime
from leads.schema import metadata

config = context.config
target_metadata = metadata


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations stay plain SQLAlchemy: our UTC decorator is a timestamptz underneath.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes migrating at once (e.g. two `make run`) wait for each other.
            connection.execute(text("SELECT pg_advisory_xact_lock(74105)"))
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        context.configure(url=config.attributes["url"], target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    with get_engine(config.attributes["url"]).begin() as connection:
        run_migrations(connection)


main()
