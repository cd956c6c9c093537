"""The bot's responses in domain/*.yml: every language, every topic, valid slots and buttons."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import content_slots
from actions.topics import TOPIC_MENU, TOPICS, ActionAnswerTopic, response_for_topic
from passerelle_settings import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "domain"
# The label inventory (a contract, see docs/CONTRACTS.md); the first copy found is used.
LABELS_CANDIDATES = (ROOT / "docs" / "labels.md", Path("/work/shared/spec/labels.md"))
MAX_TEXT = 700
MAX_TITLE = 25
# The response files of this package (the form's own files are checked only for the
# rules every response shares).
OURS = ("responses_faq.yml", "responses_doubt.yml", "responses_core.yml")
PLACEHOLDER_RE = re.compile(r"(?<!\{)\{([^{}\n]+)\}(?!\})")
# docs/CONTRACTS.md "Button payloads", after Rasa turned {{ }} into { }.
PAYLOAD_RE = re.compile(
    r"/(start_check|human_handoff|affirm|deny|stop|privacy|help|forget_me|greet|choose_topic)"
    r"|/choose_topic\{\"topic\":\"(?P<topic>[a-z_]+/[a-z_]+)\"\}"
    r"|/change_language\{\"language\":\"(nl|fr|en)\"\}"
    r"|/(book_session|confirm_booking|cancel_booking|stop_messages)"
    r"|/book_session\{(\"session_id\":\"(\d+|\{session_id\})\",?)?"
    r"(\"booking_consent\":\"(yes|no)\")?\}"
)
CORE_RESPONSES = (
    "utter_greet",
    "utter_goodbye",
    "utter_thanks",
    "utter_iamabot",
    "utter_fallback",
    "utter_fallback_twice",
    "utter_language_changed",
    "utter_privacy",
    "utter_help",
    "utter_topics",
    "utter_anything_else",
)


@functools.cache
def load(path: Path) -> dict[str, Any]:
    """A YAML file, parsed once per test run (the tests only read it)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}


@functools.cache
def all_responses() -> dict[str, list[dict[str, Any]]]:
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        responses.update(load(path).get("responses") or {})
    return responses


@functools.cache
def our_responses() -> dict[str, list[dict[str, Any]]]:
    responses: dict[str, list[dict[str, Any]]] = {}
    for name in OURS:
        responses.update(load(DOMAIN / name)["responses"])
    return responses


def language_of(variation: dict[str, Any]) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("type") == "slot" and condition.get("name") == "language":
            return condition.get("value")
    return None


def label_keys(kind: str) -> set[str]:
    labels = next((path for path in LABELS_CANDIDATES if path.exists()), None)
    if labels is None:
        pytest.skip("labels.md not found")
    return set(re.findall(rf"^\| ({kind}/[a-z_]+) \|", labels.read_text(), re.MULTILINE))


def rasa_payload(payload: str) -> str:
    """What Rasa sends for a payload: its interpolation turns {{ }} into { }."""
    return payload.format()


# --- every response, every file -----------------------------------------------------


@pytest.mark.parametrize("name", sorted(all_responses()))
def test_every_response_speaks_every_language_with_a_default(name: str) -> None:
    variations = all_responses()[name]
    languages = {language_of(v) for v in variations if v.get("condition")}
    assert languages >= set(LANGUAGES), f"{name} lacks {set(LANGUAGES) - languages}"
    assert any(not v.get("condition") for v in variations), f"{name} has no default variation"


def test_no_text_is_too_long_for_a_phone() -> None:
    too_long = [
        (name, len(v["text"]))
        for name, variations in all_responses().items()
        for v in variations
        if len(v.get("text") or "") > MAX_TEXT
    ]
    assert not too_long


def test_every_content_placeholder_is_a_declared_content_slot() -> None:
    declared = set(load(DOMAIN / "content.yml")["slots"])
    used = {
        placeholder
        for variations in all_responses().values()
        for v in variations
        for placeholder in PLACEHOLDER_RE.findall(v.get("text") or "")
        if placeholder.startswith("c_")
    }
    assert used, "no response uses a content slot"
    assert used <= declared, f"undeclared content slots: {used - declared}"


def test_content_slots_are_filled_by_custom_mappings_only() -> None:
    for name, slot in load(DOMAIN / "content.yml")["slots"].items():
        assert name.startswith("c_")
        assert slot == {
            "type": "text",
            "influence_conversation": False,
            "mappings": [{"type": "custom"}],
        }


# --- this package's responses -------------------------------------------------------


def test_every_faq_and_doubt_label_has_its_answer_and_no_more() -> None:
    keys = label_keys("faq") | label_keys("doubt")
    assert len(label_keys("faq")) >= 18 and len(label_keys("doubt")) >= 8
    answered = {
        name.removeprefix("utter_")
        for name in all_responses()
        if name.startswith(("utter_faq/", "utter_doubt/"))
    }
    assert answered == keys
    assert keys == TOPICS


def test_core_responses_exist() -> None:
    assert set(CORE_RESPONSES) <= set(our_responses())


@pytest.mark.parametrize("name", sorted(our_responses()))
def test_our_responses_are_nl_fr_en_then_the_dutch_default(name: str) -> None:
    variations = our_responses()[name]
    assert [language_of(v) for v in variations] == ["nl", "fr", "en", None]
    default, dutch = variations[-1], variations[0]
    assert "condition" not in default
    assert (default["text"], default.get("buttons")) == (dutch["text"], dutch.get("buttons"))
    texts = [v["text"] for v in variations[:3]]
    assert len(set(texts)) == 3, f"{name}: a language repeats another's text"


@pytest.mark.parametrize("name", sorted(our_responses()))
def test_our_placeholders_are_content_slots(name: str) -> None:
    declared = set(load(DOMAIN / "content.yml")["slots"])
    for variation in our_responses()[name]:
        used = set(PLACEHOLDER_RE.findall(variation["text"]))
        assert used <= declared, f"{name}: {used - declared}"
    # the same facts in every language
    per_language = [set(PLACEHOLDER_RE.findall(v["text"])) for v in our_responses()[name]]
    assert all(p == per_language[0] for p in per_language), f"{name}: slots differ by language"


@pytest.mark.parametrize("language", LANGUAGES)
def test_rendered_answers_stay_short(language: str) -> None:
    slots = content_slots(language)
    for name, variations in our_responses().items():
        text = next(v["text"] for v in variations if language_of(v) == language)
        rendered = PLACEHOLDER_RE.sub(lambda m: slots[m.group(1)], text)
        assert len(rendered) <= MAX_TEXT, f"{name} [{language}]: {len(rendered)} characters"
        assert rendered.count("\n\n") <= 3, f"{name} [{language}]: too many paragraphs"


@pytest.mark.parametrize("name", sorted(our_responses()))
def test_buttons_have_short_titles_and_contract_payloads(name: str) -> None:
    for variation in our_responses()[name]:
        for button in variation.get("buttons") or []:
            assert 0 < len(button["title"]) <= MAX_TITLE, button["title"]
            payload = button["payload"]
            if "{" in payload:
                assert "{{" in payload, f"{name}: single braces make Rasa log an error"
            match = PAYLOAD_RE.fullmatch(rasa_payload(payload))
            assert match, f"{name}: payload {payload!r} is not in docs/CONTRACTS.md"
            if match.group("topic"):
                assert match.group("topic") in TOPICS
                json.loads(rasa_payload(payload).removeprefix("/choose_topic"))


def test_every_answer_ends_with_a_next_step() -> None:
    for name, variations in our_responses().items():
        if not name.startswith(("utter_faq/", "utter_doubt/")):
            continue
        for variation in variations:
            payloads = [b["payload"] for b in variation.get("buttons") or []]
            assert {"/start_check", "/human_handoff"} & set(payloads), name
            if name.startswith("utter_doubt/"):
                assert payloads[0] == "/start_check", f"{name}: the check comes first"


def test_the_second_fallback_offers_a_person_first() -> None:
    for variation in our_responses()["utter_fallback_twice"]:
        assert variation["buttons"][0]["payload"] == "/human_handoff"
    for variation in our_responses()["utter_fallback"]:
        payloads = [b["payload"] for b in variation["buttons"]]
        assert 3 <= sum(p.startswith("/choose_topic") for p in payloads) <= 4
        assert "/human_handoff" in payloads


def test_the_topic_menu_offers_topics_the_check_and_a_person() -> None:
    for variation in our_responses()["utter_topics"]:
        payloads = [b["payload"] for b in variation["buttons"]]
        assert 4 <= sum(p.startswith("/choose_topic{") for p in payloads) <= 6
        assert {"/start_check", "/human_handoff"} <= set(payloads)


def test_privacy_and_help_mention_the_commands() -> None:
    for variation in our_responses()["utter_privacy_keeping"]:
        payloads = [button["payload"] for button in variation["buttons"]]
        assert "/forget" in variation["text"] or "/forget_me" in payloads
        assert {"{c_retention_leads}", "{c_retention_conversation_days}"} <= set(
            re.findall(r"\{c_\w+\}", variation["text"])
        )
    for variation in our_responses()["utter_privacy"]:
        assert "/unsubscribe" in variation["text"] and "{c_privacy_url}" in variation["text"]
    for variation in our_responses()["utter_help"]:
        for command in ("/language", "/privacy", "/forget", "/stop"):
            assert command in variation["text"]
    for variation in our_responses()["utter_greet"]:
        assert "/language" in variation["text"]


# --- rules, custom actions and test stories -----------------------------------------


def test_each_core_intent_has_its_rule() -> None:
    rules = load(ROOT / "stories" / "rules_core.yml")["rules"]
    actions = {rule["steps"][0]["intent"]: rule["steps"][1]["action"] for rule in rules}
    assert actions == {
        "greet": "utter_greet",
        "goodbye": "utter_goodbye",
        "thanks": "utter_thanks",
        "bot_challenge": "utter_iamabot",
        "privacy": "utter_privacy",
        "help": "utter_help",
        "choose_topic": "action_answer_topic",
        "faq": "utter_faq",
        "doubt": "utter_doubt",
        "out_of_scope": "action_fallback",
        "nlu_fallback": "action_fallback",
        "change_language": "utter_language_changed",
    }
    assert {"action_answer_topic", "action_fallback"} <= set(
        load(DOMAIN / "responses_core.yml")["actions"]
    )


@pytest.mark.parametrize(
    ("topic", "response"),
    [
        ("faq/cost", "utter_faq/cost"),
        ("doubt/no_diploma", "utter_doubt/no_diploma"),
        (" FAQ/Contact ", "utter_faq/contact"),
        ("faq/nothing", TOPIC_MENU),
        ("utter_greet", TOPIC_MENU),
        (None, TOPIC_MENU),
        ("", TOPIC_MENU),
    ],
)
def test_a_topic_maps_to_its_answer_or_the_menu(topic: str | None, response: str) -> None:
    assert response_for_topic(topic) == response
    assert response in all_responses()


@pytest.mark.parametrize(
    ("entities", "response"),
    [
        ([{"entity": "topic", "value": "doubt/too_old"}], "utter_doubt/too_old"),
        ([], TOPIC_MENU),
    ],
)
async def test_action_answer_topic_utters_the_chosen_answer(
    entities: list[dict[str, Any]], response: str
) -> None:
    message = {"intent": {"name": "choose_topic"}, "entities": entities, "text": "/choose_topic"}
    tracker = Tracker("try-1", {}, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    assert await ActionAnswerTopic().run(dispatcher, tracker, {}) == []
    assert [m["response"] for m in dispatcher.messages] == [response]


@pytest.mark.parametrize("language", LANGUAGES)
def test_stories_cover_every_topic_and_both_fallbacks(language: str) -> None:
    stories = load(ROOT / "tests" / f"test_stories_faq_{language}.yml")["stories"]
    covered = set()
    fallbacks_in_a_row = []
    for story in stories:
        steps = story["steps"]
        assert "user" in steps[0], f"{story['story']}: must open with a user message"
        assert steps[1] == {"slot_was_set": [{"language": language}]}, story["story"]
        for index, step in enumerate(steps):
            if "intent" in step and "/" in step["intent"]:
                covered.add(step["intent"])
                assert steps[index + 2]["action"] == "utter_" + step["intent"].split("/")[0]
        fallbacks_in_a_row.append(sum(s.get("action") == "action_fallback" for s in steps))
    assert covered == TOPICS
    assert {1, 2} <= set(fallbacks_in_a_row)
