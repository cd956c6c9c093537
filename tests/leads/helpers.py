"""Helpers of the lead store suite (imported by conftest and tests, never by app code)."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import quote

from sqlalchemy import text

from leads.db import get_engine
from leads.rows import LeadInput
from leads.schema import metadata
from tests.tcp_proxy import TcpProxy  # noqa: F401 - where tests/leads import it from

PG_HOST, PG_PORT, PG_DATABASE = "127.0.0.1", 5432, "test"


def postgres_url(schema: str, port: int = PG_PORT) -> str:
    options = quote(f"-csearch_path={schema}")
    return f"postgresql+psycopg://postgres@{PG_HOST}:{port}/{PG_DATABASE}?options={options}"


def empty_tables(url: str) -> None:
    engine = get_engine(url)
    tables = [table.name for table in reversed(metadata.sorted_tables)]
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
