"""Understanding in context (issue 11): what the bot offered, answers in chat spelling,
characters that must never reach a parser."""

from __future__ import annotations

import pytest

from actions.answers import (
    clean_text,
    mentions_stop,
    parse_age,
    parse_commitment,
    parse_experience,
    parse_first_name,
    parse_situation,
)
from actions.check_form import Message, is_answer_to
from actions.slot_mappings import offer_of


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("jm apel Sami", "Sami"),
        ("jmapel sarah", "Sarah"),
        ("moi c yasmine", "Yasmine"),
        ("k ben jens", "Jens"),
        ("kben Lotte", "Lotte"),
        ("im dave", "Dave"),
        ("names Tom", "Tom"),
        ("noem mij gewoon mo", "Mo"),
        ("kevin hier", "Kevin"),
        ("sarah 😊", "Sarah"),
        ("salma xx", "Salma"),
        ("Sa\u200bmi", "Sami"),
        ("\u202aInès\u202c", "Inès"),
        ("Chaïma", "Chaïma"),
    ],
)
def test_names_in_chat_spelling(text: str, name: str) -> None:
    assert parse_first_name(text) == name


def test_a_start_phrase_is_no_name() -> None:
    message = Message("allez on y va", "start_check", 0.9)
    assert is_answer_to("first_name", message)  # a failed attempt: the question comes back
    from actions.check_form import parse_for

    assert parse_for("first_name", message) is None


def test_escape_sequences_and_invisible_characters_are_dropped() -> None:
    assert clean_text("\x1b[31mhallo\x1b[0m  w\u200bereld\u00a0!") == "hallo wereld !"
    assert parse_age("I want to code \x1b[31m since forever") is None


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("ik ben 31 en wil iets nieuws doen in mijn leven", 31),
        ("I worked in a shop for 20 years and now I want something else", None),
        ("22 ans bientôt 23", 22),
        ("twintig", 20),
    ],
)
def test_a_number_in_a_sentence_is_an_age_only_with_an_age_word(text: str, age: int | None) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("I look after my kids at home", "other"),
        ("je m'occupe de mes enfants à la maison", "other"),
        ("niks eigenlijk, ik zit thuis sinds ik gestopt ben met school", "other"),
        ("je suis étudiante à l'unif mais je pense arrêter", "student"),
    ],
)
def test_situations_said_as_a_life_story(text: str, situation: str) -> None:
    assert parse_situation(text) == situation


def test_a_doubt_at_the_situation_question_is_the_answer() -> None:
    assert is_answer_to("situation", Message("I'm on disability benefit", "doubt", 0.9))
    assert not is_answer_to("situation", Message("is it free?", "faq", 0.9))


@pytest.mark.parametrize(
    ("text", "value"),
    [("just a tiny bit", "some"), ("un tout petit peu", "some"), ("heel klein beetje", "some")],
)
def test_vague_experience(text: str, value: str) -> None:
    assert parse_experience(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("normally yes", "yes"),
        ("normaal gezien wel ja", "yes"),
        ("if I find a babysitter yes", "unsure"),
        ("als ik opvang vind ja", "unsure"),
        ("ça dépend des horaires", "unsure"),
        ("nee, ik kan nie stoppen met werken", "no"),
    ],
)
def test_commitment_with_conditions(text: str, value: str) -> None:
    assert parse_commitment(text) == value


def test_a_pause_in_their_words_but_not_a_life_story() -> None:
    assert mentions_stop("stop efkes, mijn gsm is bijna plat", strong_only=True)
    assert mentions_stop("wait i gotta go, can we stop here", strong_only=True)
    assert not mentions_stop("nee, ik kan nie stoppen met werken", strong_only=True)
    assert not is_answer_to("experience", Message("stop efkes, mijn gsm is plat", "stop", 0.5))


def _bot(*payloads: str) -> dict:
    return {"event": "bot", "data": {"buttons": [{"payload": p} for p in payloads]}}


def test_the_offer_is_the_first_button_of_the_last_bot_message() -> None:
    user = {"event": "user", "text": "ok"}
    assert offer_of([_bot("/start_check", "/choose_topic"), user]) == "check"
    assert offer_of([_bot("/human_handoff"), user]) == "handoff"
    assert offer_of([_bot('/choose_topic{"topic":"faq/cost"}'), user]) == "topic"
    assert offer_of([_bot(), user]) is None
    # the bot said nothing since the previous message: nothing is on the table
    assert offer_of([_bot("/start_check"), user, {"event": "action"}, user]) is None
