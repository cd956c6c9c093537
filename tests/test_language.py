"""The reply language (PRODUCT.md §3) and action_validate_slot_mappings."""

from __future__ import annotations

import functools
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import language
from actions.language import choose_language, detect, language_from_telegram_code

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"

NO_SIGNAL = [
    "ok",
    "19",
    "Brussel",
    "Bruxelles",
    "Liège",
    "Charleroi",
    "jan@example.com",
    "+32 470 12 34 56",
    "👍",
    "/start_check",
    "VDAB",
    "Mohamed",
    "Sarah",
    "https://example.org/info",
    "oké 👍",
    "haha",
    "18",
]


def decide(text: str, **overrides: Any) -> str:
    context = {"explicit": None, "current": None, "telegram_code": None, "default": "nl"}
    context.update(overrides)
    return choose_language(text, **context)


# --- the order of §3 -----------------------------------------------------------------------------
def test_an_explicit_choice_beats_everything() -> None:
    assert decide("hoeveel kost het", explicit="fr", current="nl", telegram_code="nl-BE") == "fr"
    assert decide("how much is it", explicit="nl", current="en", telegram_code="en-US") == "nl"


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("combien ça coûte", "nl", "fr"),
        ("c'est gratuit?", "en", "fr"),
        ("how much does it cost", "fr", "en"),
        ("i wanna join", "nl", "en"),
        ("hoeveel kost het", "en", "nl"),
        ("wa kost da", "fr", "nl"),
    ],
)
def test_a_confident_detection_beats_the_language_in_use(
    text: str, current: str, expected: str
) -> None:
    assert decide(text, current=current, telegram_code=current) == expected


@pytest.mark.parametrize("text", NO_SIGNAL)
@pytest.mark.parametrize("current", ["nl", "fr", "en"])
def test_messages_without_language_signal_never_flip_the_language(text: str, current: str) -> None:
    assert detect(text).language is None
    assert decide(text, current=current) == current


@pytest.mark.parametrize("text", ["merci", "sorry", "hello", "pardon", "super", "cool"])
@pytest.mark.parametrize("current", ["nl", "fr", "en"])
def test_words_everyone_here_uses_do_not_flip_the_language(text: str, current: str) -> None:
    assert decide(text, current=current) == current


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "Zakaria El Idrissi", "xyzzy plugh"])
def test_langdetect_alone_never_flips_the_language(text: str) -> None:
    for current in ("nl", "fr", "en"):
        assert decide(text, current=current) == current


def test_the_telegram_code_is_used_only_when_there_is_nothing_else() -> None:
    assert decide("ok", telegram_code="fr-BE") == "fr"
    assert decide("ok", current="en", telegram_code="fr-BE") == "en"
    assert decide("hoeveel kost het", telegram_code="fr-BE") == "nl"
    assert decide("/start_check", telegram_code="en-US") == "en"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("nl", "nl"),
        ("nl-BE", "nl"),
        ("fr-BE", "fr"),
        ("FR", "fr"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("de", None),
        ("ar", None),
        ("", None),
        (None, None),
    ],
)
def test_telegram_codes_map_to_our_languages(code: str | None, expected: str | None) -> None:
    assert language_from_telegram_code(code) == expected


def test_the_default_comes_last() -> None:
    assert decide("ok", telegram_code="de", default="fr") == "fr"
    assert decide("19", default="en") == "en"
    assert decide("👍", default="xx") == "nl"


def test_the_decision_is_deterministic() -> None:
    texts = ["wa kost da", "jsuis chaud", "how much", "programmeren", "stage?", "ik ben 19"]
    texts += ["la boulangerie", "remettre", "exact", "kitchen"]  # lingua is consulted
    first = [detect(text) for text in texts]
    for _ in range(20):
        language._detect_cached.cache_clear()  # recompute, do not just read the cache
        assert [detect(text) for text in texts] == first
    probabilities = [language.langdetect_probabilities("hoeveel") for _ in range(20)]
    assert all(p == probabilities[0] for p in probabilities)
    assert language.detector_factory() is language.detector_factory()
    assert language.detector_factory().get_lang_list() == ["nl", "fr", "en"]


def test_detection_reports_its_confidence_and_reason() -> None:
    detection = detect("hoeveel kost de opleiding")
    assert detection.language == "nl"
    assert 0.9 < detection.confidence <= 1.0
    assert detection.words == 4
    assert detect("/start_check").reason == "payload"
    assert detect("jan@example.com").reason == "no language signal"


# --- first messages and very short text ---------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "en"),
        ("Hello!", "en"),
        ("hi", "en"),
        ("hi 👋", "en"),
        ("hey hey", "en"),
        ("hallo", "nl"),
        ("Hallo!", "nl"),
        ("hoi", "nl"),
        ("hoiii", "nl"),
        ("Hellooo", "en"),
        ("dag", "nl"),
        ("goeiemiddag", "nl"),
        ("goedemorgen Mohamed", "nl"),
        ("salut", "fr"),
        ("Salut !", "fr"),
        ("bonjour", "fr"),
        ("slt", "fr"),
        ("coucou", "fr"),
        ("bonsoir Sarah", "fr"),
    ],
)
def test_a_greeting_decides_the_first_message(text: str, expected: str) -> None:
    assert decide(text) == expected
    other = "fr-BE" if expected != "fr" else "nl-BE"
    assert decide(text, telegram_code=other) == expected  # a detection beats language_code
    assert detect(text).reason == "greeting"


def test_greetings_are_lexicon_words() -> None:
    assert all(word in language.LEXICON for word in language.GREETING_LANGUAGE)


def test_a_greeting_followed_by_a_question_is_decided_by_the_question() -> None:
    assert decide("hello, hoeveel kost het") == "nl"
    assert decide("hallo, how much is it") == "en"
    assert decide("salut, is het gratis?") == "nl"


@pytest.mark.parametrize("text", ["hi", "hey", "hello", "hi 👋"])
@pytest.mark.parametrize("current", ["nl", "fr"])
def test_an_english_greeting_does_not_flip_the_language(text: str, current: str) -> None:
    assert decide(text, current=current) == current


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("boterham", "nl"),
        ("ziekenhuis", "nl"),
        ("wisselgeheugen", "nl"),
        ("fromage", "fr"),
        ("boulangerie", "fr"),
        ("remettre", "fr"),
        ("kitchen", "en"),
        ("beautiful", "en"),
        ("nevertheless", "en"),
        ("la boulangerie", "fr"),
        ("the weather", "en"),
    ],
)
def test_single_words_the_lexicon_does_not_know_are_decided_as_a_first_message(
    text: str, expected: str
) -> None:
    assert decide(text) == expected


@pytest.mark.parametrize("text", ["boterham", "fromage", "kitchen", "wisselgeheugen"])
@pytest.mark.parametrize("current", ["nl", "fr", "en"])
def test_an_unknown_word_alone_never_flips_the_language(text: str, current: str) -> None:
    # no word the lexicon knows as typical: lingua and langdetect alone do not flip
    assert decide(text, current=current) == current


def test_lingua_is_consulted_only_for_words_the_lexicon_does_not_know(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    real = language.lingua_probabilities

    def counting(text: str) -> dict[str, float]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(language, "lingua_probabilities", counting)
    language._detect_cached.cache_clear()
    try:
        assert detect("hoeveel kost het").language == "nl"
        assert detect("c'est gratuit?").language == "fr"
        assert detect("Brussel").language is None
        assert calls == []
        assert detect("Combien coûte la boulangerie?").language == "fr"
        assert calls == ["combien coûte la boulangerie"]
    finally:
        language._detect_cached.cache_clear()


def probabilities_of(text: str) -> dict[str, float]:
    return language.lingua_probabilities(text)


def test_lingua_is_restricted_to_our_languages_and_built_once() -> None:
    assert language.lingua_detector() is language.lingua_detector()
    probabilities = language.lingua_probabilities("wisselgeheugen")
    assert set(probabilities) == {"nl", "fr", "en"}
    assert abs(sum(probabilities.values()) - 1) < 1e-6
    assert max(probabilities, key=probabilities.__getitem__) == "nl"
    # lingua's last bits vary from call to call; the rounded values do not
    assert all(
        language.lingua_probabilities("remettre") == probabilities_of("remettre") for _ in range(20)
    )


def test_lingua_is_loaded_lazily() -> None:
    code = (
        "from actions import language as l\n"
        "assert l.detect('hoeveel kost het').language == 'nl'\n"
        "assert l.lingua_detector.cache_info().currsize == 0\n"
        "assert l.detect('wisselgeheugen').language == 'nl'\n"
        "assert l.lingua_detector.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


# --- action_validate_slot_mappings ---------------------------------------------------------------
@functools.cache
def domain_dict() -> dict[str, Any]:
    """The slots of the real domain (parsing the response files takes a while: once)."""
    slots: dict[str, Any] = {}
    for path in sorted((REPO / "domain").glob("*.yml")):
        slots.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("slots") or {})
    return {"slots": slots}


def tracker(
    text: str,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    intent: str | None = "faq",
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97} if intent else {},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    events = [{"event": "user", "text": text, "parse_data": message, "metadata": metadata or {}}]
    return Tracker("tg-42", dict(slots or {}), message, events, False, None, {}, "action_listen")


async def run_action(tracker_: Tracker) -> dict[str, Any]:
    from actions.slot_mappings import ValidatePasserelleSlotMappings

    action = ValidatePasserelleSlotMappings()
    assert action.name() == "action_validate_slot_mappings"
    events = await action.run(CollectingDispatcher(), tracker_, domain_dict())
    assert all(event["event"] == "slot" for event in events)
    return {event["name"]: event["value"] for event in events}


async def test_a_language_button_payload_is_an_explicit_choice() -> None:
    payload = '/change_language{"language":"fr"}'
    entities = [{"entity": "language", "value": "fr"}]
    metadata = {"language_code": "nl-BE"}
    slots = await run_action(
        tracker(payload, {"language": "nl"}, metadata, "change_language", entities)
    )
    assert slots["language"] == "fr"
    # the payload text alone is enough, whatever the NLU made of it
    slots = await run_action(tracker(payload, {"language": "en"}, intent=None))
    assert slots["language"] == "fr"


async def test_the_change_language_intent_accepts_raw_language_names() -> None:
    entities = [{"entity": "language", "value": "Français"}]
    slots = await run_action(
        tracker("en français stp", {"language": "en"}, None, "change_language", entities)
    )
    assert slots["language"] == "fr"
    entities = [{"entity": "language", "value": "engels"}]
    slots = await run_action(
        tracker("in het engels aub", {"language": "nl"}, None, "change_language", entities)
    )
    assert slots["language"] == "en"


async def test_the_telegram_language_is_the_prior_of_a_new_conversation() -> None:
    slots = await run_action(tracker("👍", {}, {"language_code": "fr-BE"}))
    assert slots["language"] == "fr"
    slots = await run_action(tracker("how much is it", {}, {"language_code": "fr-BE"}))
    assert slots["language"] == "en"


async def test_payloads_are_never_detected_on() -> None:
    slots = await run_action(tracker("/start_check", {"language": "fr"}, intent="start_check"))
    assert "language" not in slots


async def test_the_default_language_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    slots = await run_action(tracker("19", {}))
    assert slots["language"] == "en"


async def test_the_campaign_comes_from_metadata() -> None:
    slots = await run_action(tracker("/start", {}, {"campaign": "gent-lan-7f3k"}, intent=None))
    assert slots["campaign"] == "gent-lan-7f3k"
    kept = await run_action(tracker("hallo", {"campaign": "gent-lan-7f3k"}, {}))
    assert "campaign" not in kept
    same = await run_action(
        tracker("hallo", {"campaign": "gent-lan-7f3k"}, {"campaign": "gent-lan-7f3k"})
    )
    assert "campaign" not in same


async def test_content_slots_follow_the_language_and_only_changes_are_returned() -> None:
    from actions.content import content_slots

    french = content_slots("fr")
    assert french and all(name.startswith("c_") for name in french)
    slots = await run_action(tracker("c'est où la formation", {"language": "nl"}))
    assert slots == {"language": "fr", **french}
    settled = await run_action(tracker("et c'est gratuit?", {"language": "fr", **french}))
    assert settled == {}


async def test_extracting_the_language_is_cheap() -> None:
    from actions.slot_mappings import ValidatePasserelleSlotMappings

    action = ValidatePasserelleSlotMappings()
    dispatcher, domain = CollectingDispatcher(), domain_dict()
    turn = tracker("hoeveel kost het", {"language": "nl"}, {"language_code": "nl"})
    await action.extract_language(dispatcher, turn, domain)  # langdetect once, then cached
    durations = []
    for _ in range(200):
        started = time.perf_counter()
        await action.extract_language(dispatcher, turn, domain)
        durations.append(time.perf_counter() - started)
    assert statistics.median(durations) < 0.002


# --- accuracy on short chat messages (PRODUCT.md §9) --------------------------------------------
def load(name: str) -> list[dict[str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_data_sets_are_short_chat_messages_and_disjoint() -> None:
    dev, heldout = load("langid_dev.jsonl"), load("langid_heldout.jsonl")
    assert len(dev) >= 600 and len(heldout) >= 300
    for item in dev + heldout:
        assert item["lang"] in ("nl", "fr", "en")
        assert 1 <= len(item["text"].split()) <= 5, item
    assert not {i["text"].lower() for i in dev} & {i["text"].lower() for i in heldout}


def test_accuracy_on_the_heldout_set_is_at_least_99_percent() -> None:
    result = subprocess.run(
        [sys.executable, "tools/eval_langid.py", "tests/data/langid_heldout.jsonl"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DEFAULT_LANGUAGE": "nl"},
    )
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("langid_accuracy=")
    assert float(last_line.split("=", 1)[1]) >= 0.99, result.stdout


WORD_SETS = ("langid_words_dev.jsonl", "langid_words_heldout.jsonl")
# lingua-language-detector's own level on such samples (issue 11): 0.85 and 0.96 as a first
# message; measured 0.864 and 0.976 on the held-out set, 0.714 and 0.940 before lingua.
WORDS_HELDOUT_MIN = {1: 0.85, 2: 0.96}


def test_the_word_samples_are_one_or_two_words_and_disjoint() -> None:
    samples = {name: load(name) for name in WORD_SETS}
    for name, items in samples.items():
        assert 300 <= len(items) <= 2000, name
        counts = Counter((item["lang"], item["words"]) for item in items)
        assert set(counts) == {(lang, words) for lang in ("nl", "fr", "en") for words in (1, 2)}
        for item in items:
            assert len(item["text"].split()) == item["words"], item
    dev, heldout = (samples[name] for name in WORD_SETS)
    assert not {i["text"].lower() for i in dev} & {i["text"].lower() for i in heldout}


def eval_langid(name: str) -> dict[str, float]:
    """Runs tools/eval_langid.py; returns langid_accuracy and the accuracy per words=N."""
    result = subprocess.run(
        [sys.executable, "tools/eval_langid.py", f"tests/data/{name}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DEFAULT_LANGUAGE": "nl"},
    )
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("langid_accuracy="), result.stdout
    figures = {"all": float(lines[-1].split("=", 1)[1])}
    for line in lines:
        if line.startswith("words="):
            words, rest = line.split(":", 1)
            figures[words] = float(rest.split()[1])
    return figures


def test_single_words_and_word_pairs_of_general_text_as_first_messages() -> None:
    figures = eval_langid("langid_words_heldout.jsonl")
    assert figures["words=1"] >= WORDS_HELDOUT_MIN[1], figures
    assert figures["words=2"] >= WORDS_HELDOUT_MIN[2], figures
