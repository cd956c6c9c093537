"""Staff accounts, lock-out bookkeeping, API tokens (hash only) and campaigns."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leads import repository as repo
from leads.db import session_scope
from leads.models import ApiToken

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_staff_users_are_unique_by_normalised_email(db_url):
    admin = repo.create_staff_user("  Admin@School.BE ", "argon2-hash", role="admin")
    assert (admin.email, admin.role, admin.active) == ("admin@school.be", "admin", True)
    with pytest.raises(repo.DuplicateStaff):
        repo.create_staff_user("admin@school.be", "other")
    found = repo.get_staff_by_email("ADMIN@school.be")
    assert found.id == admin.id and found.password_hash == "argon2-hash"
    assert "argon2-hash" not in repr(found)
    repo.set_password_hash(admin.id, "new-hash")
    assert repo.get_staff(admin.id).password_hash == "new-hash"
    assert [s.email for s in repo.list_staff()] == ["admin@school.be"]
    with pytest.raises(repo.InvalidValue):
        repo.create_staff_user("x@y.be", "hash", role="root")


def test_lockout_after_repeated_failures_and_reset_on_success(db_url):
    staff = repo.create_staff_user("coach@school.be", "hash")
    now = datetime(2025, 5, 1, 10, tzinfo=UTC)
    for _ in range(4):
        row = repo.record_login_failure(staff.id, now=now)
    assert row.failed_logins == 4 and not row.is_locked(now)
    row = repo.record_login_failure(staff.id, now=now)
    assert row.is_locked(now) and row.locked_until == now + timedelta(minutes=15)
    assert not row.is_locked(now + timedelta(minutes=16))
    row = repo.record_login_success(staff.id)
    assert row.failed_logins == 0 and row.locked_until is None


def test_api_tokens_store_only_a_hash(db_url):
    staff = repo.create_staff_user("crm@school.be", "hash")
    plaintext, token = repo.create_api_token(staff.id, "CRM sync")
    assert plaintext.startswith("psl_") and len(plaintext) > 40

    with session_scope() as session:
        stored = session.scalar(select(ApiToken))
        columns = [str(getattr(stored, c.key)) for c in ApiToken.__table__.columns]
    assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert not any(plaintext in value or plaintext[4:] in value for value in columns)

    assert repo.verify_api_token(plaintext).id == staff.id
    assert repo.list_api_tokens(staff.id)[0].last_used_at is not None
    assert repo.verify_api_token(plaintext + "x") is None
    assert repo.verify_api_token("") is None
    assert repo.revoke_api_token(token.id) is True
    assert repo.verify_api_token(plaintext) is None
    assert repo.revoke_api_token(token.id) is False


def test_tokens_of_a_deactivated_user_stop_working(db_url):
    staff = repo.create_staff_user("gone@school.be", "hash")
    plaintext, _token = repo.create_api_token(staff.id, "old")
    repo.set_staff_active(staff.id, False)
    assert repo.verify_api_token(plaintext) is None


def test_generated_campaign_codes_are_readable_and_not_guessable():
    codes = {repo.generate_campaign_code("LAN party", "Gent") for _ in range(300)}
    assert len(codes) > 250  # 31^4 possible suffixes
    for code in codes:
        assert CODE_RE.match(code)
        assert code.startswith("gent-lan-party-")
        suffix = code.rsplit("-", 1)[1]
        assert len(suffix) == 4 and not set(suffix) & set("01ilo")
    assert repo.generate_campaign_code("Journée portes ouvertes", "Liège").startswith(
        "liege-journee-portes-ouvertes-"
    )
    assert CODE_RE.match(repo.generate_campaign_code("🎮" * 40, "!!!"))
    assert len(repo.generate_campaign_code("x" * 300, "y" * 300)) <= 64


def test_campaigns_create_update_list(db_url):
    staff = repo.create_staff_user("outreach@school.be", "hash")
    poster = repo.create_campaign("Poster youth centre", "poster", "Charleroi", created_by=staff.id)
    lan = repo.create_campaign("LAN", "tournament", "Gent", code="gent-lan-7f3k")
    assert CODE_RE.match(poster.code) and poster.code.startswith("charleroi-")
    assert poster.created_by == staff.id and poster.active
    with pytest.raises(repo.DuplicateCampaign):
        repo.create_campaign("Copy", "event", code="gent-lan-7f3k")
    with pytest.raises(repo.InvalidValue):
        repo.create_campaign("Bad", "event", code="has space")
    with pytest.raises(repo.InvalidValue):
        repo.create_campaign("Bad kind", "billboard")

    updated = repo.update_campaign(lan.id, name="LAN 2025", active=False, notes="200 people")
    assert (updated.code, updated.name, updated.active) == ("gent-lan-7f3k", "LAN 2025", False)
    assert repo.get_campaign_by_code("gent-lan-7f3k").notes == "200 people"
    assert repo.get_campaign_by_code("nope") is None
    assert {c.code for c in repo.list_campaigns()} == {poster.code, lan.code}
    assert [c.code for c in repo.list_campaigns(include_inactive=False)] == [poster.code]
