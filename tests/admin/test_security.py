"""Security of the dashboard: authentication on every route, CSRF, escaping, CSV formula
neutralisation, login throttling and lock-out, roles, session and cookie hygiene."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from admin.__main__ import main as admin_cli
from admin.app import create_app
from admin.security import SESSION_COOKIE
from admin.settings import AdminSettings, ConfigurationError
from leads.campaigns import create_campaign, get_campaign
from leads.lead_queue import add_note, get_lead, get_lead_by_sender
from leads.lead_store import save_lead
from leads.models import utcnow
from leads.staff import create_api_token, get_staff, revoke_api_token, set_staff_active
from tests.admin.conftest import csrf_of, log_in
from tests.leads.helpers import lead_input

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/health")}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
XSS_NAME = "<script>alert('name')</script>"
XSS_MOTIVATION = "Ik wil coderen <img src=x onerror=alert('motivation')> echt waar"


def api_routes(routes, prefix: str = "") -> list[tuple[str, APIRoute]]:
    """Every APIRoute under `routes`, with the prefix it is served under. FastAPI keeps an
    included router as one entry pointing at the original router, so we walk into those."""
    found = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context_prefix = getattr(getattr(route, "include_context", None), "prefix", "")
            found += api_routes(included.routes, prefix + (context_prefix or ""))
        elif isinstance(route, APIRoute):
            found.append((prefix, route))
    return found


def app_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route the app answers, path parameters filled with 1."""
    found = []
    for prefix, route in api_routes(app.routes):
        path = re.sub(r"\{[^}]+\}", "1", prefix + route.path)
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, path))
    return found


def test_every_route_is_refused_without_a_session(app, client: TestClient) -> None:
    routes = app_routes(app)
    assert len(routes) >= 25, routes  # the enumeration really sees the app's routes
    checked = 0
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        for accept in ("text/html", "application/json"):
            response = client.request(method, path, headers={"accept": accept})
            if method == "GET" and accept == "text/html" and not path.startswith("/api/"):
                assert response.status_code == 303, (method, path, response.status_code)
                assert response.headers["location"].startswith("/login?next="), (method, path)
            else:
                assert response.status_code == 401, (method, path, response.status_code)
            assert "amina" not in response.text.lower()
            checked += 1
    assert checked >= 2 * (len(routes) - len(PUBLIC))


def test_public_routes_are_only_login_and_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/login").status_code == 200
    assert client.get("/static/dashboard.css").status_code == 200


def test_a_forged_or_foreign_session_cookie_is_refused(client: TestClient, accounts) -> None:
    forged = TimestampSigner("not-our-key").sign(b'{"uid": 1, "pwf": "x", "csrf": "y"}')
    client.cookies.set(SESSION_COOKIE, forged.decode())
    response = client.get("/leads", headers={"accept": "application/json"})
    assert response.status_code == 401


def test_the_api_needs_a_valid_bearer_token(admin_client: TestClient, accounts) -> None:
    # The dashboard session does not open the API (no cookie-based CSRF surface there).
    assert admin_client.get("/api/leads").status_code == 401
    plaintext, token = create_api_token(accounts["staff"].id, "crm")
    headers = {"authorization": f"Bearer {plaintext}"}
    assert admin_client.get("/api/leads", headers=headers).status_code == 200
    bad = {"authorization": f"Bearer {plaintext[:-2]}xx"}
    assert admin_client.get("/api/leads", headers=bad).status_code == 401
    revoke_api_token(token.id)
    assert admin_client.get("/api/leads", headers=headers).status_code == 401


# --- CSRF ---------------------------------------------------------------------------------


def unsafe_routes(app) -> list[tuple[str, str]]:
    return [(m, p) for m, p in app_routes(app) if m in UNSAFE and not p.startswith("/api/")]


@pytest.mark.parametrize("token", [None, "", "forged-token-" + "x" * 40])
def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(
    app, admin_client: TestClient, token: str | None
) -> None:
    save_lead(lead_input("tg-1"))
    routes = unsafe_routes(app)
    assert len(routes) >= 12, routes
    for method, path in routes:
        data = {"version": "1", "status": "contacted", "text": "hi", "confirm": "erase"}
        if token is not None:
            data["csrf_token"] = token
        response = admin_client.request(method, path, data=data, headers={"accept": "text/html"})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "security token" in response.text
    lead = get_lead_by_sender("tg-1")
    assert lead is not None and lead.status == "new" and not lead.notes


def test_a_csrf_header_works_for_scripts_and_a_wrong_one_does_not(
    admin_client: TestClient,
) -> None:
    message = {"sender": "try-0123456789ab", "language": "fr", "text": "salut"}
    good = admin_client.post(
        "/try/message", json=message, headers={"x-csrf-token": admin_client.csrf}
    )
    assert good.status_code == 503  # accepted (and Rasa is down in this suite)
    assert "not answering right now" in good.json()["error"]
    bad = admin_client.post("/try/message", json=message, headers={"x-csrf-token": "nope"})
    assert bad.status_code == 403
    telegram_chat = {**message, "sender": "tg-42"}  # only try- conversations from here
    refused = admin_client.post(
        "/try/message", json=telegram_chat, headers={"x-csrf-token": admin_client.csrf}
    )
    assert refused.status_code == 422


def test_login_itself_needs_the_csrf_token(client: TestClient, accounts) -> None:
    admin = accounts["admin"]
    response = client.post("/login", data={"email": admin.email, "password": admin.password})
    assert response.status_code == 403
    assert client.get("/leads", headers={"accept": "application/json"}).status_code == 401


# --- escaping and CSV injection -----------------------------------------------------------


def test_html_in_names_and_motivation_is_escaped_everywhere(admin_client: TestClient) -> None:
    save_lead(lead_input("tg-7", first_name=XSS_NAME, motivation=XSS_MOTIVATION))
    lead = get_lead_by_sender("tg-7")
    add_note(lead.id, "<b>bold?</b> <script>alert('note')</script>", None)
    campaign = create_campaign("<script>alert('campaign')</script>", "poster")

    pages = {
        "queue": admin_client.get("/leads").text,
        "search": admin_client.get("/leads", params={"q": "<script>"}).text,
        "lead": admin_client.get(f"/leads/{lead.id}").text,
        "campaigns": admin_client.get("/campaigns").text,
        "campaign": admin_client.get(f"/campaigns/{campaign.id}").text,
        "qr.svg": admin_client.get(f"/campaigns/{campaign.id}/qr.svg").text,
    }
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in pages["queue"]
    assert "&lt;script&gt;" in pages["search"]
    assert "&lt;img src=x onerror=alert(&#39;motivation&#39;)&gt;" in pages["lead"]
    assert "&lt;b&gt;bold?&lt;/b&gt;" in pages["lead"]
    assert "&lt;script&gt;alert(&#39;campaign&#39;)" in pages["campaigns"]
    assert "&lt;script&gt;alert('campaign')&lt;/script&gt;" in pages["qr.svg"]


def test_csv_export_neutralises_formulas(admin_client: TestClient) -> None:
    save_lead(
        lead_input(
            "tg-8",
            first_name='=HYPERLINK("http://evil")',
            motivation="+cmd|' /C calc'!A0",
            contact="@SUM(1+1)",
        )
    )
    save_lead(lead_input("tg-9", first_name="-2+3", motivation=XSS_MOTIVATION))
    response = admin_client.get("/leads/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {row["sender_id"] for row in rows} == {"tg-8", "tg-9"}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    by_sender = {row["sender_id"]: row for row in rows}
    assert by_sender["tg-8"]["first_name"] == '\'=HYPERLINK("http://evil")'
    assert by_sender["tg-9"]["first_name"] == "'-2+3"


# --- login throttling and lock-out --------------------------------------------------------


def test_five_wrong_passwords_lock_the_account(client: TestClient, accounts) -> None:
    admin = accounts["admin"]
    token = csrf_of(client)
    for _ in range(5):
        wrong = client.post(
            "/login", data={"email": admin.email, "password": "guess-123456", "csrf_token": token}
        )
        assert wrong.status_code == 401
        assert "match an active account" in wrong.text
    locked = get_staff(admin.id)
    assert locked.is_locked()
    assert locked.locked_until > utcnow() + timedelta(minutes=14)
    right = client.post(
        "/login", data={"email": admin.email, "password": admin.password, "csrf_token": token}
    )
    assert right.status_code == 401  # even the right password waits for the lock to end
    assert "match an active account" in right.text  # the same text: nothing to learn
    # Another account is not affected.
    other = TestClient(client.app, follow_redirects=False)
    log_in(other, accounts["staff"])
    # An admin's reset lifts the lock.
    assert (
        admin_cli(["reset-password", "--email", admin.email, "--password", "a-brand-new-pass"]) == 0
    )
    assert not get_staff(admin.id).is_locked()


def test_many_failures_from_one_address_are_blocked(client: TestClient, accounts) -> None:
    token = csrf_of(client)
    for number in range(8):  # settings.ip_max_failures
        response = client.post(
            "/login",
            data={
                "email": f"nobody{number}@example.org",
                "password": "whatever-123",
                "csrf_token": token,
            },
        )
        assert response.status_code == 401
    staff = accounts["staff"]
    blocked = client.post(
        "/login", data={"email": staff.email, "password": staff.password, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.text


def test_unknown_and_deactivated_accounts_get_the_generic_answer(
    client: TestClient, accounts
) -> None:
    token = csrf_of(client)
    set_staff_active(accounts["staff"].id, False)
    for email, password in (
        ("ghost@example.org", "whatever-123"),
        (accounts["staff"].email, accounts["staff"].password),
    ):
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401 and "match an active account" in response.text


def test_open_redirects_after_login_are_refused(client: TestClient, accounts) -> None:
    admin = accounts["admin"]
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={
            "email": admin.email,
            "password": admin.password,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/leads"


# --- roles --------------------------------------------------------------------------------


def test_staff_cannot_do_admin_things(staff_client: TestClient, accounts) -> None:
    save_lead(lead_input("tg-5"))
    lead = get_lead_by_sender("tg-5")
    campaign = create_campaign("Poster Gent", "poster", "Gent")
    token = staff_client.csrf
    attempts = [
        ("POST", f"/leads/{lead.id}/erase", {"confirm": "erase"}),
        ("POST", "/campaigns", {"name": "Mine", "kind": "poster"}),
        ("POST", f"/campaigns/{campaign.id}", {"name": "Renamed", "kind": "event"}),
        ("POST", f"/campaigns/{campaign.id}/active", {"active": "0"}),
        ("GET", "/campaigns/new", {}),
        ("GET", "/audit", {}),
    ]
    for method, path, data in attempts:
        if method == "POST":
            response = staff_client.post(path, data={**data, "csrf_token": token})
        else:
            response = staff_client.get(path)
        assert response.status_code == 403, (path, response.status_code)
    assert get_lead(lead.id) is not None
    assert get_campaign(campaign.id).name == "Poster Gent"
    assert get_campaign(campaign.id).active
    # ...but the QR code of a campaign is for everyone.
    assert staff_client.get(f"/campaigns/{campaign.id}/qr.png").status_code == 200


# --- sessions and headers -----------------------------------------------------------------


def test_cookies_and_headers(client: TestClient, accounts) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"

    https = AdminSettings(secret_key="s" * 40, dashboard_url="https://admin.example.org")
    with TestClient(create_app(https), base_url="https://testserver") as secure_client:
        secure = secure_client.get("/login")
        assert "secure" in secure.headers["set-cookie"].lower()
        assert "max-age=31536000" in secure.headers["strict-transport-security"]


def test_a_password_reset_ends_existing_sessions(admin_client: TestClient, accounts) -> None:
    assert admin_client.get("/leads").status_code == 200
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
    response = admin_client.get("/leads", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_logout_ends_the_session(admin_client: TestClient) -> None:
    response = admin_client.post("/logout", data={"csrf_token": admin_client.csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert admin_client.get("/leads", headers={"accept": "application/json"}).status_code == 401


def test_no_secret_key_in_production_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="ADMIN_SECRET_KEY"):
        AdminSettings.from_env({"DASHBOARD_URL": "https://admin.example.org"})
    with pytest.raises(ConfigurationError, match="ADMIN_SECRET_KEY"):
        AdminSettings.from_env({"PASSERELLE_ENV": "production"})
    with pytest.raises(ConfigurationError, match="too short"):
        AdminSettings.from_env({"PASSERELLE_ENV": "production", "ADMIN_SECRET_KEY": "short"})
    local = AdminSettings.from_env({})  # on a laptop: a throwaway key, with a warning
    assert len(local.secret_key) >= 32
    assert AdminSettings.from_env({}).secret_key != local.secret_key


def test_every_page_asset_is_local(admin_client: TestClient) -> None:
    for path in ("/leads", "/campaigns", "/funnel", "/try", "/account", "/docs", "/login"):
        html = admin_client.get(path).text
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert url.startswith(("/", "#", "?")), (path, url)
