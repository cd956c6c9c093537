"""Understanding over time: anonymous weekly counters and the per-week, per-language report.

The dialogue counts, per week (Monday, UTC) and language: `messages` (typed messages, not
buttons), `understood` (no fallback, confidence at or above the review threshold) and
`answered:<question>` (conversations that answered that check question, once each). With the
funnel's `check_started`/`check_completed` these give the completion rate and the drop-off
per question: the people asked a question (they answered the one before) who never answered
it. A conversation that spans two weeks counts where each step happened.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from leads.db import session_scope
from leads.models import FunnelEvent, ReviewItem, UnderstandingCount, utcnow
from leads.timerange import range_end, range_start

log = logging.getLogger(__name__)

# The check's questions in the order it asks them (domain/check.yml, actions/check_form.py).
CHECK_QUESTIONS = (
    "first_name",
    "age",
    "campus",
    "situation",
    "registered",
    "experience",
    "motivation",
    "commitment",
    "contact",
    "consent",
    "check_confirmed",
)
LANGUAGE_ORDER = ("nl", "fr", "en")
TOP_TOPICS = 5


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def count(language: str, metrics: Iterable[str], at: datetime | None = None) -> None:
    """Add one to each metric of this week and language. Never raises."""
    metrics = [m[:64] for m in metrics]
    if not metrics:
        return
    week = week_of((at or utcnow()).date())
    try:
        with session_scope(write=True) as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            for metric in metrics:
                statement = insert(UnderstandingCount).values(
                    week=week, language=language[:8], metric=metric, count=1
                )
                session.execute(
                    statement.on_conflict_do_update(
                        index_elements=["week", "language", "metric"],
                        set_={"count": UnderstandingCount.count + 1},
                    )
                )
    except Exception:
        log.exception("understanding counts not recorded")


@dataclass(frozen=True, kw_only=True)
class QuestionDropOff:
    question: str
    reached: int
    answered: int

    @property
    def left(self) -> int:
        return max(self.reached - self.answered, 0)

    @property
    def rate(self) -> float | None:
        return self.left / self.reached if self.reached else None


@dataclass(kw_only=True)
class WeekRow:
    week: date
    language: str
    messages: int = 0
    understood: int = 0
    check_started: int = 0
    check_completed: int = 0
    drop_off: list[QuestionDropOff] = field(default_factory=list)

    @property
    def share_understood(self) -> float | None:
        return self.understood / self.messages if self.messages else None

    @property
    def completion_rate(self) -> float | None:
        return self.check_completed / self.check_started if self.check_started else None

    @property
    def worst_question(self) -> QuestionDropOff | None:
        leaving = [q for q in self.drop_off if q.left]
        return max(leaving, key=lambda q: q.left, default=None)


@dataclass(frozen=True, kw_only=True)
class Topic:
    text: str  # a label, "new topic: …", or the most frequent masked wording
    count: int


@dataclass(kw_only=True)
class UnderstandingReport:
    weeks: list[date]
    rows: list[WeekRow]
    topics: dict[date, list[Topic]]

    def row(self, week: date, language: str) -> WeekRow:
        """The row of one shown week and language (the report has one for each)."""
        return next(r for r in self.rows if r.week == week and r.language == language)


def report(date_from: date, date_to: date, language: str | None = None) -> UnderstandingReport:
    first, last = week_of(date_from), week_of(date_to)
    weeks = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    languages = (language,) if language else LANGUAGE_ORDER
    rows = {(w, lang): WeekRow(week=w, language=lang) for w in weeks for lang in languages}
    start, end = range_start(first), range_end(last + timedelta(days=6))
    with session_scope() as session:
        counted = session.execute(
            select(
                UnderstandingCount.week,
                UnderstandingCount.language,
                UnderstandingCount.metric,
                UnderstandingCount.count,
            ).where(UnderstandingCount.week >= first, UnderstandingCount.week <= last)
        ).all()
        funnel = session.execute(
            select(FunnelEvent.kind, FunnelEvent.language, FunnelEvent.at).where(
                FunnelEvent.kind.in_(("check_started", "check_completed")),
                FunnelEvent.at >= start,
                FunnelEvent.at < end,
            )
        ).all()
        items = session.execute(
            select(
                ReviewItem.at,
                ReviewItem.language,
                ReviewItem.status,
                ReviewItem.label,
                ReviewItem.note,
                ReviewItem.normalized,
                ReviewItem.text,
            ).where(ReviewItem.at >= start, ReviewItem.at < end, ReviewItem.status != "ignored")
        ).all()
    answered: dict[tuple[date, str], Counter[str]] = defaultdict(Counter)
    for week, lang, metric, number in counted:
        row = rows.get((week, lang))
        if row is None:
            continue
        if metric == "messages":
            row.messages += number
        elif metric == "understood":
            row.understood += number
        elif metric.startswith("answered:"):
            answered[(week, lang)][metric.removeprefix("answered:")] += number
    for kind, lang, at in funnel:
        row = rows.get((week_of(at.date()), lang or ""))
        if row is not None:
            setattr(row, kind, getattr(row, kind) + 1)
    for row in rows.values():
        row.drop_off = _drop_off(row.check_started, answered[(row.week, row.language)])
    return UnderstandingReport(
        weeks=weeks, rows=list(rows.values()), topics=_topics(items, languages)
    )


def _drop_off(started: int, answered: Counter[str]) -> list[QuestionDropOff]:
    drop_off, reached = [], started
    for question in CHECK_QUESTIONS:
        done = answered.get(question, 0)
        drop_off.append(
            QuestionDropOff(question=question, reached=max(reached, done), answered=done)
        )
        reached = done
    return drop_off


def _topics(items: Iterable[Sequence[Any]], languages: tuple[str, ...]) -> dict[date, list[Topic]]:
    per_week: dict[date, Counter[str]] = defaultdict(Counter)
    wording: dict[str, str] = {}
    for at, lang, status, label, note, normalized, text in items:
        if lang not in languages:
            continue
        if status == "labelled" and label:
            key = label
        elif status == "new_topic":
            key = f"new topic: {note}"
        else:
            key = normalized
            wording.setdefault(key, text)
        per_week[week_of(at.date())][key] += 1
    return {
        week: [
            Topic(text=wording.get(key, key), count=n) for key, n in counter.most_common(TOP_TOPICS)
        ]
        for week, counter in per_week.items()
    }


def total_messages(language: str | None = None) -> int:
    with session_scope() as session:
        query = select(func.coalesce(func.sum(UnderstandingCount.count), 0)).where(
            UnderstandingCount.metric == "messages"
        )
        if language:
            query = query.where(UnderstandingCount.language == language)
        return int(session.scalar(query) or 0)
