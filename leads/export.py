"""Lead export: JSON Lines (one object per lead) and CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import select

from leads.db import session_scope
from leads.lead_queue import filtered
from leads.models import Lead, StaffUser
from leads.rows import LeadFilters

EXPORT_FIELDS = (
    "id",
    "sender_id",
    "first_name",
    "age",
    "campus",
    "situation",
    "registered",
    "experience",
    "motivation",
    "commitment",
    "contact_kind",
    "contact",
    "consent",
    "score",
    "score_breakdown",
    "qualified",
    "status",
    "language",
    "campaign",
    "handoff_requested",
    "handoff_at",
    "assigned_to",
    "created_at",
    "updated_at",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


def lead_records(filters: LeadFilters | None = None) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per lead, oldest first, datetimes as ISO 8601 UTC."""
    query = (
        filtered(select(Lead, StaffUser.email), filters or LeadFilters())
        .outerjoin(StaffUser, StaffUser.id == Lead.assigned_to)
        .order_by(Lead.id)
    )
    last_id = 0
    while True:
        with session_scope() as session:
            rows = session.execute(query.where(Lead.id > last_id).limit(BATCH)).all()
            records = [_record(lead, email) for lead, email in rows]
        yield from records
        if len(rows) < BATCH:
            return
        last_id = records[-1]["id"]


def write_jsonl(out: IO[str], filters: LeadFilters | None = None) -> int:
    count = 0
    for record in lead_records(filters):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(out: IO[str], filters: LeadFilters | None = None) -> int:
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for record in lead_records(filters):
        writer.writerow([csv_cell(record[name]) for name in EXPORT_FIELDS])
        count += 1
    return count


def csv_cell(value: object) -> str:
    """A CSV cell: JSON for objects, "true"/"false" for booleans, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _record(lead: Lead, assigned_email: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {name: getattr(lead, name) for name in EXPORT_FIELDS}
    record["score_breakdown"] = dict(lead.score_breakdown or {})
    record["assigned_to"] = assigned_email
    for name in ("handoff_at", "created_at", "updated_at"):
        record[name] = iso_utc(record[name])
    return record
