"""Understanding over time: per week and language, the share of messages understood, the
check's completion rate, where people leave the check, and the top unanswered topics."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from admin.chart import share_chart
from admin.web import render
from leads import understanding
from leads.models import LANGUAGES, utcnow

router = APIRouter(include_in_schema=False)

DEFAULT_WEEKS = 8
QUESTION_LABELS = {
    "first_name": "First name",
    "age": "Age",
    "campus": "Campus",
    "situation": "Situation",
    "registered": "Registered",
    "experience": "Experience",
    "motivation": "Motivation",
    "commitment": "Commitment",
    "contact": "Contact",
    "consent": "Consent",
    "check_confirmed": "Summary confirmed",
}


@router.get("/understanding", response_class=HTMLResponse)
def understanding_page(request: Request) -> Response:
    params = request.query_params
    date_to = _date(params.get("date_to")) or utcnow().date()
    date_from = _date(params.get("date_from")) or date_to - timedelta(weeks=DEFAULT_WEEKS - 1)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    date_from = max(date_from, date_to - timedelta(weeks=52))  # at most a year of weeks
    language = params.get("language") if params.get("language") in LANGUAGES else None
    report = understanding.report(date_from, date_to, language)
    languages = [language] if language else list(understanding.LANGUAGE_ORDER)
    charts = []
    for lang in languages:
        points = []
        for week in report.weeks:
            row = report.row(week, lang)
            points.append((f"week of {week:%d %b}", row.messages, row.share_understood))
        charts.append((lang, share_chart(points)))
    context = {
        "report": report,
        "charts": charts,
        "languages": LANGUAGES,
        "shown_languages": languages,
        "language": language or "",
        "date_from": date_from,
        "date_to": date_to,
        "questions": understanding.CHECK_QUESTIONS,
        "question_labels": QUESTION_LABELS,
        "drop_off": drop_off_totals(report, languages),
    }
    return render(request, "understanding.html", context)


def drop_off_totals(
    report: understanding.UnderstandingReport, languages: list[str]
) -> dict[tuple[str, str], understanding.QuestionDropOff]:
    """Per question and language, summed over the weeks shown."""
    totals = {}
    for lang in languages:
        for index, question in enumerate(understanding.CHECK_QUESTIONS):
            weekly = [report.row(week, lang).drop_off[index] for week in report.weeks]
            totals[(question, lang)] = understanding.QuestionDropOff(
                question=question,
                reached=sum(q.reached for q in weekly),
                answered=sum(q.answered for q in weekly),
            )
    return totals


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
