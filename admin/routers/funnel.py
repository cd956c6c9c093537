"""The funnel per campaign and per language over a date range: a table and a chart."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from admin.chart import STEP_LABELS, funnel_chart
from admin.web import render
from leads.campaigns import list_campaigns
from leads.funnel import FUNNEL_STEPS, NO_CAMPAIGN, funnel_report
from leads.models import utcnow
from passerelle_settings import LANGUAGES

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 30


@router.get("/funnel", response_class=HTMLResponse)
def funnel(request: Request) -> Response:
    params = request.query_params
    today = utcnow().date()
    date_to = _date(params.get("date_to")) or today
    date_from = _date(params.get("date_from")) or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    campaign = (params.get("campaign") or "").strip()[:200] or None
    language = params.get("language") if params.get("language") in LANGUAGES else None
    rows = funnel_report(date_from, date_to, campaign=campaign, language=language)
    total = next(row for row in rows if row.dimension == "all")
    context = {
        "rows": rows,
        "total": total,
        "chart": funnel_chart(total),
        "language_charts": [
            (row.value, funnel_chart(row)) for row in rows if row.dimension == "language"
        ],
        "steps": FUNNEL_STEPS,
        "step_labels": STEP_LABELS,
        "date_from": date_from,
        "date_to": date_to,
        "campaign": campaign or "",
        "language": language or "",
        "languages": LANGUAGES,
        "campaigns": list_campaigns(),
        "no_campaign": NO_CAMPAIGN,
    }
    return render(request, "funnel.html", context)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
