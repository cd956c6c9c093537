"""Every table of the lead store, for Alembic and the schema tests: the core tables of
leads/models.py and those kept beside the code that owns them."""

from __future__ import annotations

from leads import chat_flags, outbox_table, sessions
from leads.models import Base

TABLE_MODULES = (chat_flags, outbox_table, sessions)
metadata = Base.metadata
