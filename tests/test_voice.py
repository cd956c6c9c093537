"""The voice check (issue 15): every text a young person reads, in nl, fr and en, rendered
with the real facts, is short, plain and ends with a next step; known errors stay out.

Texts covered: every response variation of domain/*.yml (text and button titles), the texts
of bot/texts.py, and the texts the actions assemble (the c_* facts of actions/content.py,
the check's summary of actions/check_form.py), each rendered as the person sees it.

A "next step" is concrete: the message has buttons, or its last paragraph asks a question,
names a command (/start, /stop...), a link or a contact, or tells the person what to do
(an imperative of NEXT_STEP_VERBS: "tik", "touche", "tap"...).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.check_form import build_summary, partner_links
from actions.content import content_slots, partner_with
from bot.texts import TEXTS

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "fr", "en")

MAX_PARAGRAPHS = 3
MAX_WORDS = 90
MAX_SENTENCE_WORDS = 25

# What a slot holds while the person reads the message (besides the c_* facts).
SAMPLE_ANSWERS: dict[str, Any] = {
    "first_name": "Sam",
    "age": 19,
    "campus": "liege",
    "situation": "job_seeker",
    "registered": "no",
    "experience": "none",
    "motivation": "Ik wil een job als developer en eindelijk iets bouwen waar ik trots op ben.",
    "commitment": "unsure",
    "contact": "+32470123456",
    "consent": True,
}
SAMPLE_LINK = "https://t.me/passerelle_bot?start=sam"
# What the booking actions pass to their responses (actions/booking.py), as a person sees it.
SAMPLE_SESSION: dict[str, dict[str, str]] = {
    "nl": {
        "when": "dinsdag 12 januari om 18:00",
        "place": "Campus Gent, Kortrijksesteenweg 1",
        "directions": "Tram 1, halte Sint-Pieters.",
    },
    "fr": {
        "when": "mardi 12 janvier à 18h",
        "place": "Campus Liège, rue de la Gare 1",
        "directions": "Bus 4, arrêt Guillemins.",
    },
    "en": {
        "when": "Tuesday 12 January at 6 pm",
        "place": "Campus Brussels, Rue Royale 1",
        "directions": "Metro 1, stop Centrale.",
    },
}

NEXT_STEP_VERBS = {
    "nl": (
        "tik",
        "typ",
        "stuur",
        "kies",
        "doe",
        "vraag",
        "stel",
        "zeg",
        "kom",
        "bel",
        "mail",
        "antwoord",
        "beantwoord",
        "probeer",
        "praat",
        "vertel",
        "wacht",
        "geduld",
        "kijk",
        "schrijf",
        "bereik",
    ),
    "fr": (
        "touche",
        "appuie",
        "tape",
        "écris",
        "réécris",
        "envoie",
        "renvoie",
        "choisis",
        "fais",
        "refais",
        "pose",
        "dis",
        "viens",
        "appelle",
        "réponds",
        "essaie",
        "parle",
        "parles",
        "raconte",
        "attends",
        "patience",
        "lance",
        "contacte",
        "vérifie",
    ),
    "en": (
        "tap",
        "type",
        "send",
        "pick",
        "choose",
        "take",
        "ask",
        "say",
        "come",
        "call",
        "answer",
        "give",
        "try",
        "talk",
        "tell",
        "wait",
        "hang",
        "check",
        "go",
        "reach",
    ),
}

# The errors of issue 15 (and their kin): they must not come back. (pattern, why)
BANNED: dict[str, list[tuple[str, str]]] = {
    "nl": [
        (r"\bje kunt\b|\bkun je\b", "Flemish: je kan / kan je"),
        (r"\b(?:u|uw)\b", "we say je, not u"),
        (r"wiskundeknobbel te zijn", "een wiskundeknobbel hebben"),
        (r"\bzet (?:je|jij) (?:het|alles|dat) .{0,30}in de praktijk", "in de praktijk brengen"),
        (r"\bbij wie hangt af\b|^waar hangt af\b|\. waar hangt af\b", "Waar je dat doet, hangt af"),
        (r"over het hoofd ziet", "reads as people who overlook the market"),
        (r"\bmail ons op\b", "mail naar / stuur een mail naar"),
        (r"toelatingsteam", "sounds like an entrance exam"),
        (r"\blaten we iets weten\b", "reads as 'let's'"),
        (r"eerlijkheid", "implies they might lie"),
        (r"in cijfers", "they did type a number"),
    ],
    "fr": [
        (r"\btests?\b", "it is a questionnaire, not an exam"),
        (r"\bchez (?:le )?(?:forem|vdab)\b", "au Forem, au VDAB"),
        (r"·", "point médian: a neutral phrasing instead"),
        (r"\bpas à pas\b", "reads as ne ... pas when spoken: petit à petit, étape par étape"),
        (r"\ben route\b", "au fur et à mesure"),
        (r"\bau \{contact|\bau [\w.+-]+@", "au + an e-mail address"),
        (r"\bsur les notes\b|\bpas les notes\b", "Belgian usage: les points"),
        (r"prochaine séance d'info", "one séance before two dates"),
        (r"l'entreprise du stage", "son entreprise de stage"),
        (r"\bvous\b", "we say tu"),
        (r"\ben chiffres\b", "they did type a number"),
        (r"\bte recontacte\b", "a promise: te recontactera"),
    ],
    "en": [
        (r"\bwhere depends on\b", "Where you register depends on"),
        (r"/stop pauses", "type /stop to pause"),
        (r"your level doesn't have to be", "of what?"),
        (r"\bthe chatbot of\b", "the chatbot for"),
        (r"\bgets back to you\b", "a promise: will get back to you"),
        (r"in numbers", "they did type a number"),
    ],
}
# In every language: the contact in E.164, and figures written into a text instead of
# coming from content/facts.yml (checked before the facts are filled in).
BANNED_EVERYWHERE = [
    (r"\+32\d{8,9}", "a phone in E.164: show the national format"),
]
FIGURES_OUTSIDE_FACTS = [
    r"\b\d{1,3} ?%",
    r"\b\d+ (?:op|sur|in) \d+\b",
    r"\b\d+ (?:maanden|mois|months)\b",
]
# "tap 'X'": X must be one of the message's own buttons.
NAMED_BUTTON = {
    "nl": re.compile(r"tik (?:dan |gewoon |hieronder )?op '([^']+)'(?: of '([^']+)')?"),
    "fr": re.compile(r"(?:touche|appuie sur) « ([^»]+) »(?: ou « ([^»]+) »)?"),
    "en": re.compile(
        r"tap (?:'([^']+)'|\"([^\"]+)\")(?: or (?:'([^']+)'|\"([^\"]+)\"))?", re.IGNORECASE
    ),
}

EMOJI_AROUND = re.compile(r"^[^\w'\"«]+|[^\w'\"!?.»]+$")
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][\w/]*)\}(?!\})")
URL = re.compile(r"https?://\S+")
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Text:
    where: str
    language: str
    raw: str
    rendered: str
    buttons: tuple[str, ...] = ()

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in re.split(r"\n\s*\n", self.rendered.strip()) if p.strip()]


def words(text: str) -> list[str]:
    return WORD.findall(URL.sub(" link ", text))


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?…])\s+|\n", text)
    return [part for part in parts if words(part)]


def has_next_step(text: Text) -> bool:
    if text.buttons:
        return True
    last = text.paragraphs[-1] if text.paragraphs else ""
    if "?" in last or re.search(r"(?<![\w:])/[a-z]+", last) or URL.search(last) or "@" in last:
        return True
    # "écris-le", "renvoie-moi": the verb before its pronoun counts
    tokens = {part.lower() for w in words(last) for part in re.split(r"[-'’]", w)}
    return bool(tokens & set(NEXT_STEP_VERBS[text.language]))


# --- collecting the texts ----------------------------------------------------------------


@functools.cache
def responses() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
        found.update(data.get("responses") or {})
    return found


def language_of(variation: dict[str, Any]) -> str:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language" and condition.get("value") in LANGUAGES:
            return condition["value"]
    return "nl"  # the default variations and those before a language is known are Dutch


def slots_for(language: str) -> dict[str, str]:
    """Every slot a response may show, as the person sees it in this language."""
    answers = {**SAMPLE_ANSWERS, "check_partner": partner_with("liege", language)}
    return {
        **content_slots(language),
        **{name: str(value) for name, value in answers.items()},
        "check_partner_links": partner_links("liege"),
        "check_summary": build_summary(answers, language),
        "contact_display": "0470 12 34 56",
        **SAMPLE_SESSION[language],
    }


def render(text: str, slots: dict[str, str]) -> str:
    """Like Rasa: {slot} filled in, {{ }} becomes { }; an unknown {name} stays visible."""
    filled = PLACEHOLDER.sub(lambda m: slots.get(m.group(1), m.group(0)), text)
    return filled.replace("{{", "{").replace("}}", "}")


def all_texts() -> Iterator[Text]:
    rendered_slots = {language: slots_for(language) for language in LANGUAGES}
    seen: set[tuple[str, str, str]] = set()
    for name, variations in responses().items():
        for variation in variations:
            language, raw = language_of(variation), variation.get("text") or ""
            if (name, language, raw) in seen:
                continue
            seen.add((name, language, raw))
            slots = rendered_slots[language]
            titles = tuple(render(b["title"], slots) for b in variation.get("buttons") or [])
            yield Text(f"{name} [{language}]", language, raw, render(raw, slots), titles)
    for key, variants in TEXTS.items():
        for language in LANGUAGES:
            raw = variants[language]
            yield Text(
                f"bot/texts.py {key} [{language}]", language, raw, raw.format(link=SAMPLE_LINK)
            )


@functools.cache
def texts_in(language: str) -> list[Text]:
    return [text for text in all_texts() if text.language == language]


def problems(language: str, check: Any) -> list[str]:
    return [f"{text.where}: {problem}" for text in texts_in(language) for problem in check(text)]


# --- the checks ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_its_texts(language: str) -> None:
    names = {text.where.split(" [")[0] for text in texts_in(language)}
    assert len(names) >= 70, sorted(names)
    assert {"utter_check_nurture", "utter_check_qualified", "bot/texts.py hiccup"} <= names


@pytest.mark.parametrize("language", LANGUAGES)
def test_texts_are_short(language: str) -> None:
    def check(text: Text) -> Iterator[str]:
        if len(text.paragraphs) > MAX_PARAGRAPHS:
            yield f"{len(text.paragraphs)} paragraphs"
        if len(words(text.rendered)) > MAX_WORDS:
            yield f"{len(words(text.rendered))} words"
        for sentence in sentences(text.rendered):
            if len(words(sentence)) > MAX_SENTENCE_WORDS:
                yield f"a sentence of {len(words(sentence))} words: {sentence!r}"

    found = problems(language, check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_offers_a_next_step(language: str) -> None:
    def check(text: Text) -> Iterator[str]:
        if not has_next_step(text):
            yield f"no next step (no button, question, command or instruction): {text.rendered!r}"

    found = problems(language, check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_placeholder_is_filled(language: str) -> None:
    def check(text: Text) -> Iterator[str]:
        for shown in (text.rendered, *text.buttons):
            left = PLACEHOLDER.findall(shown)
            if left:
                yield f"unfilled {left}"
            if re.search(r"\bNone\b(?! of)", shown):
                yield "a slot without a value shows as None"

    found = problems(language, check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_banned_forms_stay_out(language: str) -> None:
    rules = [(re.compile(p, re.IGNORECASE | re.MULTILINE), why) for p, why in BANNED[language]]
    everywhere = [(re.compile(p), why) for p, why in BANNED_EVERYWHERE]

    def check(text: Text) -> Iterator[str]:
        for pattern, why in rules + everywhere:
            for shown in (text.rendered, text.raw):
                match = pattern.search(shown)
                if match:
                    yield f"{match.group(0)!r} ({why})"
                    break

    found = problems(language, check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_figures_come_from_the_facts_sheet(language: str) -> None:
    figures = [re.compile(p, re.IGNORECASE) for p in FIGURES_OUTSIDE_FACTS]

    def check(text: Text) -> Iterator[str]:
        for pattern in figures:
            match = pattern.search(text.raw)
            if match:
                yield f"{match.group(0)!r} is written in the text: use its c_* fact"

    found = problems(language, check)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_named_button_is_one_of_the_buttons(language: str) -> None:
    def check(text: Text) -> Iterator[str]:
        for match in NAMED_BUTTON[language].finditer(text.rendered):
            # a title as shown, or without the emoji around it ("✅ All good, send it")
            shown = set(text.buttons) | {EMOJI_AROUND.sub("", title) for title in text.buttons}
            for named in filter(None, match.groups()):
                if named not in shown:
                    yield f"names the button {named!r}, which it does not show {text.buttons}"

    found = problems(language, check)
    assert not found, "\n".join(found)


# The moments that decide a person's path (issue 15): each says what happens next and offers
# a way forward; a person is always one tap away.
OUTCOMES = (
    "utter_check_qualified",
    "utter_check_nurture",
    "utter_check_nurture_young",
    "utter_check_no_consent",
    "utter_handoff_no_consent",
    "utter_forget_cancelled",
)
NOT_YET = {
    "nl": r"\bnog niet\b|\bnu nog niet\b|\bnog wat vroeg\b",
    "fr": r"\bpas encore\b|\bpas maintenant\b|\bpas tout de suite\b|\bencore un peu tôt\b",
    "en": r"\bnot yet\b|\ba little early\b",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_outcome_offers_a_person_and_a_way_forward(language: str) -> None:
    found = []
    for name in OUTCOMES:
        for variation in responses()[name]:
            if language_of(variation) != language:
                continue
            payloads = [b["payload"] for b in variation.get("buttons") or []]
            if "/human_handoff" not in payloads:
                found.append(f"{name} [{language}]: no 'talk to a person' button")
            if name.startswith("utter_check_nurture") and "/start_check" not in payloads:
                found.append(f"{name} [{language}]: no way to take the check again")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_nurture_says_not_yet_never_no(language: str) -> None:
    for name in ("utter_check_nurture", "utter_check_nurture_young"):
        for variation in responses()[name]:
            if language_of(variation) == language:
                assert re.search(NOT_YET[language], variation["text"], re.IGNORECASE), (
                    f"{name} [{language}]: {variation['text']!r}"
                )


# --- the checker itself ------------------------------------------------------------------


def test_the_checker_catches_what_it_should() -> None:
    long = Text("x", "en", "", " ".join(["word"] * 30) + ".")
    assert len(words(sentences(long.rendered)[0])) == 30
    assert not has_next_step(Text("x", "nl", "", "Oké, er is niks gewist."))
    assert has_next_step(Text("x", "nl", "", "Oké. Wat wil je nu doen?"))
    assert has_next_step(Text("x", "fr", "", "Ok.\n\nTouche « Parler à quelqu'un »."))
    assert has_next_step(Text("x", "en", "", "Ok.", ("Ask a question",)))
    assert has_next_step(Text("x", "en", "", "Paused. Type /start to go on."))
    assert render("Hoi {first_name} {nope}", {"first_name": "Sam"}) == "Hoi Sam {nope}"
    french = [re.compile(p, re.IGNORECASE) for p, _ in BANNED["fr"]]
    assert any(p.search("te contacter au sam@example.org ?") for p in french)
    assert any(p.search("inscrit·e chez Forem") for p in french)
    assert words("Ga naar https://www.vdab.be nu") == ["Ga", "naar", "link", "nu"]
