"""Sessions in the dashboard: admins create and edit them, everyone sees who booked, and
staff mark attended / no-show after the session."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from leads import bookings
from leads.funnel import funnel_report
from leads.lead_store import save_lead
from leads.models import utcnow
from leads.sessions import BRUSSELS, get_session, list_sessions
from tests.leads.helpers import lead_input


def form(token: str, **changes: str) -> dict[str, str]:
    day = (utcnow() + timedelta(days=10)).astimezone(BRUSSELS)
    values = {
        "date": f"{day:%Y-%m-%d}",
        "time": "18:30",
        "duration": "90",
        "campus": "ghent",
        "lang_nl": "1",
        "address": "Voorbeeldlaan 1, 9000 Gent",
        "directions": "Tram 1, halte Korenmarkt",
        "online_url": "",
        "capacity": "12",
        "notes": "",
        "csrf_token": token,
    }
    return {**values, **changes}


def payload(booking, session, which) -> dict:
    return {"text": which}


def test_an_admin_creates_and_edits_a_session_in_brussels_time(admin_client: TestClient):
    created = admin_client.post("/sessions", data=form(admin_client.csrf))
    assert created.status_code == 303
    session_id = int(created.headers["location"].rsplit("/", 1)[1])
    session = get_session(session_id)
    assert (session.local_start.hour, session.local_start.minute) == (18, 30)
    assert (session.campus, session.languages, session.capacity) == ("ghent", ("nl",), 12)
    listing = admin_client.get("/sessions").text
    assert f'data-session="{session_id}"' in listing and "Ghent" in listing
    changed = admin_client.post(
        f"/sessions/{session_id}", data=form(admin_client.csrf, capacity="30", lang_fr="1")
    )
    assert changed.status_code == 303
    assert get_session(session_id).capacity == 30
    assert get_session(session_id).languages == ("nl", "fr")
    admin_client.post(
        f"/sessions/{session_id}/active", data={"active": "0", "csrf_token": admin_client.csrf}
    )
    assert not get_session(session_id).active


def test_bad_input_is_explained_and_nothing_is_saved(admin_client: TestClient):
    before = len(list_sessions())
    page = admin_client.post(
        "/sessions", data=form(admin_client.csrf, campus="online", lang_nl="", time="25:99")
    )
    assert page.status_code == 400 and "Give the date" in page.text
    page = admin_client.post("/sessions", data=form(admin_client.csrf, campus="online", lang_nl=""))
    assert page.status_code == 400
    assert "needs its link" in page.text and "at least one language" in page.text
    assert len(list_sessions()) == before


def test_staff_see_sessions_but_only_admins_change_them(staff_client: TestClient):
    assert staff_client.get("/sessions").status_code == 200
    assert staff_client.post("/sessions", data=form(staff_client.csrf)).status_code == 403


def test_the_session_page_lists_bookings_and_staff_mark_attendance(
    admin_client: TestClient, staff_client: TestClient
):
    session_id = int(
        admin_client.post("/sessions", data=form(admin_client.csrf))
        .headers["location"]
        .rsplit("/", 1)[1]
    )
    lead_id = save_lead(lead_input("tg-77", first_name="Lotte")).lead_id
    booking, _ = bookings.book(session_id, "tg-77", 77, "nl", payload)
    bookings.book(session_id, "tg-78", 78, "fr", payload)
    bookings.cancel("tg-78")
    page = staff_client.get(f"/sessions/{session_id}").text
    assert f'href="/leads/{lead_id}"' in page and "Lotte" in page
    assert re.search(r"Booked 1 · confirmed 0 · cancelled 1", page)
    marked = staff_client.post(
        f"/sessions/{session_id}/bookings/{booking.id}",
        data={"state": "attended", "csrf_token": staff_client.csrf},
    )
    assert marked.status_code == 303
    assert [b.state for b in bookings.for_session(session_id)] == ["attended", "cancelled"]
    lead_page = staff_client.get(f"/leads/{lead_id}").text
    assert f'href="/sessions/{session_id}"' in lead_page and 'data-state="attended"' in lead_page
    [total] = [r for r in funnel_report(None, None) if r.dimension == "all"]
    assert total.count("attended") == 1  # the funnel's last step
    wrong = staff_client.post(
        f"/sessions/{session_id}/bookings/{booking.id}",
        data={"state": "teleported", "csrf_token": staff_client.csrf},
    )
    assert wrong.status_code == 400
