"""The review inbox, its JSON API, the learning page and Understanding over time."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from leads import review, review_inbox, understanding
from leads.audit import list_audit
from leads.funnel import record_funnel_event
from leads.lead_store import save_lead
from leads.models import utcnow
from leads.staff import create_api_token, get_staff_by_email

HTML = {"accept": "text/html"}


def seed() -> None:
    texts = [
        "c combien la formation ?",
        "cest combien la formation",
        "c combien la formation",
        "appelle moi au 0470 12 34 56 stp",
        "hein",
    ]
    for number, text in enumerate(texts):
        review.record(
            review.ReviewMessage(
                sender_id=f"tg-{number}",
                message_id="m",
                text=text,
                language="fr",
                trigger="fallback",
                predicted_label="faq/cost",
                confidence=0.3,
                campaign="poster-liege",
            )
        )
    review.record(
        review.ReviewMessage(
            sender_id="tg-nl",
            message_id="m",
            text="hoeveel kost dat eigenlijk",
            language="nl",
            trigger="low_confidence",
            predicted_label="faq/duration",
            confidence=0.4,
        )
    )


def token_header(client: TestClient) -> dict[str, str]:
    staff = get_staff_by_email("staff@passerelle.test")
    plaintext, _row = create_api_token(staff.id, "crm")
    return {"Authorization": f"Bearer {plaintext}"}


def test_the_inbox_groups_counts_filters_and_masks(staff_client: TestClient) -> None:
    seed()
    html = staff_client.get("/review", headers=HTML).text
    assert re.search(r'id="to-review">6<', html) and re.search(r'id="reviewed-week">0<', html)
    counts = [int(n) for n in re.findall(r'class="review-count"[^>]*>×(\d+)<', html)]
    assert counts == [3, 1, 1, 1]
    assert "0470" not in html and "appelle moi au [phone] stp" in html
    assert 'list="label-list"' in html and '<option value="doubt/too_old">' in html
    assert html.count("autofocus") == 1 and "<script>" not in html
    french = staff_client.get("/review", params={"language": "nl"}, headers=HTML).text
    assert re.findall(r'class="review-count"[^>]*>×(\d+)<', french) == ["1"]
    by_label = staff_client.get(
        "/review", params={"predicted_label": "faq/duration"}, headers=HTML
    ).text
    assert "hoeveel kost dat eigenlijk" in by_label and "combien" not in by_label
    assert (
        "combien"
        not in staff_client.get("/review", params={"campaign": "other"}, headers=HTML).text
    )


def test_a_group_is_labelled_marked_new_or_ignored_from_the_forms(staff_client: TestClient) -> None:
    seed()
    [first, *_rest] = review_inbox.groups()
    form = {
        "csrf_token": staff_client.csrf,
        "item_ids": ",".join(map(str, first.item_ids)),
        "back": "/review?language=fr",
    }
    response = staff_client.post(
        "/review/decide", data={**form, "decision": "label", "label": "faq/cost"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/review?language=fr"
    assert "3 messages labelled" in staff_client.get("/review", headers=HTML).text
    refused = staff_client.post(
        "/review/decide", data={**form, "item_ids": "4", "decision": "label", "label": "faq/cst"}
    )
    assert refused.status_code == 303
    assert "is not a label" in staff_client.get("/review", headers=HTML).text
    staff_client.post(
        "/review/decide",
        data={**form, "item_ids": "4", "decision": "new_topic", "note": "bus vers le campus"},
    )
    staff_client.post("/review/decide", data={**form, "item_ids": "5", "decision": "ignore"})
    assert review_inbox.counts() == review_inbox.ReviewCounts(to_review=1, reviewed_this_week=5)
    labelled = staff_client.get("/review", params={"status": "labelled"}, headers=HTML).text
    assert "<code>faq/cost</code>" in labelled


def test_the_api_lists_groups_and_takes_decisions(client: TestClient, accounts) -> None:
    seed()
    headers = token_header(client)
    groups = client.get("/api/review/groups", params={"language": "fr"}, headers=headers).json()
    assert [g["count"] for g in groups] == [3, 1, 1]
    assert groups[0]["triggers"] == {"fallback": 3} and groups[0]["predicted_label"] == "faq/cost"
    body = {"item_ids": groups[0]["item_ids"], "decision": "label", "label": "faq/cost"}
    assert client.post("/api/review/decisions", json=body, headers=headers).json() == {"changed": 3}
    wrong = client.post(
        "/api/review/decisions", headers=headers, json={**body, "label": "nonsense"}
    )
    assert wrong.status_code == 422 and "not a label" in wrong.json()["detail"]
    assert client.get("/api/review/counts", headers=headers).json() == {
        "to_review": 3,
        "reviewed_this_week": 3,
    }
    names = [label["name"] for label in client.get("/api/review/labels", headers=headers).json()]
    assert "faq/cost" in names and "nlu_fallback" not in names and len(names) == 40
    assert client.get("/api/review/groups").status_code == 401


def test_the_api_is_documented(admin_client: TestClient) -> None:
    paths = admin_client.get("/openapi.json").json()["paths"]
    assert {
        "/api/review/groups",
        "/api/review/decisions",
        "/api/review/counts",
        "/api/review/labels",
        "/api/review/learn",
    } <= set(paths)


def test_only_an_admin_starts_learning(staff_client: TestClient) -> None:
    page = staff_client.get("/review/learn", headers=HTML).text
    assert "Only an admin can start learning" in page and "Learning has never run" in page
    response = staff_client.post(
        "/review/learn", data={"csrf_token": staff_client.csrf}, headers=HTML
    )
    assert response.status_code == 403


def test_understanding_over_time(staff_client: TestClient) -> None:
    for metric_set in (
        ["messages", "understood"],
        ["messages"],
        ["messages", "understood"],
        ["messages", "understood"],
    ):
        understanding.count("fr", metric_set)
    for sender in ("tg-1", "tg-2"):
        record_funnel_event("check_started", sender_id=sender, language="fr")
    record_funnel_event("check_completed", sender_id="tg-1", language="fr")
    understanding.count("fr", ["answered:first_name"])
    understanding.count("fr", ["answered:first_name"])
    understanding.count("fr", ["answered:age"])
    seed()
    html = staff_client.get("/understanding", params={"language": "fr"}, headers=HTML).text
    week = understanding.week_of(utcnow().date())
    row = re.search(rf'<tr data-week="{week}" data-lang="fr">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-metric="understood">75%<', row)
    assert re.search(r'data-metric="completion">1 <span class="rate">50%', row)
    assert "Age (1 of 2)" in row
    assert '<svg class="chart"' in html
    assert re.search(r'data-question="campus".*?>1 / 1 ', html, re.S)
    assert "c combien la formation" in html.split('id="top-topics"')[1]


def test_erasing_a_lead_erases_its_review_items(admin_client: TestClient) -> None:
    from tests.leads.helpers import lead_input

    lead_id = save_lead(lead_input("tg-1")).lead_id
    seed()  # tg-1 said "cest combien la formation"
    admin_client.post(
        f"/leads/{lead_id}/erase", data={"confirm": "ERASE", "csrf_token": admin_client.csrf}
    )
    texts = [g.text for g in review_inbox.groups()]
    assert "cest combien la formation" not in texts and len(texts) == 4


def test_an_admin_starts_learning_and_sees_the_report(admin_client: TestClient) -> None:
    import time

    from admin import learning

    response = admin_client.post("/review/learn", data={"csrf_token": admin_client.csrf})
    assert response.status_code == 303 and response.headers["location"] == "/review/learn"
    deadline = time.monotonic() + 60
    while learning.running() and time.monotonic() < deadline:
        time.sleep(0.2)
    page = admin_client.get("/review/learn", headers=HTML).text
    assert "Nothing new to learn" in page, learning.log_tail()
    assert "label some in the review inbox" in page
    assert [a.action for a in list_audit()][:1] == ["learning started"]


def test_a_group_links_to_the_lead_of_its_conversation(staff_client: TestClient) -> None:
    from tests.leads.helpers import lead_input

    lead_id = save_lead(lead_input("tg-3")).lead_id
    seed()  # tg-3 wrote the message with a phone number
    html = staff_client.get("/review", headers=HTML).text
    assert f'<a href="/leads/{lead_id}">lead {lead_id}</a>' in html


def test_the_api_never_shows_chat_ids(client: TestClient, accounts) -> None:
    seed()
    body = client.get("/api/review/groups", headers=token_header(client)).text
    assert "tg-" not in body
