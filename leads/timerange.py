"""Date filters: a `date` means the whole day (UTC); a `datetime` is taken as given."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def range_start(value: date | datetime | None) -> datetime | None:
    """Inclusive lower bound."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _aware(value)
    return datetime.combine(value, time.min, tzinfo=UTC)


def range_end(value: date | datetime | None) -> datetime | None:
    """Exclusive upper bound: the day after a `date`, just after a `datetime`."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _aware(value) + timedelta(microseconds=1)
    return datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
