"""Dashboard side of the outbox: staff replies are queued once and their state is shown."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from leads import outbox
from leads.lead_store import save_lead
from tests.leads.helpers import lead_input


def test_a_reply_is_queued_once_and_the_lead_page_shows_its_state(
    admin_client: TestClient, app
) -> None:
    app.state.settings = dataclasses.replace(app.state.settings, telegram_token="1:x")
    lead_id = save_lead(lead_input("tg-4242")).lead_id
    form = {"text": "Hoi! Ik ben Sarah van de school.", "csrf_token": admin_client.csrf}
    first = admin_client.post(f"/leads/{lead_id}/reply", data=form)
    assert first.status_code == 303
    again = admin_client.post(f"/leads/{lead_id}/reply", data=form)  # a double click
    assert again.status_code == 200 and "already on its way" in again.text
    [row] = outbox.rows_for(sender_id="tg-4242")
    assert (row.kind, row.target, row.state) == ("staff_reply", "4242", "pending")
    page = admin_client.get(f"/leads/{lead_id}").text
    assert 'id="outgoing"' in page and 'data-state="pending"' in page
