"""The bench's dealings with the lead store: campaigns for the deep links, leads found."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import select

BENCH_CAMPAIGNS = 4


def create_campaigns(database_url: str) -> list[str]:
    """A few poster campaigns, so the deep links are known ones (as on real posters)."""
    os.environ["DATABASE_URL"] = database_url  # the lead store reads its URL from here
    from leads.campaigns import create_campaign

    codes = []
    for number in range(BENCH_CAMPAIGNS):
        code = f"bench-{number}-{secrets.token_hex(3)}"
        create_campaign(f"Bench poster {number}", "poster", "Brussel", code=code)
        codes.append(code)
    return codes


def qualified_leads(database_url: str, sender_ids: list[str]) -> set[str]:
    """The sender ids among `sender_ids` that have a qualified lead in the database."""
    from leads.db import session_scope
    from leads.models import Lead

    found: set[str] = set()
    with session_scope(database_url) as session:
        for start in range(0, len(sender_ids), 500):
            chunk = sender_ids[start : start + 500]
            rows = session.execute(
                select(Lead.sender_id).where(Lead.sender_id.in_(chunk), Lead.qualified.is_(True))
            )
            found.update(row[0] for row in rows)
    return found
