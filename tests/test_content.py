"""The facts sheet (actions/content.py) and the two-stage fallback count (actions/fallback.py)."""

from __future__ import annotations

import logging
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import content
from actions.answers import display_contact
from actions.content import (
    Campus,
    ContentError,
    campuses,
    content_path,
    content_slots,
    human_date,
    load_content,
    partner_for,
    partner_with,
    unconfirmed_facts,
)
from actions.fallback import ActionFallback, fallback_response, fallback_streak

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "content" / "facts.yml"


def write_facts(path: Path, **changes: Any) -> Path:
    """The shipped facts sheet with some top-level parts replaced."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the facts sheet with known dates, used through PASSERELLE_CONTENT."""
    path = write_facts(
        tmp_path / "facts.yml",
        info_sessions=[
            {
                "date": date(2026, 1, 14),
                "campus": "ghent",
                "note": {"nl": "om 18 uur", "fr": "à 18 h", "en": "at 6 pm"},
            },
            {"date": date(2025, 12, 3)},
        ],
        start_dates=[
            {"date": date(2026, 3, 1)},
            {"date": date(2026, 2, 2), "campus": "liege"},
            {"date": date(2026, 4, 20)},
        ],
    )
    monkeypatch.setenv("PASSERELLE_CONTENT", str(path))
    monkeypatch.delenv("DEFAULT_LANGUAGE", raising=False)
    return path


def touch_later(path: Path) -> None:
    """Move the mtime one second on, as a later save by an editor would."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


# --- rendering ----------------------------------------------------------------------


def test_campuses_are_listed_in_each_language(facts: Path) -> None:
    assert content_slots("nl")["c_campuses"] == "Brussel, Antwerpen, Gent, Luik en Charleroi"
    assert content_slots("fr")["c_campuses"] == "Bruxelles, Anvers, Gand, Liège et Charleroi"
    assert content_slots("en")["c_campuses"] == "Brussels, Antwerp, Ghent, Liège and Charleroi"


def test_next_info_session_is_a_human_date_in_each_language(facts: Path) -> None:
    today = date(2026, 1, 5)
    assert (
        content_slots("nl", today)["c_next_info_session"]
        == "woensdag 14 januari in Gent (om 18 uur)"
    )
    assert (
        content_slots("fr", today)["c_next_info_session"] == "mercredi 14 janvier à Gand (à 18 h)"
    )
    assert (
        content_slots("en", today)["c_next_info_session"]
        == "Wednesday 14 January in Ghent (at 6 pm)"
    )


def test_next_starts_are_sorted_and_at_most_two(facts: Path) -> None:
    slots = content_slots("fr", date(2026, 1, 5))
    assert slots["c_next_start"] == "lundi 2 février à Liège et dimanche 1er mars"


def test_dates_in_another_year_carry_the_year() -> None:
    assert human_date(date(2027, 3, 1), "nl", today=date(2026, 11, 27)) == "maandag 1 maart 2027"
    assert human_date(date(2026, 12, 9), "en", today=date(2026, 11, 27)) == "Wednesday 9 December"


def test_past_dates_give_an_ask_us_text_not_a_stale_date(facts: Path) -> None:
    later = date(2026, 6, 1)
    assert content_slots("nl", later)["c_next_info_session"].startswith("binnenkort")
    assert content_slots("fr", later)["c_next_start"].startswith("bientôt")
    assert content_slots("en", later)["c_next_start"] == "soon — just ask us for the date"
    # Between the two info sessions only the future one is mentioned, never the past one.
    assert "december" not in content_slots("nl", date(2026, 1, 1))["c_next_info_session"]


def test_a_session_today_still_counts(facts: Path) -> None:
    assert content_slots("en", date(2026, 1, 14))["c_next_info_session"].startswith(
        "Wednesday 14 January"
    )


def test_partners_per_region_and_per_campus(facts: Path) -> None:
    assert content_slots("nl")["c_partners"] == (
        "• In Brussel: bij Actiris of Bruxelles Formation\n• In Vlaanderen: bij VDAB\n"
        "• In Wallonië: bij Forem"
    )
    assert partner_for("brussels", "fr") == "Actiris ou Bruxelles Formation"
    assert partner_for("ghent", "en") == "VDAB"
    assert partner_for("other", "nl") == "VDAB, Actiris, Bruxelles Formation of Forem"
    assert partner_for(None, "en") == "VDAB, Actiris, Bruxelles Formation or Forem"


def test_partners_take_their_own_little_word_in_french(facts: Path) -> None:
    assert partner_with("liege", "fr") == "au Forem"
    assert partner_with("ghent", "fr") == "au VDAB"
    assert partner_with("brussels", "fr") == "chez Actiris ou Bruxelles Formation"
    assert partner_with(None, "fr") == "au VDAB, chez Actiris, chez Bruxelles Formation ou au Forem"
    assert partner_with(None, "nl") == "bij VDAB, Actiris, Bruxelles Formation of Forem"
    assert content_slots("en")["c_partner_names"] == (
        "with VDAB, Actiris, Bruxelles Formation or Forem"
    )
    assert "• En Wallonie : au Forem" in content_slots("fr")["c_partners"]


def test_the_phone_is_shown_as_people_write_it(facts: Path) -> None:
    assert content_slots("fr")["c_contact_phone"] == "02 000 00 00"
    assert display_contact("+32470123456") == "0470 12 34 56"
    assert display_contact("+33612345678") == "+33 6 12 34 56 78"
    assert display_contact("Sam.Peeters@example.org") == "Sam.Peeters@example.org"


def test_figures_and_training_facts_come_from_the_sheet(facts: Path) -> None:
    nl, fr, en = (content_slots(language) for language in ("nl", "fr", "en"))
    assert (nl["c_months"], fr["c_days"], en["c_hours"]) == (
        "7",
        "du lundi au vendredi",
        "from 9 am to 5 pm",
    )
    assert nl["c_fact_internship"].startswith("93% van wie")
    assert fr["c_fact_internship"].startswith("93 % des personnes")
    assert fr["c_fact_hired"] == "1 sur 2 décroche un contrat dans son entreprise de stage"
    assert fr["c_fact_job"] == "2 sur 3 trouvent un emploi dans le secteur"  # plural: agrees
    assert en["c_fact_job"] == "2 in 3 find a job in the sector"
    assert en["c_fact_finished"] == "more than 8 in 10 people finished the training"
    assert nl["c_teaching_note"].startswith("In Brussel kies je een groep")


def test_an_edited_figure_changes_every_answer_and_keeps_the_grammar(facts: Path) -> None:
    data = yaml.safe_load(facts.read_text(encoding="utf-8"))
    data["outcomes"]["job_in_sector"] = [1, 2]
    data["training"]["months"] = 8
    facts.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    touch_later(facts)
    assert content_slots("fr")["c_fact_job"] == "1 sur 2 trouve un emploi dans le secteur"
    assert content_slots("en")["c_fact_job"] == "1 in 2 finds a job in the sector"
    assert content_slots("nl")["c_months"] == "8"


def test_defaults_to_confirm_are_listed_for_staff(
    facts: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert set(unconfirmed_facts()) >= {"training.hours", "equipment"}
    data = yaml.safe_load(facts.read_text(encoding="utf-8"))
    data["equipment"]["confirmed"] = True
    data["outcomes"]["job_in_sector"] = [3, 2]
    with pytest.raises(ContentError, match="job_in_sector"):
        content.parse_content(data)
    data["outcomes"]["job_in_sector"] = [2, 3]
    assert "equipment" not in content.parse_content(data).unconfirmed
    facts.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    touch_later(facts)
    with caplog.at_level(logging.WARNING, logger="actions.content"):
        assert "equipment" not in unconfirmed_facts()
    assert "confirmed: false" in caplog.text and "training.hours" in caplog.text


def test_campuses_are_typed(facts: Path) -> None:
    found = campuses()
    assert [c.key for c in found] == ["brussels", "antwerp", "ghent", "liege", "charleroi"]
    assert all(isinstance(c, Campus) for c in found)
    assert found[3].name("nl") == "Luik"
    assert [p.name for p in found[0].partners] == ["Actiris", "Bruxelles Formation"]
    assert found[0].partners[0].registration_url.startswith("https://")


def test_lists_use_the_language_typography(facts: Path) -> None:
    assert "• Liège et Charleroi : français" in content_slots("fr")["c_teaching_languages"]
    assert "• Luik en Charleroi: Frans" in content_slots("nl")["c_teaching_languages"]
    assert content_slots("en")["c_partner_links"].splitlines()[0] == "• VDAB: https://www.vdab.be"


def test_unknown_language_falls_back_to_the_default(
    facts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert content_slots("de")["c_response_time"] == "binnen 2 werkdagen"
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fr")
    assert content_slots("")["c_response_time"] == "dans les 2 jours ouvrables"


def test_the_shipped_facts_sheet_fills_every_declared_content_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PASSERELLE_CONTENT", raising=False)
    assert content_path() == SHIPPED
    declared = yaml.safe_load((ROOT / "domain" / "content.yml").read_text())["slots"]
    for language in ("nl", "fr", "en"):
        slots = content_slots(language)
        assert set(slots) == set(declared)
        assert all(isinstance(value, str) and value.strip() for value in slots.values())
    # Retention defaults of PRODUCT.md §7.
    retention = load_content().retention
    assert (retention.days_for("nurture"), retention.conversation_days) == (180, 30)


def test_placeholders_in_the_shipped_file_are_obviously_examples() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert "info@example.org" in text and "+32 2 000 00 00" in text
    assert text.count("EDIT ME") >= 10
    assert not re.search(r"@(?!example\.org)[a-z0-9-]+\.[a-z]+", text)


# --- reloading ----------------------------------------------------------------------


def test_an_edit_applies_on_the_next_call_without_restart(facts: Path) -> None:
    assert content_slots("en")["c_contact_email"] == "info@example.org"
    data = yaml.safe_load(facts.read_text(encoding="utf-8"))
    data["contact"]["email"] = "hello@example.org"
    facts.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    touch_later(facts)
    assert content_slots("en")["c_contact_email"] == "hello@example.org"


def test_a_file_replaced_by_rename_is_reloaded(facts: Path) -> None:
    assert content_slots("nl")["c_contact_phone"] == "02 000 00 00"
    data = yaml.safe_load(facts.read_text(encoding="utf-8"))
    data["contact"]["phone"] = "+32 9 210 10 10"
    replacement = facts.with_name("facts.yml.new")
    replacement.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    os.replace(replacement, facts)
    assert content_slots("nl")["c_contact_phone"] == "09 210 10 10"


def test_a_broken_edit_keeps_the_last_good_facts(
    facts: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert content_slots("nl")["c_contact_email"] == "info@example.org"
    facts.write_text(facts.read_text(encoding="utf-8") + "\ncontact: [oops\n", encoding="utf-8")
    touch_later(facts)
    with caplog.at_level(logging.ERROR, logger="actions.content"):
        assert content_slots("nl")["c_contact_email"] == "info@example.org"
    assert "keeping the last one" in caplog.text
    write_facts(facts)
    touch_later(facts)
    assert content_slots("nl")["c_campuses"].startswith("Brussel")


def test_a_comma_inside_braces_is_reported_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "facts.yml"
    path.write_text(
        SHIPPED.read_text(encoding="utf-8").replace(
            "equipment:\n", "equipment: {nl: Een laptop, gratis, fr: x, en: y}\nold_equipment:\n"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("PASSERELLE_CONTENT", str(path))
    with pytest.raises(ContentError, match="comma"):
        load_content()


def test_an_unknown_partner_or_a_missing_translation_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["campuses"][0]["partners"] = ["actiris", "nobody"]
    with pytest.raises(ContentError, match="nobody"):
        content.parse_content(data)
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    del data["contact"]["response_time"]["fr"]
    with pytest.raises(ContentError, match="contact.response_time: missing the text in fr"):
        content.parse_content(data)


def test_a_missing_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_CONTENT", str(tmp_path / "nope.yml"))
    with pytest.raises(ContentError, match="not found"):
        content_slots("nl")


def test_a_relative_path_is_taken_from_the_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_CONTENT", "content/facts.yml")
    assert content_path() == SHIPPED


# --- the two-stage fallback ---------------------------------------------------------


def user(intent: str) -> dict[str, Any]:
    return {"event": "user", "text": "…", "parse_data": {"intent": {"name": intent}}}


def bot() -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "action_fallback"},
        {"event": "bot", "text": "…"},
        {"event": "action", "name": "action_listen"},
    ]


@pytest.mark.parametrize(
    ("intents", "streak"),
    [
        ([], 0),
        (["greet"], 0),
        (["out_of_scope"], 1),
        (["nlu_fallback"], 1),
        (["nlu_fallback", "out_of_scope"], 2),
        (["out_of_scope", "out_of_scope", "nlu_fallback"], 3),
        (["out_of_scope", "faq", "out_of_scope"], 1),
        (["nlu_fallback", "choose_topic", "nlu_fallback", "nlu_fallback"], 2),
    ],
)
def test_fallback_streak_counts_not_understood_turns_in_a_row(
    intents: list[str], streak: int
) -> None:
    events: list[dict[str, Any]] = [{"event": "session_started"}]
    for intent in intents:
        events += [user(intent), *bot()]
    assert fallback_streak(events) == streak


def test_a_new_session_or_a_reverted_turn_resets_the_count() -> None:
    assert (
        fallback_streak([user("out_of_scope"), {"event": "session_started"}, user("out_of_scope")])
        == 1
    )
    assert fallback_streak([user("out_of_scope"), {"event": "restart"}, user("nlu_fallback")]) == 1
    assert (
        fallback_streak(
            [user("greet"), user("out_of_scope"), {"event": "rewind"}, user("out_of_scope")]
        )
        == 1
    )


def test_second_in_a_row_offers_a_person_first() -> None:
    assert fallback_response(0) == "utter_fallback"
    assert fallback_response(1) == "utter_fallback"
    assert fallback_response(2) == "utter_fallback_twice"
    assert fallback_response(5) == "utter_fallback_twice"


async def test_action_fallback_utters_and_keeps_the_turn() -> None:
    events = [user("nlu_fallback"), *bot(), user("out_of_scope")]
    tracker = Tracker(
        "tg-1", {}, events[-1]["parse_data"], events, False, None, {}, "action_listen"
    )
    dispatcher = CollectingDispatcher()
    returned = await ActionFallback().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_fallback_twice"]
    assert returned == []  # no UserUtteranceReverted: the turn stays in the conversation
