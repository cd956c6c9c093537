"""Sessions really end (logout, password change or reset, an absolute lifetime from the login)
and API tokens have an expiry, a read-only scope, and die with a password reset."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import update

from admin import security
from admin.__main__ import main as admin_cli
from admin.app import create_app
from admin.security import SESSION_COOKIE
from leads.db import session_scope
from leads.lead_queue import get_lead_by_sender
from leads.lead_store import save_lead
from leads.models import ApiToken, utcnow
from leads.staff import create_api_token, list_api_tokens
from tests.admin.conftest import csrf_of, log_in
from tests.leads.helpers import lead_input

HTML = {"accept": "text/html"}
JSON = {"accept": "application/json"}


def replay(app, cookie: str) -> TestClient:
    """Another browser that only has a copy of `cookie` (e.g. a stolen one)."""
    thief = TestClient(app, follow_redirects=False)
    thief.cookies.set(SESSION_COOKIE, cookie)
    return thief


def assert_logged_out(client: TestClient, path: str = "/leads") -> None:
    page = client.get(path, headers=HTML)
    assert page.status_code == 303, page.status_code
    assert page.headers["location"] == f"/login?next={path}"
    assert client.get(path, headers=JSON).status_code == 401


def test_a_cookie_saved_before_logout_is_refused_after_it(app, admin_client) -> None:
    saved = admin_client.cookies[SESSION_COOKIE]
    csrf = admin_client.csrf
    assert replay(app, saved).get("/leads", headers=HTML).status_code == 200
    logout = admin_client.post("/logout", data={"csrf_token": csrf})
    assert logout.status_code == 303
    thief = replay(app, saved)
    assert_logged_out(thief)
    assert_logged_out(thief, "/account")
    save_lead(lead_input("tg-1"))
    lead = get_lead_by_sender("tg-1")
    note = thief.post(f"/leads/{lead.id}/notes", data={"text": "hi", "csrf_token": csrf})
    assert note.status_code == 401 and not get_lead_by_sender("tg-1").notes


def test_logout_ends_every_session_of_that_account_only(
    app, admin_client, staff_client, accounts
) -> None:
    laptop = TestClient(app, follow_redirects=False)
    log_in(laptop, accounts["admin"])
    admin_client.post("/logout", data={"csrf_token": admin_client.csrf})
    assert_logged_out(laptop)  # the same person's other device
    assert staff_client.get("/leads", headers=HTML).status_code == 200  # a colleague stays
    log_in(laptop, accounts["admin"])  # logging in again works at once
    assert laptop.get("/leads", headers=HTML).status_code == 200


def test_a_password_change_ends_the_other_sessions_not_this_one(
    app, admin_client, accounts
) -> None:
    other = TestClient(app, follow_redirects=False)
    log_in(other, accounts["admin"])
    saved = other.cookies[SESSION_COOKIE]
    changed = admin_client.post(
        "/account/password",
        data={
            "current": accounts["admin"].password,
            "new": "a-new-long-password",
            "repeat": "a-new-long-password",
            "csrf_token": admin_client.csrf,
        },
    )
    assert changed.status_code == 303
    assert admin_client.get("/account", headers=HTML).status_code == 200
    assert_logged_out(replay(app, saved))


def test_a_password_reset_ends_sessions_and_revokes_api_tokens(app, admin_client, accounts) -> None:
    saved = admin_client.cookies[SESSION_COOKIE]
    plaintext, _token = create_api_token(accounts["admin"].id, "crm")
    bearer = {"authorization": f"Bearer {plaintext}"}
    assert admin_client.get("/api/leads", headers=bearer).status_code == 200
    assert (
        admin_cli(
            [
                "reset-password",
                "--email",
                accounts["admin"].email,
                "--password",
                "another-long-pass",
            ]
        )
        == 0
    )
    assert_logged_out(replay(app, saved))
    assert admin_client.get("/api/leads", headers=bearer).status_code == 401
    assert all(t.revoked_at is not None for t in list_api_tokens(accounts["admin"].id))


def test_a_session_ends_at_its_absolute_lifetime_however_much_it_is_used(
    accounts, settings, monkeypatch
) -> None:
    app = create_app(settings.__class__(**{**settings.__dict__, "session_absolute_hours": 2}))
    clock = {"now": 1_800_000_000.0}
    monkeypatch.setattr(security, "now_s", lambda: clock["now"])
    client = TestClient(app, follow_redirects=False)
    csrf = log_in(client, accounts["staff"])
    save_lead(lead_input("tg-1"))
    lead = get_lead_by_sender("tg-1")
    for minutes in (30, 60, 90, 119):  # a request that touches the session renews it...
        clock["now"] = 1_800_000_000.0 + minutes * 60
        note = client.post(f"/leads/{lead.id}/notes", data={"text": "x", "csrf_token": csrf})
        assert note.status_code == 303, minutes
        assert SESSION_COOKIE in note.headers.get("set-cookie", "")
        assert client.get("/leads", headers=HTML).status_code == 200, minutes
    renewed = client.cookies[SESSION_COOKIE]
    clock["now"] = 1_800_000_000.0 + 121 * 60  # ...but never past 2 h from the login
    assert_logged_out(replay(app, renewed))
    assert_logged_out(client)
    log_in(client, accounts["staff"])  # a new login starts a new lifetime
    assert client.get("/leads", headers=HTML).status_code == 200


def test_a_cookie_without_generation_or_login_time_is_refused(app, settings, accounts) -> None:
    # Signed with the real key, as a cookie from before sessions had a generation would be.
    old = {"uid": accounts["admin"].id, "csrf": "c" * 40}
    payload = base64.b64encode(json.dumps(old).encode())
    cookie = TimestampSigner(settings.secret_key).sign(payload).decode()
    assert_logged_out(replay(app, cookie))


# --- API tokens ---------------------------------------------------------------------------


def test_a_read_only_token_reads_and_gets_403_for_a_change(client, accounts) -> None:
    save_lead(lead_input("tg-1"))
    lead = get_lead_by_sender("tg-1")
    reader, _ = create_api_token(accounts["staff"].id, "reporting", scope="read_only")
    writer, _ = create_api_token(accounts["staff"].id, "crm")
    change = {"status": "contacted", "version": lead.version}

    def call(token: str, method: str, path: str, **kwargs):  # noqa: ANN202
        return client.request(method, path, headers={"authorization": f"Bearer {token}"}, **kwargs)

    assert call(reader, "GET", "/api/leads").json()["total"] == 1
    assert call(reader, "GET", f"/api/leads/{lead.id}").status_code == 200
    refused = call(reader, "POST", f"/api/leads/{lead.id}/status", json=change)
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    assert get_lead_by_sender("tg-1").status == "new"
    assert call(writer, "POST", f"/api/leads/{lead.id}/status", json=change).status_code == 200
    assert get_lead_by_sender("tg-1").status == "contacted"


def test_an_expired_token_is_refused(client, accounts) -> None:
    plaintext, token = create_api_token(
        accounts["staff"].id, "event week", expires_at=utcnow() + timedelta(days=7)
    )
    bearer = {"authorization": f"Bearer {plaintext}"}
    assert client.get("/api/leads", headers=bearer).status_code == 200
    with session_scope(write=True) as session:  # a week later
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert client.get("/api/leads", headers=bearer).status_code == 401


def test_the_account_page_makes_read_only_expiring_tokens(admin_client, accounts) -> None:
    made = admin_client.post(
        "/account/tokens",
        data={
            "name": "reporting",
            "scope": "read_only",
            "expires_days": "30",
            "csrf_token": admin_client.csrf,
        },
    )
    assert made.status_code == 200 and "Copy it now" in made.text
    [token] = list_api_tokens(accounts["admin"].id)
    assert token.read_only
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    page = admin_client.get("/account").text
    assert "read-only" in page
    for bad in ({"scope": "admin"}, {"expires_days": "0"}, {"expires_days": "soon"}):
        refused = admin_client.post(
            "/account/tokens",
            data={"name": "x", "csrf_token": csrf_of(admin_client, "/account"), **bad},
        )
        assert refused.status_code == 400 and "No token created" in refused.text
    assert len(list_api_tokens(accounts["admin"].id)) == 1
