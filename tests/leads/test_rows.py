"""The row types: one per table, holding every column of it, and built by keyword only."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from leads import rows
from leads.schema import metadata

ROW_OF_TABLE = {
    "leads": rows.LeadRow,
    "notes": rows.NoteRow,
    "status_changes": rows.StatusChangeRow,
    "campaigns": rows.CampaignRow,
    "staff_users": rows.StaffRow,
    "api_tokens": rows.ApiTokenRow,
    "audit_log": rows.AuditRow,
}
# Tables owned by one module of leads/, which reads and writes them and defines their row
# type itself (the outbox, info sessions and bookings, broadcasts, the review inbox), or which
# no other package reads (anonymous counts, pending erasures).
INTERNAL_TABLES = {
    "funnel_events",
    "pending_erasures",
    "review_items",
    "understanding_counts",
    "outbox",
    "chat_flags",
    "bookings",
    "info_sessions",
    "broadcasts",
}
# Columns a row type leaves out on purpose.
NOT_SHOWN = {
    "notes": {"lead_id"},  # a note is read through its lead
    "status_changes": {"id", "lead_id"},
    "api_tokens": {"token_hash"},  # the secret's hash never leaves the store
}
DATACLASSES = [
    cls
    for _name, cls in inspect.getmembers(rows, inspect.isclass)
    if dataclasses.is_dataclass(cls) and cls.__module__ == rows.__name__
]


def test_every_table_has_its_row_type_with_every_column() -> None:
    tables = set(metadata.tables) - INTERNAL_TABLES
    assert set(ROW_OF_TABLE) == tables
    for table, row in ROW_OF_TABLE.items():
        columns = {c.name for c in metadata.tables[table].columns}
        fields = {f.name for f in dataclasses.fields(row)}
        assert columns - NOT_SHOWN.get(table, set()) <= fields, (table, columns - fields)


@pytest.mark.parametrize("cls", DATACLASSES, ids=lambda cls: cls.__name__)
def test_rows_are_built_by_keyword_only(cls) -> None:
    assert all(f.kw_only for f in dataclasses.fields(cls)), cls
    with pytest.raises(TypeError):
        cls("positional")


def test_a_lead_input_is_built_by_name() -> None:
    data = rows.LeadInput(sender_id="tg-1", first_name="Amina", consent=True)
    assert (data.sender_id, data.first_name, data.status) == ("tg-1", "Amina", "new")
