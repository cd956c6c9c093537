"""domain/sessions.yml: every text in nl, fr, en (+ the Dutch default), the same
placeholders in each language, short texts and titles, payloads of the contract, and the
outbox's rendering of reminders and nudges."""

from __future__ import annotations

import re

import pytest
import yaml

from actions.outbound_texts import render
from tests.test_responses import MAX_TEXT, MAX_TITLE, PAYLOAD_RE, language_of
from tools.stack import ROOT

RESPONSES = yaml.safe_load((ROOT / "domain" / "sessions.yml").read_text(encoding="utf-8"))[
    "responses"
]


def rasa_payload(payload: str) -> str:
    """What Rasa sends after formatting: {{ }} become { } ({session_id} is filled then)."""
    return payload.replace("{{", "{").replace("}}", "}")


PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_each_response_in_three_languages_with_the_same_placeholders(name: str) -> None:
    variations = RESPONSES[name]
    assert [language_of(v) for v in variations] == ["nl", "fr", "en", None]
    placeholders = [sorted(PLACEHOLDER.findall(v["text"])) for v in variations]
    assert all(p == placeholders[0] for p in placeholders), name
    for variation in variations:
        assert len(variation["text"]) <= MAX_TEXT
        for button in variation.get("buttons") or []:
            assert 0 < len(button["title"]) <= MAX_TITLE, button["title"]
            assert PAYLOAD_RE.fullmatch(rasa_payload(button["payload"])), button["payload"]


@pytest.mark.parametrize(
    ("language", "start"),
    [
        ("nl", "Hoi! 👋 Morgen is je infosessie: wo 9/12. 📍 Gent. Kom je?"),
        ("fr", "Salut ! 👋 Demain, c'est ta séance d'info : wo 9/12, Gent. Tu viens ?"),
        ("en", "Hi! 👋 Your info session is tomorrow: wo 9/12, Gent. Are you coming?"),
    ],
)
def test_a_reminder_renders_in_the_language_with_its_two_buttons(language, start) -> None:
    payload = render("utter_reminder_24h", language, when="wo 9/12", place="Gent")
    assert payload["text"] == start
    assert [row[0][1] for row in payload["buttons"]] == ["/confirm_booking", "/cancel_booking"]


def test_the_consent_buttons_carry_the_session() -> None:
    payload = render("utter_booking_consent", "en")
    assert payload["buttons"][0][0][1] == (
        '/book_session{"session_id":"{session_id}","booking_consent":"yes"}'
    )
