"""Understanding over time (leads/understanding.py) on SQLite and PostgreSQL: the weekly
counters, completion, drop-off per question and the top unanswered topics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from leads import review, review_inbox, understanding
from leads.funnel import record_funnel_event


def test_weeks_start_on_monday() -> None:
    assert understanding.week_of(date(2026, 12, 6)) == date(2026, 11, 30)  # a Sunday
    assert understanding.week_of(date(2026, 11, 30)) == date(2026, 11, 30)


def test_the_report_per_week_and_language(db_url) -> None:
    now = datetime.now(UTC)
    last_week = now - timedelta(days=7)
    for metrics in (["messages", "understood"], ["messages"], ["answered:first_name"]):
        understanding.count("nl", metrics)
    understanding.count("nl", ["messages", "understood"], at=last_week)
    for sender in ("tg-1", "tg-2", "tg-3", "tg-4"):
        record_funnel_event("check_started", sender_id=sender, language="nl")
    record_funnel_event("check_completed", sender_id="tg-1", language="nl")
    for number, text in enumerate(["waar is de campus", "waar is de campus?", "huh"]):
        review.record(
            review.ReviewMessage(
                sender_id=f"tg-{number}",
                message_id="m",
                text=text,
                language="nl",
                trigger="fallback",
            )
        )
    found = understanding.report(now.date() - timedelta(days=7), now.date(), "nl")
    this_week = found.row(understanding.week_of(now.date()), "nl")
    earlier = found.row(understanding.week_of(last_week.date()), "nl")
    assert (this_week.messages, this_week.understood, this_week.share_understood) == (2, 1, 0.5)
    assert (earlier.messages, earlier.share_understood) == (1, 1.0)
    assert (this_week.check_started, this_week.check_completed) == (4, 1)
    assert this_week.completion_rate == 0.25
    first, age = this_week.drop_off[:2]
    assert (first.question, first.reached, first.left) == ("first_name", 4, 3)
    assert (age.question, age.reached, age.left) == ("age", 1, 1)
    assert this_week.worst_question == first
    topics = found.topics[understanding.week_of(now.date())]
    assert topics[0].count == 2 and topics[0].text.startswith("waar is de campus")
    assert {row.language for row in found.rows} == {"nl"}  # only the language asked


def test_labelled_topics_show_their_label(db_url) -> None:
    review.record(
        review.ReviewMessage(
            sender_id="tg-1", message_id="m", text="parking?", language="fr", trigger="fallback"
        )
    )
    [group] = review_inbox.groups()
    review_inbox.decide(group.item_ids, "new_topic", note="parking")
    today = datetime.now(UTC).date()
    found = understanding.report(today, today)
    assert [t.text for t in found.topics[understanding.week_of(today)]] == ["new topic: parking"]
