"""The review inbox's data (leads/review.py, leads/review_inbox.py, leads/masking.py):
masking, merging, grouping, decisions, erasure and retention, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from leads import review, review_inbox
from leads.db import session_scope
from leads.masking import mask
from leads.models import ReviewItem, utcnow
from leads.retention import purge as retention_purge


def message(
    text: str, sender: str = "tg-1", message_id: str = "m1", **fields
) -> review.ReviewMessage:
    values = {
        "language": "fr",
        "trigger": "fallback",
        "predicted_label": "faq/cost",
        "confidence": 0.2,
        **fields,
    }
    return review.ReviewMessage(sender_id=sender, message_id=message_id, text=text, **values)


def stored() -> list[ReviewItem]:
    with session_scope() as session:
        return list(session.scalars(select(ReviewItem).order_by(ReviewItem.id)))


# --- masking -------------------------------------------------------------------------------

PHONES = [
    "0470 12 34 56",
    "0470123456",
    "0470/12.34.56",
    "0470-12-34-56",
    "+32 470 12 34 56",
    "+32470123456",
    "0032 470 12 34 56",
    "+32 (0)470 12 34 56",
    "02 123 45 67",
    "02/123.45.67",
    "06 12 34 56 78",
    "06.12.34.56.78",
    "+33 6 12 34 56 78",
    "0033612345678",
    "06-12345678",
    "+31 6 1234 5678",
    "0031612345678",
    "020 123 4567",
    "0470 123 45 6 7",  # not a valid number: masked as a long run of digits
]


@pytest.mark.parametrize("phone", PHONES)
def test_every_phone_format_the_check_accepts_is_masked(phone: str) -> None:
    masked = mask(f"bel me op {phone} aub")
    assert masked == "bel me op [phone] aub"
    assert sum(ch.isdigit() for ch in masked) == 0


@pytest.mark.parametrize(
    "email",
    [
        "amina.b@gmail.com",
        "Amina+bot@Example.ORG",
        "mailto:x_y@hotmail.be",
        "amina at gmail dot com",
        "amina@gmail",
    ],
)
def test_email_addresses_are_masked(email: str) -> None:
    masked = mask(f"mon mail {email} merci")
    assert "@" not in masked and "gmail" not in masked and "example" not in masked.lower()
    assert "[email]" in masked


def test_first_names_are_masked_and_ages_and_words_kept() -> None:
    assert mask("Salut c Inès, j'ai 19 ans", ["Inès"]) == "Salut c [name], j'ai 19 ans"
    assert mask("INES here", ["Ines"]) == "[name] here"
    assert mask("Mohamed-Ali wil info", ["Mohamed-Ali"]) == "[name] wil info"
    assert mask("Anna wants Annabel's number", ["Anna"]) == "[name] wants Annabel's number"


# --- recording ------------------------------------------------------------------------------


def test_a_message_is_stored_masked_once_with_every_trigger(db_url) -> None:
    text = "Ik ben Sam, bel 0470 12 34 56 of sam@x.be"
    assert review.record(
        message(
            text,
            names=("Sam",),
            requested_slot="contact",
            campaign="poster-gent",
            bot_action="utter_fallback",
        )
    )
    assert review.record(message(text, trigger="handoff"))
    [item] = stored()
    assert item.text == "Ik ben [name], bel [phone] of [email]"
    assert item.triggers == "fallback,handoff"
    assert (item.language, item.predicted_label, item.requested_slot, item.campaign) == (
        "fr",
        "faq/cost",
        "contact",
        "poster-gent",
    )
    assert item.bot_action == "utter_fallback" and item.status == "open"
    assert item.sender_id == "tg-1" and item.conversation != "tg-1"


def test_the_bot_action_is_filled_in_later_once(db_url) -> None:
    review.record(message("euh ???", trigger="low_confidence"))
    assert review.set_bot_action("tg-1", "m1", "utter_faq") == 1
    assert review.set_bot_action("tg-1", "m1", "something else") == 0
    assert stored()[0].bot_action == "utter_faq"


def test_an_unknown_trigger_is_not_recorded(db_url) -> None:
    assert review.record(message("x", trigger="whatever")) is False
    assert stored() == []


# --- erasure and retention ----------------------------------------------------------------


def test_forget_erases_the_persons_items_even_unlinked(db_url) -> None:
    review.record(message("un", message_id="a"))
    review.record(message("deux", message_id="b"))
    review.record(message("autre", sender="tg-2", message_id="a"))
    with session_scope(write=True) as session:  # the transcript was purged: no link left
        session.query(ReviewItem).filter(ReviewItem.sender_id == "tg-1").update({"sender_id": None})
    assert review.erase_conversation("tg-1") == 2
    assert [i.text for i in stored()] == ["autre"]


def test_purge_deletes_old_and_refused_items_and_unlinks_purged_conversations(db_url) -> None:
    now = utcnow()
    review.record(message("old", message_id="1", at=now - timedelta(days=91)))
    review.record(message("a month", message_id="2", at=now - timedelta(days=40)))
    review.record(message("lead's", sender="tg-lead", message_id="3", at=now - timedelta(days=40)))
    review.record(message("refused", sender="tg-3", message_id="4"))
    review.record(message("fresh", sender="tg-4", message_id="5"))
    review.mark_consent_refused("tg-3")
    result = review.purge(now, review_days=90, conversation_days=30, keep_sender_ids={"tg-lead"})
    assert (result.deleted, result.unlinked) == (2, 1)
    assert {i.text: i.sender_id for i in stored()} == {
        "a month": None,
        "lead's": "tg-lead",
        "fresh": "tg-4",
    }


def test_the_retention_job_purges_review_items_with_a_configured_period(
    db_url, monkeypatch
) -> None:
    monkeypatch.setenv("REVIEW_RETENTION_DAYS", "10")
    review.record(message("eleven days", at=utcnow() - timedelta(days=11)))
    review.record(message("today", message_id="m2"))
    retention_purge()
    assert [i.text for i in stored()] == ["today"]


# --- the staff side ------------------------------------------------------------------------


def test_near_duplicates_are_grouped_with_a_count_most_frequent_first(db_url) -> None:
    texts = [
        "c combien la formation ?",
        "C'est combien la formation",
        "cest combien la formation",
        "c combien la formation",
        "vous etes ou ?",
        "vous êtes où",
        "hein",
    ]
    for number, text in enumerate(texts):
        review.record(message(text, sender=f"tg-{number}"))
    review.record(message("c combien la formation", sender="tg-nl", language="nl"))
    found = review_inbox.groups(review_inbox.ReviewFilters(language="fr"))
    assert [g.count for g in found] == [4, 2, 1]
    assert found[0].text in texts[:4] and found[2].text == "hein"
    assert len(found[0].item_ids) == 4 and found[0].predicted_label == "faq/cost"
    assert review_inbox.groups(review_inbox.ReviewFilters(language="nl"))[0].count == 1


def test_filters_by_label_campaign_and_date(db_url) -> None:
    review.record(message("un", message_id="1", campaign="a", predicted_label="greet"))
    review.record(message("deux", message_id="2", campaign="b", at=utcnow() - timedelta(days=5)))
    assert [g.text for g in review_inbox.groups(review_inbox.ReviewFilters(campaign="a"))] == ["un"]
    assert [
        g.text for g in review_inbox.groups(review_inbox.ReviewFilters(predicted_label="faq/cost"))
    ] == ["deux"]
    today = utcnow().date()
    assert [g.text for g in review_inbox.groups(review_inbox.ReviewFilters(date_from=today))] == [
        "un"
    ]
    assert [
        g.text
        for g in review_inbox.groups(review_inbox.ReviewFilters(date_to=today - timedelta(days=3)))
    ] == ["deux"]


def test_decisions_label_new_topic_and_ignore_and_the_counts(db_url) -> None:
    for number in range(4):
        review.record(message(f"texte {number}", message_id=str(number)))
    ids = [i.id for i in stored()]
    assert review_inbox.decide(ids[:2], "label", label="faq/cost") == 2
    assert review_inbox.decide(ids[2:3], "new_topic", note="parking près du campus") == 1
    with pytest.raises(review_inbox.InvalidDecision):
        review_inbox.decide(ids[3:], "new_topic", note=" ")
    with pytest.raises(review_inbox.InvalidDecision):
        review_inbox.decide(ids[3:], "label", label="Faq cost; drop")
    assert review_inbox.counts() == review_inbox.ReviewCounts(to_review=1, reviewed_this_week=3)
    assert review_inbox.decide(ids[3:], "ignore") == 1
    assert review_inbox.decide(ids[:1], "ignore") == 0  # already reviewed
    examples = review_inbox.reviewed_examples()
    assert [(e.text, e.label) for e in examples] == [
        ("texte 0", "faq/cost"),
        ("texte 1", "faq/cost"),
    ]
