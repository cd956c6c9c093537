"""Staff users (accounts, login failures, lock-out) and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leads.audit import record, staff_actor
from leads.db import session_scope
from leads.models import ROLES, TOKEN_SCOPES, ApiToken, StaffUser, utcnow
from leads.rows import ApiAccess, ApiTokenRow, StaffRow
from leads.validation import require

TOKEN_PREFIX = "psl_"  # noqa: S105 -- a public prefix, not a secret


class DuplicateStaff(ValueError):
    pass


def create_staff_user(email: str, password_hash: str, role: str = "staff") -> StaffRow:
    email = normalize_email(email)
    require("@" in email and len(email) <= 320, "email", email)
    require(role in ROLES, "role", role)
    try:
        with session_scope(write=True) as session:
            staff = StaffUser(
                email=email, password_hash=password_hash, role=role, created_at=utcnow()
            )
            session.add(staff)
            session.flush()
            record(session, "admin", "created", f"staff {staff.id}", role)
            return _staff_row(staff)
    except IntegrityError:
        raise DuplicateStaff(email) from None


def get_staff_by_email(email: str) -> StaffRow | None:
    with session_scope() as session:
        staff = session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
        return None if staff is None else _staff_row(staff)


def get_staff(staff_id: int) -> StaffRow | None:
    with session_scope() as session:
        staff = session.get(StaffUser, staff_id)
        return None if staff is None else _staff_row(staff)


def list_staff() -> list[StaffRow]:
    with session_scope() as session:
        return [_staff_row(s) for s in session.scalars(select(StaffUser).order_by(StaffUser.email))]


def set_password_hash(staff_id: int, password_hash: str) -> None:
    """A new password (change or reset): it also ends every dashboard session of the user and
    revokes their API tokens, so nothing opened with the old password goes on working."""
    now = utcnow()
    with session_scope(write=True) as session:
        staff = _get_staff(session, staff_id)
        staff.password_hash = password_hash
        staff.failed_logins = 0
        staff.locked_until = None
        staff.session_generation += 1
        record(session, "admin", "password set", f"staff {staff_id}", at=now)
        tokens = session.scalars(
            select(ApiToken).where(
                ApiToken.staff_user_id == staff_id, ApiToken.revoked_at.is_(None)
            )
        ).all()
        for token in tokens:
            token.revoked_at = now
            record(session, "system", "revoked", f"api token {token.id}", "password set", at=now)


def end_sessions(staff_id: int) -> int:
    """Log the user out everywhere: every session carrying the old generation stops working.
    Returns the new generation."""
    with session_scope(write=True) as session:
        staff = _get_staff(session, staff_id)
        staff.session_generation += 1
        return staff.session_generation


def set_staff_active(staff_id: int, active: bool) -> None:
    with session_scope(write=True) as session:
        _get_staff(session, staff_id).active = active
        record(session, "admin", "activated" if active else "deactivated", f"staff {staff_id}")


def set_staff_role(staff_id: int, role: str) -> None:
    require(role in ROLES, "role", role)
    with session_scope(write=True) as session:
        _get_staff(session, staff_id).role = role
        record(session, "admin", "role changed", f"staff {staff_id}", role)


def record_login_failure(
    staff_id: int,
    *,
    max_failures: int = 5,
    lock_for: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> StaffRow:
    """Count a failed login; the `max_failures`-th locks the account for `lock_for`."""
    now = now or utcnow()
    with session_scope(write=True) as session:
        staff = _get_staff(session, staff_id)
        staff.failed_logins += 1
        if staff.failed_logins >= max_failures:
            staff.locked_until = now + lock_for
            staff.failed_logins = 0
            record(session, "system", "locked out", f"staff {staff_id}", at=now)
        return _staff_row(staff)


def record_login_success(staff_id: int) -> StaffRow:
    with session_scope(write=True) as session:
        staff = _get_staff(session, staff_id)
        staff.failed_logins = 0
        staff.locked_until = None
        return _staff_row(staff)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_api_token(
    staff_id: int,
    name: str,
    *,
    scope: str = "read_write",
    expires_at: datetime | None = None,
) -> tuple[str, ApiTokenRow]:
    """A new token: the plaintext is returned once and only its SHA-256 is stored.

    `scope` "read_only" lets it only read (GET); `expires_at` None: valid until revoked."""
    name = name.strip()[:100] or "token"
    now = utcnow()
    require(scope in TOKEN_SCOPES, "scope", scope)
    require(expires_at is None or expires_at > now, "expires_at", expires_at)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session_scope(write=True) as session:
        _get_staff(session, staff_id)
        token = ApiToken(
            staff_user_id=staff_id,
            name=name,
            token_hash=_token_hash(plaintext),
            created_at=now,
            scope=scope,
            expires_at=expires_at,
        )
        session.add(token)
        session.flush()
        record(session, staff_actor(staff_id), "created", f"api token {token.id}")
        return plaintext, _token_row(token)


def verify_api_token(plaintext: str, now: datetime | None = None) -> ApiAccess | None:
    """The token and its active owner, if it is neither revoked nor expired; else None."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    with session_scope(write=True) as session:
        row = session.execute(
            select(ApiToken, StaffUser)
            .join(StaffUser, StaffUser.id == ApiToken.staff_user_id)
            .where(ApiToken.token_hash == _token_hash(plaintext), ApiToken.revoked_at.is_(None))
        ).first()
        now = now or utcnow()
        if row is None or not row.StaffUser.active:
            return None
        token, staff = row.ApiToken, row.StaffUser
        if token.expires_at is not None and token.expires_at <= now:
            return None
        # One write a minute at most, not one per API call.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            token.last_used_at = now
        return ApiAccess(staff=_staff_row(staff), token=_token_row(token))


def revoke_api_token(token_id: int, actor_id: int | None = None) -> bool:
    with session_scope(write=True) as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.revoked_at is not None:
            return False
        token.revoked_at = utcnow()
        record(session, staff_actor(actor_id), "revoked", f"api token {token_id}")
        return True


def list_api_tokens(staff_id: int | None = None) -> list[ApiTokenRow]:
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if staff_id is not None:
        query = query.where(ApiToken.staff_user_id == staff_id)
    with session_scope() as session:
        return [_token_row(t) for t in session.scalars(query)]


def _token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _get_staff(session: Session, staff_id: int) -> StaffUser:
    staff = session.get(StaffUser, staff_id)
    if staff is None:
        raise LookupError(f"no staff user {staff_id}")
    return staff


def _staff_row(s: StaffUser) -> StaffRow:
    return StaffRow(
        id=s.id,
        email=s.email,
        role=s.role,
        active=s.active,
        failed_logins=s.failed_logins,
        locked_until=s.locked_until,
        created_at=s.created_at,
        session_generation=s.session_generation,
        password_hash=s.password_hash,
    )


def _token_row(t: ApiToken) -> ApiTokenRow:
    return ApiTokenRow(
        id=t.id,
        staff_user_id=t.staff_user_id,
        name=t.name,
        created_at=t.created_at,
        revoked_at=t.revoked_at,
        last_used_at=t.last_used_at,
        expires_at=t.expires_at,
        scope=t.scope,
    )
