"""Broadcasts in the dashboard: a segment, the texts, the preview with its count, the send
(only after the box is ticked), and the progress page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from leads import outbox
from leads.lead_store import save_lead
from tests.leads.helpers import lead_input


def seed() -> None:
    for n, (language, campus) in enumerate(
        [("nl", "ghent"), ("fr", "brussels"), ("nl", "ghent"), ("en", "ghent")]
    ):
        save_lead(
            lead_input(f"tg-{900 + n}", telegram_user_id=900 + n, language=language, campus=campus)
        )
    save_lead(lead_input("tg-999", consent=False, contact=None, contact_kind=None, campus="ghent"))


def form(token: str, **changes: str) -> dict[str, str]:
    return {
        "title": "Gent, 13 januari",
        "campus": "ghent",
        "status": "",
        "language": "",
        "campaign": "",
        "booked": "",
        "text_nl": "Nieuwe infosessie in Gent!",
        "text_fr": "",
        "text_en": "New info session in Ghent!",
        "csrf_token": token,
        **changes,
    }


def test_preview_counts_then_send_queues_each_person_once(admin_client: TestClient) -> None:
    seed()
    preview = admin_client.post("/broadcasts/preview", data=form(admin_client.csrf))
    assert preview.status_code == 200
    assert re.search(r'id="recipient-count">3<', preview.text)
    assert "2 in Nederlands, 0 in Français, 1 in English" in preview.text
    unticked = admin_client.post("/broadcasts", data=form(admin_client.csrf))
    assert unticked.status_code == 400 and "tick the box" in unticked.text
    missing = admin_client.post(
        "/broadcasts", data=form(admin_client.csrf, text_en="", confirm="1")
    )
    assert missing.status_code == 400 and "Write the text in en" in missing.text
    sent = admin_client.post("/broadcasts", data=form(admin_client.csrf, confirm="1"))
    assert sent.status_code == 303
    broadcast_id = int(sent.headers["location"].rsplit("/", 1)[1])
    rows = outbox.rows_for(batch=f"broadcast:{broadcast_id}")
    assert sorted(r.target for r in rows) == ["900", "902", "903"]
    page = admin_client.get(f"/broadcasts/{broadcast_id}").text
    assert re.search(r'data-count="waiting">3<', page)
    assert "Gent, 13 januari" in admin_client.get("/broadcasts").text
