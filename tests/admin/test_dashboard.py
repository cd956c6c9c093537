"""The dashboard's pages and actions, in-process on a real SQLite lead store (Rasa is down
here on purpose: the browser tests run against the real stack)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from admin.__main__ import main as admin_cli
from leads.audit import list_audit
from leads.campaigns import create_campaign, get_campaign
from leads.funnel import record_funnel_event
from leads.lead_queue import get_lead
from leads.lead_store import request_handoff, save_lead
from leads.models import utcnow
from leads.staff import get_staff_by_email, list_api_tokens
from tests.admin.conftest import BOT_USERNAME
from tests.leads.helpers import lead_input


def lead_ids_in(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-lead-id="(\d+)"', html)]


def test_queue_puts_handoffs_first_then_new_leads_by_score(admin_client: TestClient) -> None:
    low = save_lead(lead_input("tg-1", first_name="Low", score=55)).lead_id
    high = save_lead(lead_input("tg-2", first_name="High", score=90)).lead_id
    nurture = save_lead(
        lead_input("tg-3", first_name="Later", score=30, qualified=False, status="nurture")
    ).lead_id
    handoff = request_handoff(
        "tg-4",
        language="nl",
        campaign=None,
        first_name="Help",
        contact="help@example.org",
        contact_kind="email",
    ).lead_id
    html = admin_client.get("/leads").text
    assert lead_ids_in(html) == [handoff, high, low, nurture]
    assert "wants a person" in html
    assert re.search(r'data-status="new">New <span class="count">3</span>', html)
    assert re.search(r'data-status="nurture">Nurture <span class="count">1</span>', html)


def test_queue_filters_search_and_pagination(admin_client: TestClient) -> None:
    save_lead(lead_input("tg-1", first_name="Amina", campus="brussels", language="fr"))
    save_lead(
        lead_input(
            "tg-2", first_name="Lotte", campus="ghent", language="nl", contact="lotte@example.org"
        )
    )
    save_lead(
        lead_input(
            "tg-3", first_name="Jamal", campus="ghent", language="fr", campaign="gent-lan-7f3k"
        )
    )
    for number in range(30):
        save_lead(
            lead_input(
                f"tg-x{number}",
                first_name=f"Many{number}",
                campus="liege",
                language="en",
                score=10 + number,
            )
        )

    def names(**params: str) -> list[str]:
        html = admin_client.get("/leads", params=params).text
        return re.findall(r'class="lead-link">([^<]+)<', html)

    assert sorted(names(campus="ghent")) == ["Jamal", "Lotte"]
    assert names(campus="ghent", language="fr") == ["Jamal"]
    assert names(q="LOTTE@example") == ["Lotte"]
    assert names(campaign="gent-lan-7f3k") == ["Jamal"]
    assert names(campus="nowhere") != []  # an unknown value is ignored, not an error
    first_page = names(campus="liege")
    second_page = names(campus="liege", page="2")
    assert len(first_page) == 25 and len(second_page) == 5
    assert first_page[0] == "Many29"  # highest score first
    assert not set(first_page) & set(second_page)
    today = utcnow().date()
    assert len(names(date_from=str(today), date_to=str(today))) == 25
    assert names(date_from=str(today + timedelta(days=1))) == []


def test_status_change_and_the_conflicting_second_save(
    admin_client: TestClient, staff_client: TestClient, accounts
) -> None:
    lead_id = save_lead(lead_input("tg-1")).lead_id
    seen = get_lead(lead_id).version
    # Both colleagues open the lead at the same version; the admin saves first.
    first = admin_client.post(
        f"/leads/{lead_id}/status",
        data={"status": "contacted", "version": seen, "csrf_token": admin_client.csrf},
    )
    assert first.status_code == 303
    second = staff_client.post(
        f"/leads/{lead_id}/status",
        data={"status": "not_suitable", "version": seen, "csrf_token": staff_client.csrf},
    )
    assert second.status_code == 409
    assert f"changed by {accounts['admin'].email} meanwhile" in second.text
    assert "Reload" in second.text
    lead = get_lead(lead_id)
    assert lead.status == "contacted"
    assert [h.to_status for h in lead.history] == ["new", "contacted"]
    assert lead.history[-1].changed_by_email == accounts["admin"].email
    page = admin_client.get(f"/leads/{lead_id}").text
    assert "Status changed" in page or "Contacted" in page


def test_notes_claim_assign_and_audit(admin_client: TestClient, accounts) -> None:
    lead_id = save_lead(lead_input("tg-1")).lead_id
    token = admin_client.csrf
    assert (
        admin_client.post(
            f"/leads/{lead_id}/notes",
            data={"text": "Called, will come to the info session", "csrf_token": token},
        ).status_code
        == 303
    )
    version = get_lead(lead_id).version
    assert (
        admin_client.post(
            f"/leads/{lead_id}/assign",
            data={"assignee": "me", "version": version, "csrf_token": token},
        ).status_code
        == 303
    )
    lead = get_lead(lead_id)
    assert lead.assigned_to == accounts["admin"].id
    assert (
        admin_client.post(
            f"/leads/{lead_id}/assign",
            data={
                "assignee": str(accounts["staff"].id),
                "version": lead.version,
                "csrf_token": token,
            },
        ).status_code
        == 303
    )
    lead = get_lead(lead_id)
    assert lead.assigned_to == accounts["staff"].id
    assert [n.text for n in lead.notes] == ["Called, will come to the info session"]
    page = admin_client.get(f"/leads/{lead_id}").text
    assert "Called, will come to the info session" in page
    assert "Rasa is not reachable" in page  # transcript falls back to the tracker store
    mine = admin_client.get("/leads", params={"assigned": "me"}).text
    assert lead_ids_in(mine) == []
    actions = [(a.actor, a.action) for a in list_audit(target=f"lead {lead_id}")]
    me = f"staff:{accounts['admin'].id}"
    assert (me, "note added") in actions and (me, "assigned") in actions
    audit_page = admin_client.get("/audit").text
    assert accounts["admin"].email in audit_page and "note added" in audit_page


def test_replies_need_a_telegram_token(admin_client: TestClient) -> None:
    lead_id = save_lead(lead_input("tg-1")).lead_id
    page = admin_client.get(f"/leads/{lead_id}").text
    assert "TELEGRAM_BOT_TOKEN" in page and 'id="reply-form"' not in page
    response = admin_client.post(
        f"/leads/{lead_id}/reply", data={"text": "Hoi!", "csrf_token": admin_client.csrf}
    )
    assert response.status_code == 200 and "TELEGRAM_BOT_TOKEN" in response.text


def test_erase_needs_the_typed_confirmation(admin_client: TestClient) -> None:
    lead_id = save_lead(lead_input("tg-1")).lead_id
    token = admin_client.csrf
    kept = admin_client.post(f"/leads/{lead_id}/erase", data={"confirm": "", "csrf_token": token})
    assert kept.status_code == 303 and get_lead(lead_id) is not None
    gone = admin_client.post(
        f"/leads/{lead_id}/erase", data={"confirm": "ERASE", "csrf_token": token}
    )
    assert gone.status_code == 303 and gone.headers["location"] == "/leads"
    assert get_lead(lead_id) is None
    assert [a.message for a in list_audit(target=f"lead {lead_id}")] == [f"lead {lead_id} erased"]
    assert admin_client.get(f"/leads/{lead_id}").status_code == 404


def test_campaign_create_edit_deactivate_and_qr_codes(admin_client: TestClient) -> None:
    token = admin_client.csrf
    created = admin_client.post(
        "/campaigns",
        data={
            "name": "LAN party",
            "kind": "tournament",
            "location": "Gent",
            "notes": "",
            "csrf_token": token,
        },
    )
    assert created.status_code == 303
    campaign_id = int(created.headers["location"].rsplit("/", 1)[1])
    campaign = get_campaign(campaign_id)
    assert re.fullmatch(r"gent-lan-party-[2-9a-z]{4}", campaign.code)
    link = f"https://t.me/{BOT_USERNAME}?start={campaign.code}"
    page = admin_client.get(f"/campaigns/{campaign_id}").text
    assert link in page

    png = admin_client.get(f"/campaigns/{campaign_id}/qr.png", params={"download": 1})
    assert png.headers["content-type"] == "image/png"
    assert f'filename="qr-{campaign.code}.png"' in png.headers["content-disposition"]
    image = Image.open(io.BytesIO(png.content))
    assert image.width >= 800
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [link]
    svg = admin_client.get(f"/campaigns/{campaign_id}/qr.svg").text
    assert svg.startswith("<?xml") and ">LAN party</text>" in svg

    assert (
        admin_client.post(
            f"/campaigns/{campaign_id}",
            data={
                "name": "LAN party Gent",
                "kind": "event",
                "location": "Gent",
                "notes": "March",
                "csrf_token": token,
            },
        ).status_code
        == 303
    )
    assert (
        admin_client.post(
            f"/campaigns/{campaign_id}/active", data={"active": "0", "csrf_token": token}
        ).status_code
        == 303
    )
    changed = get_campaign(campaign_id)
    assert (changed.name, changed.kind, changed.active, changed.code) == (
        "LAN party Gent",
        "event",
        False,
        campaign.code,
    )
    assert "inactive" in admin_client.get("/campaigns").text


def test_funnel_table_and_chart(admin_client: TestClient) -> None:
    for number in range(4):
        sender = f"tg-{number}"
        for kind in ("started", "asked_question", "check_started")[: number % 3 + 1]:
            record_funnel_event(kind, sender_id=sender, language="fr", campaign="gent-lan-7f3k")
    record_funnel_event("started", sender_id="tg-9", language="nl")
    html = admin_client.get("/funnel").text
    assert '<svg class="chart"' in html
    all_row = re.search(r'<tr class="dim-all">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-step="started">5<', all_row)
    assert re.search(r'data-step="asked_question">2<span class="rate"[^>]*>40%', all_row)
    french = admin_client.get("/funnel", params={"language": "fr"}).text
    assert re.search(
        r'data-step="started">4<',
        re.search(r'<tr class="dim-all">(.*?)</tr>', french, re.S).group(1),
    )
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    empty = admin_client.get(
        "/funnel",
        params={"date_from": str(yesterday - timedelta(days=5)), "date_to": str(yesterday)},
    ).text
    assert re.search(r'data-step="started">0<', empty)


def test_api_lists_reads_and_changes_leads_with_a_version(
    admin_client: TestClient, accounts
) -> None:
    lead_id = save_lead(lead_input("tg-1", first_name="Amina")).lead_id
    create_campaign("Poster", "poster", "Gent")
    token = admin_client.post(
        "/account/tokens", data={"name": "CRM", "csrf_token": admin_client.csrf}
    )
    plaintext = re.search(r'id="new-token">([^<]+)<', token.text).group(1)
    api = {"authorization": f"Bearer {plaintext}"}
    listed = admin_client.get("/api/leads", params={"campus": "brussels"}, headers=api).json()
    assert listed["total"] == 1 and listed["items"][0]["first_name"] == "Amina"
    detail = admin_client.get(f"/api/leads/{lead_id}", headers=api).json()
    assert detail["motivation"] and detail["score_breakdown"]["commitment"] == 35
    changed = admin_client.post(
        f"/api/leads/{lead_id}/status",
        headers=api,
        json={"status": "contacted", "version": detail["version"]},
    )
    assert changed.status_code == 200 and changed.json()["status"] == "contacted"
    stale = admin_client.post(
        f"/api/leads/{lead_id}/status",
        headers=api,
        json={"status": "enrolled", "version": detail["version"]},
    )
    assert stale.status_code == 409
    assert stale.json()["changed_by"] == accounts["admin"].email
    campaigns = admin_client.get("/api/campaigns", headers=api).json()
    assert campaigns[0]["deep_link"].startswith(f"https://t.me/{BOT_USERNAME}?start=gent-poster-")
    assert admin_client.get("/api/leads/999", headers=api).status_code == 404
    schema = admin_client.get("/openapi.json").json()
    assert {"/api/leads", "/api/leads/{lead_id}", "/api/campaigns"} <= set(schema["paths"])
    assert not any(path.startswith("/leads") for path in schema["paths"])


def test_account_page_revokes_tokens_and_changes_the_password(
    admin_client: TestClient, accounts
) -> None:
    token = admin_client.csrf
    admin_client.post("/account/tokens", data={"name": "old", "csrf_token": token})
    [created] = list_api_tokens(accounts["admin"].id)
    assert (
        admin_client.post(
            f"/account/tokens/{created.id}/revoke", data={"csrf_token": token}
        ).status_code
        == 303
    )
    assert list_api_tokens(accounts["admin"].id)[0].revoked_at is not None
    weak = admin_client.post(
        "/account/password",
        data={
            "current": accounts["admin"].password,
            "new": "short",
            "repeat": "short",
            "csrf_token": token,
        },
    )
    assert weak.status_code == 400 and "too weak" in weak.text
    changed = admin_client.post(
        "/account/password",
        data={
            "current": accounts["admin"].password,
            "new": "a-new-long-password",
            "repeat": "a-new-long-password",
            "csrf_token": token,
        },
    )
    assert changed.status_code == 303
    assert admin_client.get("/account").status_code == 200  # this session goes on


def test_cli_creates_users_and_refuses_weak_or_duplicate_ones(dashboard_db, capsys) -> None:
    assert (
        admin_cli(
            [
                "create-user",
                "--email",
                "New@Example.org",
                "--password",
                "long-enough-1",
                "--role",
                "staff",
            ]
        )
        == 0
    )
    assert "created staff new@example.org" in capsys.readouterr().out
    assert (
        admin_cli(["create-user", "--email", "new@example.org", "--password", "long-enough-2"]) == 1
    )
    assert admin_cli(["create-user", "--email", "weak@example.org", "--password", "123"]) == 1
    assert "too weak" in capsys.readouterr().err
    assert admin_cli(["deactivate-user", "--email", "new@example.org"]) == 0
    assert not get_staff_by_email("new@example.org").active
    assert admin_cli(["list-users"]) == 0
    assert "deactivated" in capsys.readouterr().out


def test_purge_applies_retention_and_says_what_it_removed(dashboard_db, capsys) -> None:
    old = save_lead(lead_input("tg-old", status="nurture", qualified=False)).lead_id
    kept = save_lead(lead_input("tg-new", status="nurture", qualified=False)).lead_id
    from leads.db import session_scope
    from leads.models import Lead

    with session_scope(write=True) as session:
        session.get(Lead, old).updated_at = utcnow() - timedelta(days=200)
    assert admin_cli(["purge"]) == 0
    out = capsys.readouterr().out
    assert f"1 lead(s) erased (1 nurture after 180 days: lead {old})" in out
    assert get_lead(old) is None and get_lead(kept) is not None
