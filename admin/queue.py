"""The queue's filters, read leniently from a query string (a bad value is ignored, not a 422)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.datastructures import QueryParams

from leads.models import CAMPUSES
from leads.rows import LeadFilters
from passerelle_settings import LANGUAGES, STATUSES

FILTER_KEYS = (
    "status",
    "campus",
    "language",
    "campaign",
    "qualified",
    "date_from",
    "date_to",
    "q",
    "assigned",
)


@dataclass(frozen=True)
class QueueQuery:
    status: str = ""
    campus: str = ""
    language: str = ""
    campaign: str = ""
    qualified: str = ""  # "yes", "no" or ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    assigned: str = ""  # "me", "none" or ""
    page: int = 1

    @classmethod
    def from_params(cls, params: QueryParams | dict[str, str]) -> QueueQuery:
        get = lambda key: str(params.get(key) or "").strip()  # noqa: E731
        return cls(
            status=_one_of(get("status"), STATUSES),
            campus=_one_of(get("campus"), CAMPUSES),
            language=_one_of(get("language"), LANGUAGES),
            campaign=get("campaign")[:200],
            qualified=_one_of(get("qualified"), ("yes", "no")),
            date_from=_date(get("date_from")),
            date_to=_date(get("date_to")),
            q=get("q")[:100],
            assigned=_one_of(get("assigned"), ("me", "none")),
            page=_page(get("page")),
        )

    def filters(self, user_id: int) -> LeadFilters:
        return LeadFilters(
            status=self.status or None,
            campus=self.campus or None,
            language=self.language or None,
            campaign=self.campaign or None,
            qualified={"yes": True, "no": False}.get(self.qualified),
            date_from=self.date_from,
            date_to=self.date_to,
            search=self.q or None,
            assigned_to=user_id if self.assigned == "me" else None,
            unassigned=self.assigned == "none",
        )

    def params(self) -> dict[str, Any]:
        """The filters as query parameters (without the page), for links and the export."""
        values = {key: getattr(self, key) for key in FILTER_KEYS}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if v}


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _page(value: str) -> int:
    return min(int(value), 100_000) if value.isdigit() and int(value) > 0 else 1
