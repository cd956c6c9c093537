"""The review inbox's data, staff side: near-duplicates grouped, decisions, counts, and the
labelled examples `make learn` reads (the dialogue side is leads/review.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Select, func, select, update

from leads.db import rows_affected, session_scope
from leads.models import Lead, ReviewItem, utcnow
from leads.timerange import range_end, range_start

DECISIONS = {"label": "labelled", "new_topic": "new_topic", "ignore": "ignored"}
# Two normalised texts at least this similar (rapidfuzz token_sort_ratio, 0-100) are one group:
# it ignores word order and tolerates a typo or two in short chat messages ("c combien" /
# "cest combien"), where token_set_ratio would put "prix" with every longer message about it.
SIMILARITY = 85
MAX_ITEMS_GROUPED = 3000
LABEL_RE = re.compile(r"^[a-z_]+(/[a-z_]+)?$")


@dataclass(frozen=True, kw_only=True)
class ReviewFilters:
    language: str | None = None
    predicted_label: str | None = None
    campaign: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str = "open"


@dataclass(kw_only=True)
class ReviewGroup:
    id: int  # the smallest item id: stable while the group's items are open
    text: str  # the most frequent (masked) wording
    language: str
    count: int
    item_ids: list[int]
    predicted_labels: dict[str, int]
    triggers: dict[str, int]
    requested_slots: dict[str, int]
    campaigns: dict[str, int]
    first_at: datetime
    last_at: datetime
    examples: list[str] = field(default_factory=list)  # every other wording, most frequent first
    label: str | None = None
    status: str = "open"
    normalized: str = ""
    sender_ids: list[str] = field(default_factory=list)  # the linked conversations

    @property
    def predicted_label(self) -> str | None:
        return max(self.predicted_labels, key=self.predicted_labels.__getitem__, default=None)


@dataclass(frozen=True, kw_only=True)
class ReviewCounts:
    to_review: int
    reviewed_this_week: int


@dataclass(frozen=True, kw_only=True)
class ReviewedExample:
    id: int
    text: str
    language: str
    label: str


def groups(filters: ReviewFilters | None = None) -> list[ReviewGroup]:
    """Items grouped with their near-duplicates (same language), most frequent first."""
    filters = filters or ReviewFilters()
    with session_scope() as session:
        items = session.scalars(
            _filtered(select(ReviewItem), filters)
            .order_by(ReviewItem.at.desc())
            .limit(MAX_ITEMS_GROUPED)
        ).all()
    found: list[ReviewGroup] = []
    members: dict[int, list[ReviewItem]] = {}
    by_language: dict[str, list[ReviewGroup]] = {}
    for item in sorted(items, key=lambda i: i.id):
        candidates = by_language.setdefault(item.language, [])
        group = _closest(candidates, item)
        if group is None:
            group = _group_of(item)
            found.append(group)
            candidates.append(group)
            members[group.id] = []
        members[group.id].append(item)
    for group in found:
        _fill(group, members[group.id])
    return sorted(found, key=lambda g: (-g.count, -g.last_at.timestamp()))


def _closest(candidates: list[ReviewGroup], item: ReviewItem) -> ReviewGroup | None:
    """The most similar group, if similar enough (rapidfuzz compares in C: 3000 items in
    well under a second)."""
    if not candidates:
        return None
    best = process.extractOne(
        item.normalized,
        [group.normalized for group in candidates],
        scorer=fuzz.token_sort_ratio,
        score_cutoff=SIMILARITY,
    )
    return candidates[best[2]] if best else None


def _group_of(item: ReviewItem) -> ReviewGroup:
    return ReviewGroup(
        id=item.id,
        text=item.text,
        language=item.language,
        count=0,
        item_ids=[],
        predicted_labels={},
        triggers={},
        requested_slots={},
        campaigns={},
        first_at=item.at,
        last_at=item.at,
        normalized=item.normalized,
    )


def _fill(group: ReviewGroup, items: list[ReviewItem]) -> None:
    wordings: dict[str, int] = {}
    for item in items:
        group.item_ids.append(item.id)
        if item.sender_id and item.sender_id not in group.sender_ids:
            group.sender_ids.append(item.sender_id)
        wordings[item.text] = wordings.get(item.text, 0) + 1
        _count(group.predicted_labels, item.predicted_label or "nlu_fallback")
        for trigger in item.triggers.split(","):
            _count(group.triggers, trigger)
        if item.requested_slot:
            _count(group.requested_slots, item.requested_slot)
        if item.campaign:
            _count(group.campaigns, item.campaign)
        group.first_at = min(group.first_at, item.at)
        group.last_at = max(group.last_at, item.at)
    ranked = sorted(wordings, key=lambda text: -wordings[text])
    group.count = len(items)
    group.text, group.examples = ranked[0], ranked[1:]
    group.label = items[0].label
    group.status = items[0].status


def _count(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1


def _filtered(query: Select[Any], filters: ReviewFilters) -> Select[Any]:
    if filters.status:
        query = query.where(ReviewItem.status == filters.status)
    if filters.language:
        query = query.where(ReviewItem.language == filters.language)
    if filters.predicted_label:
        query = query.where(ReviewItem.predicted_label == filters.predicted_label)
    if filters.campaign:
        query = query.where(ReviewItem.campaign == filters.campaign)
    if filters.date_from:
        query = query.where(ReviewItem.at >= range_start(filters.date_from))
    if filters.date_to:
        query = query.where(ReviewItem.at < range_end(filters.date_to))
    return query


class InvalidDecision(ValueError):
    pass


def decide(
    item_ids: list[int],
    decision: str,
    *,
    label: str | None = None,
    note: str = "",
    staff_id: int | None = None,
) -> int:
    """Label, mark as a new topic (with a note) or ignore open items. Returns how many changed."""
    if decision not in DECISIONS:
        raise InvalidDecision(f"decision must be one of {', '.join(DECISIONS)}")
    if decision == "label" and not (label and LABEL_RE.match(label)):
        raise InvalidDecision("choose a label from the list")
    if decision == "new_topic" and not note.strip():
        raise InvalidDecision("say in a few words what the new topic is")
    if not item_ids:
        return 0
    with session_scope(write=True) as session:
        result = session.execute(
            update(ReviewItem)
            .where(ReviewItem.id.in_(item_ids[:MAX_ITEMS_GROUPED]), ReviewItem.status == "open")
            .values(
                status=DECISIONS[decision],
                label=label if decision == "label" else None,
                note=note.strip()[:1000],
                reviewed_by=staff_id,
                reviewed_at=utcnow(),
            )
        )
        return rows_affected(result)


def counts(now: datetime | None = None) -> ReviewCounts:
    now = now or utcnow()
    week_start = range_start(now.date() - timedelta(days=now.weekday()))
    with session_scope() as session:
        to_review = session.scalar(
            select(func.count()).select_from(ReviewItem).where(ReviewItem.status == "open")
        )
        reviewed = session.scalar(
            select(func.count())
            .select_from(ReviewItem)
            .where(ReviewItem.status != "open", ReviewItem.reviewed_at >= week_start)
        )
    return ReviewCounts(to_review=to_review or 0, reviewed_this_week=reviewed or 0)


def lead_ids(sender_ids: list[str]) -> dict[str, int]:
    """The leads of these conversations (their page shows the transcript)."""
    if not sender_ids:
        return {}
    with session_scope() as session:
        rows = session.execute(
            select(Lead.sender_id, Lead.id).where(Lead.sender_id.in_(sender_ids[:5000]))
        ).all()
    return {sender: lead_id for sender, lead_id in rows}


def predicted_labels() -> list[str]:
    """Every predicted label in the inbox (for the filter)."""
    with session_scope() as session:
        found = session.scalars(
            select(ReviewItem.predicted_label)
            .where(ReviewItem.predicted_label.is_not(None))
            .distinct()
        ).all()
    return sorted(label for label in found if label is not None)


def reviewed_examples() -> list[ReviewedExample]:
    """Every labelled item, oldest first (`make learn` splits and writes them)."""
    with session_scope() as session:
        items = session.scalars(
            select(ReviewItem)
            .where(ReviewItem.status == "labelled", ReviewItem.label.is_not(None))
            .order_by(ReviewItem.id)
        ).all()
        return [
            ReviewedExample(id=i.id, text=i.text, language=i.language, label=i.label or "")
            for i in items
        ]
