"""Leads: upsert, handoff, status history, optimistic concurrency, the queue and its filters."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from leads.audit import list_audit
from leads.db import session_scope
from leads.lead_queue import (
    LeadNotFound,
    StaleLead,
    add_note,
    assign,
    change_status,
    clear_handoff,
    get_lead,
    list_leads,
    status_counts,
)
from leads.lead_store import request_handoff, save_lead
from leads.models import Lead, StatusChange
from leads.rows import LeadFilters, SaveResult
from leads.staff import create_staff_user
from leads.validation import InvalidValue
from tests.leads.helpers import lead_input


def lead_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(Lead.id)))


def test_save_lead_creates_then_updates_the_same_lead(db_url):
    first = save_lead(lead_input(score=55))
    again = save_lead(lead_input(score=55))  # Telegram re-delivered the update
    redo = save_lead(lead_input(first_name="Amina B.", score=90, campus="ghent"))

    assert first.saved and first.created and not first.spooled
    assert again.saved and not again.created and again.lead_id == first.lead_id
    assert redo.lead_id == first.lead_id
    assert lead_count() == 1
    lead = get_lead(first.lead_id)
    assert (lead.first_name, lead.score, lead.campus) == ("Amina B.", 90, "ghent")
    assert lead.score_breakdown["commitment"] == 35
    assert lead.created_at.tzinfo is not None


def test_status_history_records_creation_and_every_change(db_url):
    staff = create_staff_user("coach@school.be", "hash")
    saved = save_lead(lead_input(status="nurture", qualified=False, score=30))
    save_lead(lead_input(status="new", qualified=True, score=70))  # re-did the check
    lead = get_lead(saved.lead_id)
    change_status(lead.id, "contacted", expected_version=lead.version, actor_id=staff.id)

    history = get_lead(saved.lead_id).history
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "nurture"),
        ("nurture", "new"),
        ("new", "contacted"),
    ]
    assert history[0].changed_by is None
    assert history[-1].changed_by_email == "coach@school.be"


def test_redoing_the_check_keeps_the_status_staff_set(db_url):
    saved = save_lead(lead_input())
    lead = get_lead(saved.lead_id)
    change_status(lead.id, "invited", expected_version=lead.version, actor_id=None)
    save_lead(lead_input(motivation="still motivated, even more now", status="new"))
    lead = get_lead(saved.lead_id)
    assert lead.status == "invited"
    assert lead.motivation == "still motivated, even more now"


def test_no_consent_stores_nothing(db_url):
    result = save_lead(lead_input(consent=False))
    assert result == SaveResult(saved=False)
    assert lead_count() == 0


def test_invalid_values_are_refused_before_the_database(db_url):
    with pytest.raises(InvalidValue):
        save_lead(lead_input(campus="Bruxelles"))
    with pytest.raises(InvalidValue):
        save_lead(lead_input(status="handoff_requested"))
    assert lead_count() == 0


def test_handoff_only_lead_is_new_and_unqualified(db_url):
    result = request_handoff(
        "tg-77",
        language="nl",
        campaign="gent-lan-7f3k",
        contact_kind="phone",
        contact="+32470123456",
        first_name="Jens",
        telegram_user_id=77,
    )
    lead = get_lead(result.lead_id)
    assert result.saved and result.created
    assert lead.handoff_requested and lead.handoff_at is not None
    assert (lead.status, lead.qualified, lead.score) == ("new", False, 0)
    assert (lead.contact, lead.telegram_user_id, lead.campaign) == (
        "+32470123456",
        77,
        "gent-lan-7f3k",
    )


def test_handoff_on_an_existing_lead_keeps_what_it_had(db_url):
    saved = save_lead(lead_input(sender_id="tg-5", score=85, status="new"))
    request_handoff("tg-5", language="fr", campaign=None)
    first_request = get_lead(saved.lead_id).handoff_at
    request_handoff("tg-5", language="fr", campaign=None)  # asked twice
    lead = get_lead(saved.lead_id)
    assert (lead.score, lead.qualified, lead.first_name) == (85, True, "Amina")
    assert lead.handoff_requested and lead.handoff_at == first_request
    assert lead.campaign == "brussel-lan-7f3k"
    assert lead_count() == 1

    cleared = clear_handoff(lead.id, expected_version=lead.version, actor_id=None)
    assert not cleared.handoff_requested and cleared.handoff_at is None


def test_stale_version_is_refused_with_who_changed_it(db_url):
    anna = create_staff_user("Anna@School.be", "hash")
    bert = create_staff_user("bert@school.be", "hash")
    lead = get_lead(save_lead(lead_input()).lead_id)

    # Anna and Bert both opened the lead at the same version.
    changed = change_status(lead.id, "contacted", expected_version=lead.version, actor_id=anna.id)
    with pytest.raises(StaleLead) as refused:
        change_status(lead.id, "declined", expected_version=lead.version, actor_id=bert.id)
    with pytest.raises(StaleLead):
        assign(lead.id, bert.id, expected_version=lead.version, actor_id=bert.id)

    assert refused.value.changed_by_email == "anna@school.be"
    assert refused.value.current_version == changed.version == lead.version + 1
    assert get_lead(lead.id).status == "contacted"
    assigned = assign(lead.id, bert.id, expected_version=changed.version, actor_id=bert.id)
    assert assigned.assigned_to_email == "bert@school.be"


def test_two_sessions_cannot_silently_overwrite_each_other(db_url):
    lead_id = save_lead(lead_input()).lead_id
    with session_scope() as first, session_scope() as second:
        mine = first.get(Lead, lead_id)
        theirs = second.get(Lead, lead_id)
        assert mine.version == theirs.version
        mine.status = "contacted"
        first.commit()
        theirs.status = "declined"
        # PostgreSQL: the versioned UPDATE matches no row. SQLite: the second writer's
        # snapshot is stale and SQLite refuses the write. Either way: no silent overwrite.
        with pytest.raises((StaleDataError, OperationalError)):
            second.flush()
        second.rollback()
    assert get_lead(lead_id).status == "contacted"


def test_concurrent_status_changes_one_wins_the_rest_are_stale(db_url):
    lead = get_lead(save_lead(lead_input()).lead_id)
    staff = [create_staff_user(f"s{i}@school.be", "hash") for i in range(4)]
    start = threading.Barrier(len(staff))
    outcomes: list[str] = []

    def click(member, status):
        start.wait()
        try:
            change_status(lead.id, status, expected_version=lead.version, actor_id=member.id)
            outcomes.append("ok")
        except StaleLead:
            outcomes.append("stale")

    statuses = ["contacted", "declined", "invited", "no_response"]
    threads = [threading.Thread(target=click, args=pair) for pair in zip(staff, statuses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["ok", "stale", "stale", "stale"]
    final = get_lead(lead.id)
    assert final.version == lead.version + 1
    assert [h.to_status for h in final.history][1:] == [final.status]


def test_notes_are_added_and_listed_with_their_author(db_url):
    staff = create_staff_user("coach@school.be", "hash")
    lead = get_lead(save_lead(lead_input()).lead_id)
    add_note(lead.id, "  Called, voicemail.  ", staff.id)
    detail = add_note(
        lead.id, "Called back: info session on Monday", staff.id, expected_version=lead.version
    )
    assert [n.text for n in detail.notes] == [
        "Called, voicemail.",
        "Called back: info session on Monday",
    ]
    assert detail.notes[0].author_email == "coach@school.be"
    with pytest.raises(InvalidValue):
        add_note(lead.id, "   ", staff.id)
    with pytest.raises(LeadNotFound):
        add_note(999_999, "hello", staff.id)


def _set_times(lead_id: int, **values: datetime) -> None:
    with session_scope() as session:
        # A bulk UPDATE does not bump the version: these are test fixtures, not edits.
        session.execute(update(Lead).where(Lead.id == lead_id).values(**values))


def test_queue_order_handoffs_then_new_by_score_then_the_rest(db_url):
    now = datetime.now(UTC)
    ids = {}
    for name, score, status in [
        ("low", 55, "new"),
        ("high", 95, "new"),
        ("high_later", 95, "new"),
        ("contacted_old", 80, "contacted"),
        ("contacted_recent", 60, "contacted"),
        ("nurture", 20, "nurture"),
    ]:
        ids[name] = save_lead(
            lead_input(sender_id=f"tg-{name}", first_name=name, score=score, status=status)
        ).lead_id
    for name in ("contacted_old", "contacted_recent"):
        lead = get_lead(ids[name])
        change_status(lead.id, "contacted", expected_version=lead.version, actor_id=None)
    ids["handoff_late"] = request_handoff("tg-hl", language="en", campaign=None).lead_id
    ids["handoff_early"] = request_handoff("tg-he", language="en", campaign=None).lead_id

    _set_times(ids["handoff_early"], handoff_at=now - timedelta(hours=3))
    _set_times(ids["handoff_late"], handoff_at=now - timedelta(hours=1))
    _set_times(ids["high"], created_at=now - timedelta(days=2))
    _set_times(ids["high_later"], created_at=now - timedelta(days=1))
    _set_times(ids["contacted_old"], updated_at=now - timedelta(days=5))
    _set_times(ids["contacted_recent"], updated_at=now - timedelta(minutes=5))
    _set_times(ids["nurture"], updated_at=now - timedelta(days=1))

    page = list_leads(LeadFilters(), page=1, per_page=50)
    order = [row.id for row in page.items]
    expected = [
        "handoff_early",
        "handoff_late",
        "high",
        "high_later",
        "low",
        "contacted_recent",
        "nurture",
        "contacted_old",
    ]
    assert order == [ids[name] for name in expected]
    assert page.total == 8 and page.pages == 1

    second = list_leads(LeadFilters(), page=2, per_page=3)
    assert [row.id for row in second.items] == [ids[n] for n in expected[3:6]]
    assert second.pages == 3


def test_queue_filters(db_url):
    staff = create_staff_user("coach@school.be", "hash")
    a = save_lead(
        lead_input(
            sender_id="tg-a",
            first_name="Anna",
            campus="ghent",
            language="nl",
            campaign="gent-lan-7f3k",
        )
    ).lead_id
    b = save_lead(
        lead_input(
            sender_id="tg-b",
            first_name="Bilal",
            campus="liege",
            language="fr",
            qualified=False,
            status="nurture",
            contact="+32470111222",
            contact_kind="phone",
        )
    ).lead_id
    c = save_lead(
        lead_input(
            sender_id="tg-c",
            first_name="Chloé",
            campus="ghent",
            language="en",
            campaign="other-code",
        )
    ).lead_id
    lead_c = get_lead(c)
    assign(c, staff.id, expected_version=lead_c.version, actor_id=staff.id)
    _set_times(a, created_at=datetime(2025, 3, 1, 12, tzinfo=UTC))
    _set_times(b, created_at=datetime(2025, 3, 2, 23, 59, tzinfo=UTC))
    _set_times(c, created_at=datetime(2025, 3, 3, 0, 0, tzinfo=UTC))

    def ids(**filters):
        return sorted(row.id for row in list_leads(LeadFilters(**filters), 1, 50).items)

    assert ids(status="nurture") == [b]
    assert ids(campus="ghent") == [a, c]
    assert ids(language="fr") == [b]
    assert ids(campaign="gent-lan-7f3k") == [a]
    assert ids(qualified=True) == [a, c]
    assert ids(qualified=False) == [b]
    assert ids(date_from=date(2025, 3, 2), date_to=date(2025, 3, 2)) == [b]
    assert ids(date_from=date(2025, 3, 2)) == [b, c]
    assert ids(date_to=date(2025, 3, 1)) == [a]
    assert ids(assigned_to=staff.id) == [c]
    assert ids(unassigned=True) == [a, b]
    assert ids(search="aNNa") == [a]
    assert ids(search="chlo") == [c]
    assert ids(search="470111") == [b]
    assert ids(search="EXAMPLE.org") == [a, c]
    assert ids(campus="ghent", language="nl", search="ann") == [a]

    counts = status_counts(LeadFilters(campus="ghent", status="nurture"))
    assert counts["new"] == 2 and counts["nurture"] == 0 and counts["enrolled"] == 0
    assert status_counts()["nurture"] == 1


def test_search_treats_like_wildcards_literally(db_url):
    plain = save_lead(
        lead_input(sender_id="tg-p", first_name="Sam", contact="sam@example.org")
    ).lead_id
    odd = save_lead(
        lead_input(sender_id="tg-o", first_name="100% motivated_me", contact="x\\y@example.org")
    ).lead_id

    def ids(search):
        return sorted(r.id for r in list_leads(LeadFilters(search=search), 1, 50).items)

    assert ids("%") == [odd]
    assert ids("_") == [odd]
    assert ids("d_m") == [odd]
    assert ids("s_m") == []  # "_" is not a one-character wildcard
    assert ids("\\") == [odd]
    assert ids("' OR 1=1 --") == []
    assert ids("sam") == [plain]


def test_status_changes_are_audited_without_personal_data(db_url):
    staff = create_staff_user("coach@school.be", "hash")
    lead = get_lead(save_lead(lead_input()).lead_id)
    change_status(lead.id, "contacted", expected_version=lead.version, actor_id=staff.id)
    messages = [a.message for a in list_audit(target=f"lead {lead.id}")]
    assert f"lead {lead.id} status changed (new → contacted)" in messages
    assert f"lead {lead.id} saved" in messages
    with session_scope() as session:
        assert session.scalar(select(func.count(StatusChange.id))) == 2
    for entry in list_audit():
        text = f"{entry.actor} {entry.action} {entry.target} {entry.detail}"
        assert "Amina" not in text and "amina@example.org" not in text
