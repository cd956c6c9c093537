"""Throwaway databases on the local PostgreSQL server, for the tests and the bench.

create_databases("passerelle_x")   # psycopg.OperationalError when the server is unreachable
...
drop_databases("passerelle_x")     # even with connections still open to it
"""

from __future__ import annotations

import psycopg
from psycopg import sql

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def create_databases(*names: str) -> None:
    with _admin() as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_databases(*names: str) -> None:
    with _admin() as admin:
        for name in names:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _admin() -> psycopg.Connection:
    return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
