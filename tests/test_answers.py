"""The check's free-text parsers (actions/answers.py), with real chat replies in nl, fr and en,
and the form's decision between an answer and an interruption (actions/check_form.py)."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    age_out_of_range,
    looks_like_question,
    mentions_command,
    parse_age,
    parse_campus,
    parse_check_field,
    parse_commitment,
    parse_contact,
    parse_experience,
    parse_first_name,
    parse_situation,
    parse_yes_no_unknown,
    wants_to_edit,
    word_count,
)
from actions.check_form import (
    Message,
    ValidateCheckForm,
    build_summary,
    check_questions,
    is_answer_to,
    validate_contact_text,
)

# --- first name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Sam", "Sam"),
        ("sam", "Sam"),
        ("  Yasmine  ", "Yasmine"),
        ("Jean-Pierre", "Jean-Pierre"),
        ("jean-pierre", "Jean-Pierre"),
        ("N'Golo", "N'Golo"),
        ("Mohamed El Amrani", "Mohamed El Amrani"),
        ("Zoë", "Zoë"),
        ("Ömer", "Ömer"),
        ("ik ben Lotte", "Lotte"),
        ("Ik heet Wout.", "Wout"),
        ("mijn naam is Seppe", "Seppe"),
        ("zeg maar Kobe", "Kobe"),
        ("je m'appelle Inès", "Inès"),
        ("Je m’appelle Léa", "Léa"),
        ("moi c'est Rayan", "Rayan"),
        ("my name is Alex", "Alex"),
        ("I'm Jordan!", "Jordan"),
        ("call me Mo", "Mo"),
        ("hoi, ik ben Noor", "Noor"),
        ("salut, moi c'est Enzo", "Enzo"),
    ],
)
def test_first_name_is_taken_from_free_text(text: str, name: str) -> None:
    assert parse_first_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "19",
        "sam123",
        "<script>alert(1)</script>",
        "Robert'); DROP TABLE leads;--",
        "x" * 51,
        "hoeveel kost het?",
        "hallo",
        "ja",
        "nee",
        "ok",
        "stop",
        "ik weet het niet",
        "🙂",
        "sam@gmail.com",
        "Anvers",
        "Brussel",
        "one two three four five",
        "talk to human",
        "bel me",
    ],
)
def test_what_is_not_a_first_name(text: str) -> None:
    assert parse_first_name(text) is None


# --- age --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("19", 19),
        (" 22 ", 22),
        ("I'm 19", 19),
        ("im 23 years old", 23),
        ("19 jaar", 19),
        ("ik ben 27 jaar oud", 27),
        ("j'ai 19 ans", 19),
        ("19 ans", 19),
        ("19ans", 19),
        ("18yo", 18),
        ("14", 14),
        ("99", 99),
        ("ik ben 17", 17),
        ("negentien", 19),
        ("Negentien jaar", 19),
        ("eenentwintig", 21),
        ("één en twintig", 21),
        ("tweeëntwintig", 22),
        ("tweeentwintig", 22),
        ("achttien", 18),
        ("veertien", 14),
        ("dertig", 30),
        ("veertig", 40),
        ("dix-neuf", 19),
        ("dix neuf ans", 19),
        ("j'ai dix-sept ans", 17),
        ("vingt", 20),
        ("vingt-et-un", 21),
        ("vingt et un ans", 21),
        ("vingt-deux", 22),
        ("trente-cinq", 35),
        ("quarante", 40),
        ("quatorze", 14),
        ("nineteen", 19),
        ("twenty one", 21),
        ("twenty-one", 21),
        ("I'm twenty", 20),
        ("thirty three", 33),
        ("forty", 40),
    ],
)
def test_age_from_digits_and_number_words(text: str, age: int) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "oud",
        "13",
        "12 jaar",
        "100",
        "150",
        "0",
        "born in 2005",
        "0470 12 34 56",
        "dix",
        "neuf",
        "een",
        "1 2 3 4",
        "-",
        "19.5.2005",
    ],
)
def test_what_is_not_an_age(text: str) -> None:
    assert parse_age(text) is None


# --- campus -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "campus"),
    [
        ("Brussel", "brussels"),
        ("bruxelles", "brussels"),
        ("Brussels", "brussels"),
        ("BXL", "brussels"),
        ("brusel", "brussels"),
        ("Brusells", "brussels"),
        ("Bruxelle", "brussels"),
        ("ik woon in Molenbeek", "brussels"),
        ("Schaerbeek", "brussels"),
        ("Antwerpen", "antwerp"),
        ("Anvers", "antwerp"),
        ("antwerp", "antwerp"),
        ("Antwerpn", "antwerp"),
        ("A'pen", "antwerp"),
        ("Borgerhout", "antwerp"),
        ("Gent", "ghent"),
        ("Gand", "ghent"),
        ("Ghent", "ghent"),
        ("in gent aub", "ghent"),
        ("Luik", "liege"),
        ("Liège", "liege"),
        ("liege", "liege"),
        ("Liége", "liege"),
        ("Charleroi", "charleroi"),
        ("charlerio", "charleroi"),
        ("Charlerois", "charleroi"),
        ("andere", "other"),
        ("andere stad", "other"),
        ("autre", "other"),
        ("autre ville", "other"),
        ("other", "other"),
        ("another city", "other"),
        ("Leuven", "other"),
        ("Louvain-la-Neuve", "other"),
        ("Namur", "other"),
        ("Hasselt", "other"),
        ("Brugge", "other"),
        ("Mons", "other"),
        ("tussen Gent en Antwerpen", "ghent"),
        ("Leuven, maar Brussel is ook goed", "brussels"),
    ],
)
def test_campus_in_any_language_and_spelling(text: str, campus: str) -> None:
    assert parse_campus(text) == campus


@pytest.mark.parametrize("text", ["", "xyz", "19", "ja", "ergens", "agent", "gentil"])
def test_what_is_not_a_campus(text: str) -> None:
    assert parse_campus(text) is None


# --- situation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("werkzoekend", "job_seeker"),
        ("ik zoek werk", "job_seeker"),
        ("ik heb geen werk", "job_seeker"),
        ("ik ben werkloos", "job_seeker"),
        ("stempelen", "job_seeker"),
        ("je cherche un emploi", "job_seeker"),
        ("au chômage", "job_seeker"),
        ("demandeur d'emploi", "job_seeker"),
        ("pas de boulot", "job_seeker"),
        ("looking for a job", "job_seeker"),
        ("unemployed", "job_seeker"),
        ("job_seeker", "job_seeker"),
        ("student", "student"),
        ("ik studeer", "student"),
        ("ik zit nog op school", "student"),
        ("étudiant", "student"),
        ("je suis étudiante", "student"),
        ("à la fac", "student"),
        ("I'm at university", "student"),
        ("ik werk", "employed"),
        ("ik heb een job in de horeca", "employed"),
        ("je travaille", "employed"),
        ("je bosse dans un resto", "employed"),
        ("I work in a shop", "employed"),
        ("interim", "employed"),
        ("iets anders", "other"),
        ("autre chose", "other"),
        ("something else", "other"),
        ("niks eigenlijk", "other"),
        ("rien", "other"),
        ("I stay at home with my kids", "other"),
    ],
)
def test_situation_from_free_text(text: str, situation: str) -> None:
    assert parse_situation(text) == situation


@pytest.mark.parametrize("text", ["", "19", "ja", "blabla"])
def test_what_is_not_a_situation(text: str) -> None:
    assert parse_situation(text) is None


# --- yes / no / unknown -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("ja", "yes"),
        ("Ja hoor", "yes"),
        ("jep", "yes"),
        ("jup", "yes"),
        ("tuurlijk", "yes"),
        ("natuurlijk", "yes"),
        ("zeker", "yes"),
        ("ja, dat mag", "yes"),
        ("ik ben ingeschreven bij de VDAB", "yes"),
        ("oui", "yes"),
        ("ouais", "yes"),
        ("oui oui", "yes"),
        ("carrément", "yes"),
        ("bien sûr", "yes"),
        ("d'accord", "yes"),
        ("je suis inscrit chez Actiris", "yes"),
        ("yes", "yes"),
        ("yeah", "yes"),
        ("yep", "yes"),
        ("sure", "yes"),
        ("of course", "yes"),
        ("no problem", "yes"),
        ("geen probleem", "yes"),
        ("pas de souci", "yes"),
        ("👍", "yes"),
        ("nee", "no"),
        ("neen", "no"),
        ("nee hoor", "no"),
        ("niet echt", "no"),
        ("nog niet", "no"),
        ("ik ben niet ingeschreven", "no"),
        ("non", "no"),
        ("nan", "no"),
        ("pas vraiment", "no"),
        ("pas encore", "no"),
        ("je suis pas inscrit", "no"),
        ("no", "no"),
        ("nah", "no"),
        ("nope", "no"),
        ("not really", "no"),
        ("I'm not registered", "no"),
        ("I don't think so", "no"),
        ("geen idee", "unknown"),
        ("weet ik niet", "unknown"),
        ("ik weet het niet", "unknown"),
        ("misschien", "unknown"),
        ("je sais pas", "unknown"),
        ("je ne sais pas", "unknown"),
        ("chais pas", "unknown"),
        ("aucune idée", "unknown"),
        ("peut-être", "unknown"),
        ("idk", "unknown"),
        ("not sure", "unknown"),
        ("I don't know", "unknown"),
        ("no idea", "unknown"),
        ("dunno", "unknown"),
    ],
)
def test_yes_no_unknown(text: str, answer: str) -> None:
    assert parse_yes_no_unknown(text) == answer


@pytest.mark.parametrize("text", ["", "19", "Brussel", "blabla", "hoeveel kost het"])
def test_what_is_not_yes_or_no(text: str) -> None:
    assert parse_yes_no_unknown(text) is None


# --- experience -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "experience"),
    [
        ("nog nooit", "none"),
        ("nee", "none"),
        ("nooit", "none"),
        ("jamais", "none"),
        ("non jamais", "none"),
        ("never", "none"),
        ("nope, nothing", "none"),
        ("een beetje", "some"),
        ("een beetje HTML op school", "some"),
        ("ja", "some"),
        ("un peu", "some"),
        ("j'ai déjà essayé Scratch", "some"),
        ("a bit", "some"),
        ("some python tutorials on youtube", "some"),
        ("niet veel", "some"),
        ("pas beaucoup", "some"),
        ("not much", "some"),
        ("al veel", "a_lot"),
        ("heel veel", "a_lot"),
        ("beaucoup", "a_lot"),
        ("a lot", "a_lot"),
        ("for years", "a_lot"),
    ],
)
def test_experience(text: str, experience: str) -> None:
    assert parse_experience(text) == experience


# --- commitment -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "commitment"),
    [
        ("ja, dat lukt", "yes"),
        ("ja hoor", "yes"),
        ("geen probleem", "yes"),
        ("oui, c'est bon", "yes"),
        ("carrément", "yes"),
        ("yes, I can", "yes"),
        ("no problem", "yes"),
        ("ik twijfel", "unsure"),
        ("misschien", "unsure"),
        ("dat wordt moeilijk", "unsure"),
        ("j'hésite", "unsure"),
        ("je sais pas", "unsure"),
        ("ça dépend", "unsure"),
        ("not sure", "unsure"),
        ("I'll try", "unsure"),
        ("nee, dat lukt niet", "no"),
        ("non, pas possible", "no"),
        ("pas vraiment", "no"),
        ("no, I can't", "no"),
        ("nah", "no"),
    ],
)
def test_commitment(text: str, commitment: str) -> None:
    assert parse_commitment(text) == commitment


# --- contact ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("sam.peeters@gmail.com", "email", "sam.peeters@gmail.com"),
        ("Sam.Peeters@Gmail.COM", "email", "sam.peeters@gmail.com"),
        ("mijn mail is lea_d+bot@hotmail.be", "email", "lea_d+bot@hotmail.be"),
        ("  INES@EXAMPLE.ORG. ", "email", "ines@example.org"),
        ("0470 12 34 56", "phone", "+32470123456"),
        ("0470123456", "phone", "+32470123456"),
        ("+32470123456", "phone", "+32470123456"),
        ("+32 470 12 34 56", "phone", "+32470123456"),
        ("0032 470 12 34 56", "phone", "+32470123456"),
        ("0470/12.34.56", "phone", "+32470123456"),
        ("0470-12-34-56", "phone", "+32470123456"),
        ("bel me op 0486 99 88 77", "phone", "+32486998877"),
        ("02 511 11 11", "phone", "+3225111111"),
        ("+33 6 12 34 56 78", "phone", "+33612345678"),
    ],
)
def test_contact_is_normalised(text: str, kind: str, value: str) -> None:
    contact = parse_contact(text)
    assert (contact.kind, contact.value, contact.reason) == (kind, value, None)
    assert contact.ok


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("sam@gmail", "email_invalid"),
        ("sam@@gmail.com", "email_invalid"),
        ("@gmail.com", "email_invalid"),
        ("sam..p@gmail.com", "email_invalid"),
        ("sam@gmail..com", "email_invalid"),
        ("0470 12 34", "phone_invalid"),
        ("123456", "phone_invalid"),
        ("0470 12 34 56 78 90 12", "phone_invalid"),
        ("+32 000 00 00 00", "phone_invalid"),
        ("", "missing"),
        ("ik heb geen gsm", "missing"),
        ("hoeveel kost het?", "missing"),
    ],
)
def test_invalid_contact_says_why(text: str, reason: str) -> None:
    contact = parse_contact(text)
    assert contact.value is None
    assert contact.reason == reason
    assert not contact.ok


# --- helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("ja", 1),
        ("ik wil een job", 4),
        ("j'aime l'informatique !", 2),
        ("I'd love to build apps 🚀", 5),
        ("  lots   of   space ", 3),
    ],
)
def test_word_count(text: str, count: int) -> None:
    assert word_count(text) == count


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("hoeveel kost het?", True),
        ("moet ik ingeschreven zijn bij vdab", True),
        ("c'est quoi les horaires", True),
        ("est-ce que c'est gratuit", True),
        ("how long does it take", True),
        ("is there a campus in Ghent", True),
        ("Brussel", False),
        ("19", False),
        ("ik wil een job vinden", False),
        ("ja", False),
    ],
)
def test_looks_like_question(text: str, question: bool) -> None:
    assert looks_like_question(text) is question


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("leeftijd", "age"),
        ("mijn leeftijd klopt niet", "age"),
        ("âge", "age"),
        ("naam", "first_name"),
        ("prénom", "first_name"),
        ("campus", "campus"),
        ("andere stad", "campus"),
        ("7 maanden", "commitment"),
        ("7 months", "commitment"),
        ("mon numéro", "contact"),
        ("change my email", "contact"),
        ("motivatie", "motivation"),
        ("inscription", "registered"),
        ("toestemming", "consent"),
        ("klopt", None),
    ],
)
def test_which_answer_to_change(text: str, field: str | None) -> None:
    assert parse_check_field(text) == field


@pytest.mark.parametrize(
    ("intent", "text", "mentioned"),
    [
        ("stop", "stop", True),
        ("stop", "ik wil stoppen", True),
        ("stop", "je veux arrêter", True),
        ("stop", "j'ai dix-sept ans", False),
        ("human_handoff", "kan ik met iemand praten", True),
        ("human_handoff", "je peux parler à quelqu'un ?", True),
        ("human_handoff", "can I talk to a person?", True),
        ("human_handoff", "Sam", False),
        ("forget_me", "verwijder mijn gegevens", True),
        ("forget_me", "efface mes données", True),
        ("change_language", "in het Frans aub", True),
        ("change_language", "Gent", False),
        ("faq", "stop", False),
    ],
)
def test_a_command_counts_only_in_the_persons_words(
    intent: str, text: str, mentioned: bool
) -> None:
    assert mentions_command(intent, text) is mentioned


def test_wanting_to_edit_the_summary() -> None:
    assert wants_to_edit("iets aanpassen")
    assert wants_to_edit("modifier")
    assert wants_to_edit("change something")
    assert not wants_to_edit("klopt")


# --- answer or interruption? (actions/check_form.py) -----------------------------------


@pytest.mark.parametrize(
    ("slot", "text", "intent", "confidence", "answer"),
    [
        # what parses is an answer, whatever the NLU thought it was
        ("age", "19", "faq", 0.97, True),
        ("campus", "Brussel", "faq", 0.95, True),
        ("contact", "bel me op 0470 12 34 56", "human_handoff", 0.99, True),
        ("first_name", "Sam", "greet", 0.7, True),
        ("first_name", "je m'appelle Inès", "human_handoff", 0.95, True),
        ("age", "j'ai dix-sept ans", "stop", 0.9, True),
        ("situation", "something else", "choose_topic", 0.9, True),
        ("registered", "ja hoor", "affirm", 0.99, True),
        ("check_edit_field", "leeftijd", "faq", 0.9, True),
        # unless it clearly asks something else
        ("campus", "is er een campus in Gent?", "faq", 0.93, False),
        ("registered", "moet ik ingeschreven zijn bij de VDAB", "faq", 0.88, False),
        ("registered", "ik wil met iemand praten", "human_handoff", 0.95, False),
        ("check_confirmed", "wat is de maximum leeftijd?", "faq", 0.9, False),
        # not an answer + an FAQ, a doubt or a command: rejected, the rules answer it
        ("age", "hoeveel kost het", "faq", 0.91, False),
        ("situation", "stop", "stop", 0.99, False),
        ("situation", "/human_handoff", "human_handoff", 1.0, False),
        ("consent", "ben jij een robot", "bot_challenge", 0.9, False),
        ("first_name", "talk to a human", "human_handoff", 0.95, False),
        ("situation", "je veux arrêter", "stop", 0.7, False),
        # not an answer, not a question either: a failed attempt, asked again
        ("age", "oud genoeg", "nlu_fallback", 0.3, True),
        ("age", "oud genoeg", "faq", 0.95, True),  # a short statement, not a question
        ("age", "abc", "stop", 0.9, True),  # a command the person did not say
        ("age", "12", "faq", 0.9, True),
        ("contact", "0470 12", "faq", 0.8, True),
        ("campus", "hallo", "greet", 0.9, True),
        # motivation is free text: kept unless it is a short question, doubt or command
        ("motivation", "voor het geld", "faq", 0.8, True),
        ("motivation", "hoeveel verdien je daarna?", "faq", 0.9, False),
        ("motivation", "ik heb geen diploma", "doubt", 0.95, False),
        ("motivation", "stop", "stop", 0.99, False),
        ("motivation", "pour le travail", "stop", 0.9, True),
        (
            "motivation",
            "Waarom? Omdat ik al jaren thuis zit en eindelijk iets wil bouwen "
            "waar ik trots op ben, en omdat mijn broer ook developer is.",
            "faq",
            0.7,
            True,
        ),
    ],
)
def test_what_counts_as_an_answer(
    slot: str, text: str, intent: str, confidence: float, answer: bool
) -> None:
    assert is_answer_to(slot, Message(text, intent, confidence)) is answer


def test_summary_and_edit_are_asked_only_after_consent() -> None:
    assert check_questions({"consent": False})[-1] == "consent"
    assert check_questions({"consent": True})[-1] == "check_confirmed"
    assert check_questions({"consent": True, "check_editing": True})[-2:] == [
        "check_edit_field",
        "check_confirmed",
    ]


def test_summary_shows_the_answers_in_the_persons_language() -> None:
    values = {
        "first_name": "Inès",
        "age": 19,
        "campus": "liege",
        "situation": "job_seeker",
        "registered": "no",
        "experience": "none",
        "motivation": "x" * 300,
        "commitment": "unsure",
        "contact": "ines@example.org",
        "check_partner": "au Forem",
    }
    summary = build_summary(values, "fr")
    assert "• Campus : Liège" in summary
    assert "• Inscription au Forem : non" in summary
    assert "• 7 mois à temps plein : j'hésite" in summary
    assert "x" * 159 + "…" in summary and "x" * 160 not in summary
    assert "• Campus: Luik" in build_summary(values, "nl")
    # a phone is read back as the person typed it, not in E.164
    dutch = build_summary({**values, "contact": "+32470123456", "check_partner": None}, "nl")
    assert "• Contact: 0470 12 34 56" in dutch
    assert "• Ingeschreven bij Forem: nee" in dutch


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("j'ai 12 ans", 12),
        ("150", 150),
        ("0", 0),
        ("19", None),
        ("99", None),
        ("2005", None),
        ("12 of 13", None),
        ("abc", None),
    ],
)
def test_an_age_out_of_range_is_told_apart(text: str, expected: int | None) -> None:
    assert age_out_of_range(text) == expected


@pytest.mark.parametrize(
    ("text", "reask", "age"),
    [
        ("12", "age_low", None),
        ("150", "age_high", None),
        ("oud genoeg", "age", None),
        ("2005", "age", None),
        ("19", None, 19),
    ],
)
def test_an_age_out_of_range_gets_its_own_kind_reask(
    text: str, reask: str | None, age: int | None
) -> None:
    tracker = Tracker("tg-1", {}, {"text": text}, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = ValidateCheckForm().validate_age(text, dispatcher, tracker, {})
    assert result == {"age": age, "check_reask": reask}
    assert dispatcher.messages == []  # the re-ask is the question itself (domain/check.yml)


def test_a_15_year_old_is_kept_and_told_the_minimum_age() -> None:
    tracker = Tracker("tg-1", {}, {"text": "15"}, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    assert ValidateCheckForm().validate_age("15", dispatcher, tracker, {})["age"] == 15
    assert [m["response"] for m in dispatcher.messages] == ["utter_check_under_18"]


def test_a_contact_is_kept_in_e164_and_read_back_in_the_national_format() -> None:
    assert validate_contact_text("0470 12 34 56") == {
        "contact": "+32470123456",
        "contact_display": "0470 12 34 56",
        "check_reask": None,
    }
    assert validate_contact_text("Sam@Example.org")["contact_display"] == "sam@example.org"
