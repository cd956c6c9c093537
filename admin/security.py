"""Who may do what: sessions, CSRF tokens, API tokens, roles and login throttling.

Every route goes through `auth_guard` and `csrf_guard` (app-wide dependencies, see app.py),
so a new page is protected without anyone remembering to protect it:
- `/login`, `/health` (and the static files, which are not routes of the app) are public;
- `/api/...` needs `Authorization: Bearer <token>` (cookies are ignored there, so the API
  needs no CSRF token);
  a read-only token may only read (GET); anything else gets 403;
- everything else needs a session of an active staff user that is still current: opened
  less than `session_absolute_hours` ago (sliding renewal of the cookie never extends
  that), with the user's current session generation (logout, a password change or reset
  bump it, so every older cookie stops working) and password; and every state-changing
  request needs the session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from admin.passwords import fingerprint
from admin.settings import AdminSettings
from leads.rows import ApiAccess, StaffRow
from leads.staff import end_sessions, get_staff, verify_api_token

PUBLIC_PATHS = frozenset({"/login", "/health"})
API_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_COOKIE = "passerelle_session"

# Session keys
USER_ID = "uid"
CREDENTIAL_TAG = "pwf"
GENERATION = "gen"
LOGGED_IN_AT = "iat"  # seconds since the epoch, set at login only
CSRF = "csrf"


class NotAuthenticated(Exception):
    """No valid session: pages redirect to the login, other requests get 401."""


class ApiNotAuthenticated(Exception):
    """No valid API token."""


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token."""


# --- sessions and the current user -------------------------------------------------------


def now_s() -> float:
    return time.time()


def start_session(request: Request, staff: StaffRow, logged_in_at: float | None = None) -> None:
    """A fresh session for `staff` (anything from before the login is dropped).

    `logged_in_at` keeps the absolute lifetime of the session being replaced (after a
    password change), so nothing but a new login starts a new lifetime."""
    request.session.clear()
    request.session[USER_ID] = staff.id
    request.session[CREDENTIAL_TAG] = fingerprint(staff.password_hash)
    request.session[GENERATION] = staff.session_generation
    request.session[LOGGED_IN_AT] = int(logged_in_at if logged_in_at is not None else now_s())
    request.session[CSRF] = secrets.token_urlsafe(32)


def end_session(request: Request, staff: StaffRow) -> None:
    """Log out: this cookie, and any copy of any cookie of this user, stops working."""
    end_sessions(staff.id)
    request.session.clear()


def session_logged_in_at(request: Request) -> float | None:
    value = request.session.get(LOGGED_IN_AT)
    return float(value) if isinstance(value, int | float) else None


def session_user(request: Request) -> StaffRow | None:
    """The logged-in staff user, if the session is current and the account still usable."""
    user_id = request.session.get(USER_ID)
    logged_in_at = session_logged_in_at(request)
    if not isinstance(user_id, int) or logged_in_at is None:
        return None
    settings: AdminSettings = request.app.state.settings
    age_s = now_s() - logged_in_at
    if not 0 <= age_s < settings.session_absolute_hours * 3600:
        return None
    staff = get_staff(user_id)
    if staff is None or not staff.active:
        return None
    if request.session.get(GENERATION) != staff.session_generation:
        return None  # logged out, or the password changed, since this session began
    if request.session.get(CREDENTIAL_TAG) != fingerprint(staff.password_hash):
        return None
    return staff


def bearer_access(request: Request) -> ApiAccess | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return verify_api_token(token.strip())


async def auth_guard(request: Request) -> None:
    """App-wide: only public paths answer without a session (or, under /api/, a token).

    The database is read in the threadpool, never on the event loop, and public paths need
    no thread at all: a stalled database (even one that holds every thread) must not stall
    /health or any request that does not need it."""
    path = request.url.path
    if path in PUBLIC_PATHS:
        return
    if path.startswith(API_PREFIX):
        access = await run_in_threadpool(bearer_access, request)
        if access is None:
            raise ApiNotAuthenticated()
        if access.token.read_only and request.method not in SAFE_METHODS:
            raise HTTPException(
                status_code=403,
                detail="This API token is read-only: it can read, not change. Create a "
                "read-write token on the Account page to make changes.",
            )
        user = access.staff
    else:
        signed_in = await run_in_threadpool(session_user, request)
        if signed_in is None:
            request.session.pop(USER_ID, None)
            raise NotAuthenticated()
        user = signed_in
    request.state.user = user


def current_user(request: Request) -> StaffRow:
    user = getattr(request.state, "user", None)
    if user is None:  # a route outside the guard's reach: refuse rather than guess
        raise NotAuthenticated()
    return user


def require_admin(user: StaffRow = Depends(current_user)) -> StaffRow:
    if user.role != "admin":
        raise HTTPException(status_code=403, detail="Only an admin may do this.")
    return user


# --- CSRF ---------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use, e.g. for the login form)."""
    token = request.session.get(CSRF)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[CSRF] = token
    return token


async def csrf_guard(request: Request) -> None:
    """App-wide: a state-changing request must carry the session's CSRF token."""
    if request.method in SAFE_METHODS or request.url.path.startswith(API_PREFIX):
        return
    expected = request.session.get(CSRF)
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and _is_form(request):
        value = (await request.form()).get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not (
        isinstance(expected, str)
        and submitted
        and secrets.compare_digest(expected.encode(), submitted.encode())
    ):
        raise CsrfRejected()


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


# --- login throttling ---------------------------------------------------------------------


@dataclass
class LoginThrottle:
    """Failed logins per client address, in memory (the per-account lock-out is in the
    database, through `record_login_failure`)."""

    max_failures: int = 20
    window_s: float = 15 * 60

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str, now: float | None = None) -> bool:
        with self._lock:
            return len(self._recent(address, now)) >= self.max_failures

    def failed(self, address: str, now: float | None = None) -> None:
        with self._lock:
            self._recent(address, now).append(now or time.monotonic())

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def _recent(self, address: str, now: float | None) -> deque[float]:
        now = now or time.monotonic()
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if len(self._failures) > 10_000:  # a flood of addresses must not grow memory forever
            for stale in [a for a, f in self._failures.items() if not f and a != address]:
                del self._failures[stale]
        return failures


def client_address(request: Request) -> str:
    """The caller's address (run uvicorn with --proxy-headers behind a reverse proxy)."""
    return request.client.host if request.client else "unknown"
