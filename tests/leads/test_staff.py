"""Staff accounts, lock-out bookkeeping, API tokens (hash only) and campaigns."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leads.campaigns import (
    DuplicateCampaign,
    create_campaign,
    generate_campaign_code,
    get_campaign_by_code,
    list_campaigns,
    update_campaign,
)
from leads.db import session_scope
from leads.models import ApiToken, utcnow
from leads.staff import (
    DuplicateStaff,
    create_api_token,
    create_staff_user,
    end_sessions,
    get_staff,
    get_staff_by_email,
    list_api_tokens,
    list_staff,
    record_login_failure,
    record_login_success,
    revoke_api_token,
    set_password_hash,
    set_staff_active,
    verify_api_token,
)
from leads.validation import InvalidValue

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_staff_users_are_unique_by_normalised_email(db_url):
    admin = create_staff_user("  Admin@School.BE ", "argon2-hash", role="admin")
    assert (admin.email, admin.role, admin.active) == ("admin@school.be", "admin", True)
    with pytest.raises(DuplicateStaff):
        create_staff_user("admin@school.be", "other")
    found = get_staff_by_email("ADMIN@school.be")
    assert found.id == admin.id and found.password_hash == "argon2-hash"
    assert "argon2-hash" not in repr(found)
    set_password_hash(admin.id, "new-hash")
    assert get_staff(admin.id).password_hash == "new-hash"
    assert [s.email for s in list_staff()] == ["admin@school.be"]
    with pytest.raises(InvalidValue):
        create_staff_user("x@y.be", "hash", role="root")


def test_lockout_after_repeated_failures_and_reset_on_success(db_url):
    staff = create_staff_user("coach@school.be", "hash")
    now = datetime(2025, 5, 1, 10, tzinfo=UTC)
    for _ in range(4):
        row = record_login_failure(staff.id, now=now)
    assert row.failed_logins == 4 and not row.is_locked(now)
    row = record_login_failure(staff.id, now=now)
    assert row.is_locked(now) and row.locked_until == now + timedelta(minutes=15)
    assert not row.is_locked(now + timedelta(minutes=16))
    row = record_login_success(staff.id)
    assert row.failed_logins == 0 and row.locked_until is None


def test_api_tokens_store_only_a_hash(db_url):
    staff = create_staff_user("crm@school.be", "hash")
    plaintext, token = create_api_token(staff.id, "CRM sync")
    assert plaintext.startswith("psl_") and len(plaintext) > 40

    with session_scope() as session:
        stored = session.scalar(select(ApiToken))
        columns = [str(getattr(stored, c.key)) for c in ApiToken.__table__.columns]
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert not any(plaintext in value or plaintext[4:] in value for value in columns)

    assert verify_api_token(plaintext).staff.id == staff.id
    assert list_api_tokens(staff.id)[0].last_used_at is not None
    assert verify_api_token(plaintext + "x") is None
    assert verify_api_token("") is None
    assert revoke_api_token(token.id) is True
    assert verify_api_token(plaintext) is None
    assert revoke_api_token(token.id) is False


def test_tokens_of_a_deactivated_user_stop_working(db_url):
    staff = create_staff_user("gone@school.be", "hash")
    plaintext, _token = create_api_token(staff.id, "old")
    set_staff_active(staff.id, False)
    assert verify_api_token(plaintext) is None


def test_a_token_expires_and_carries_its_scope(db_url):
    staff = create_staff_user("reader@school.be", "hash")
    now = utcnow()
    plaintext, token = create_api_token(
        staff.id, "reporting", scope="read_only", expires_at=now + timedelta(days=30)
    )
    access = verify_api_token(plaintext, now=now + timedelta(days=29))
    assert access.token.id == token.id and access.token.read_only
    assert verify_api_token(plaintext, now=now + timedelta(days=30, seconds=1)) is None
    assert not list_api_tokens(staff.id)[0].is_usable(now + timedelta(days=31))
    forever, _ = create_api_token(staff.id, "sync")
    assert not verify_api_token(forever, now=now + timedelta(days=3650)).token.read_only
    with pytest.raises(InvalidValue):
        create_api_token(staff.id, "x", scope="admin")
    with pytest.raises(InvalidValue):
        create_api_token(staff.id, "x", expires_at=now - timedelta(minutes=1))


def test_a_new_password_revokes_tokens_and_ends_sessions(db_url):
    staff = create_staff_user("reset@school.be", "hash")
    first, _ = create_api_token(staff.id, "crm")
    second, _ = create_api_token(staff.id, "ats", scope="read_only")
    other = create_staff_user("other@school.be", "hash")
    kept, _ = create_api_token(other.id, "theirs")
    generation = get_staff(staff.id).session_generation
    set_password_hash(staff.id, "new-hash")
    assert verify_api_token(first) is None and verify_api_token(second) is None
    assert verify_api_token(kept) is not None  # someone else's token is not touched
    assert all(t.revoked_at is not None for t in list_api_tokens(staff.id))
    assert get_staff(staff.id).session_generation == generation + 1
    assert end_sessions(staff.id) == generation + 2
    assert get_staff(other.id).session_generation == 0


def test_generated_campaign_codes_are_readable_and_not_guessable():
    codes = {generate_campaign_code("LAN party", "Gent") for _ in range(300)}
    assert len(codes) > 250  # 31^4 possible suffixes
    for code in codes:
        assert CODE_RE.match(code)
        assert code.startswith("gent-lan-party-")
        suffix = code.rsplit("-", 1)[1]
        assert len(suffix) == 4 and not set(suffix) & set("01ilo")
    assert generate_campaign_code("Journée portes ouvertes", "Liège").startswith(
        "liege-journee-portes-ouvertes-"
    )
    assert CODE_RE.match(generate_campaign_code("🎮" * 40, "!!!"))
    assert len(generate_campaign_code("x" * 300, "y" * 300)) <= 64


def test_campaigns_create_update_list(db_url):
    staff = create_staff_user("outreach@school.be", "hash")
    poster = create_campaign("Poster youth centre", "poster", "Charleroi", created_by=staff.id)
    lan = create_campaign("LAN", "tournament", "Gent", code="gent-lan-7f3k")
    assert CODE_RE.match(poster.code) and poster.code.startswith("charleroi-")
    assert poster.created_by == staff.id and poster.active
    with pytest.raises(DuplicateCampaign):
        create_campaign("Copy", "event", code="gent-lan-7f3k")
    with pytest.raises(InvalidValue):
        create_campaign("Bad", "event", code="has space")
    with pytest.raises(InvalidValue):
        create_campaign("Bad kind", "billboard")

    updated = update_campaign(lan.id, name="LAN 2025", active=False, notes="200 people")
    assert (updated.code, updated.name, updated.active) == ("gent-lan-7f3k", "LAN 2025", False)
    assert get_campaign_by_code("gent-lan-7f3k").notes == "200 people"
    assert get_campaign_by_code("nope") is None
    assert {c.code for c in list_campaigns()} == {poster.code, lan.code}
    assert [c.code for c in list_campaigns(include_inactive=False)] == [poster.code]
