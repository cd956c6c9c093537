"""Free-text answers of the motivation check → clean values (PRODUCT.md §5).

Pure functions, no Rasa: every question accepts free text in Dutch, French or English (buttons
are only shortcuts that send a text these parsers understand, e.g. the value's own key). Each
parser returns the value, or None when the text holds no usable answer.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import phonenumbers

# --- text helpers -----------------------------------------------------------------------

# Terminal escape sequences ("\x1b[31m" pasted from a terminal) and what they leave behind.
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def clean_text(text: str) -> str:
    """The text as a person meant it: no escape sequences, no control or invisible characters
    (zero-width spaces, direction marks), odd spaces as plain spaces. Runs before any parser,
    so "\x1b[31m" is never an age and "Sa\u200bmi" is still Sami."""
    text = _ANSI_ESCAPE.sub("", text or "")
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t" or category == "Zs":
            kept.append(" ")
        elif category in ("Cc", "Cf", "Co", "Cs"):
            if char == "\u200d":
                kept.append(char)  # joins emoji (👍🏽, 🤷‍♂️): harmless, dropped with them
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def fold(text: str) -> str:
    """Lower-case, accents removed, curly apostrophes straightened, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("`", "'"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def words(text: str) -> list[str]:
    """The words of a text, folded; apostrophes stay inside words (don't, j'ai)."""
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", fold(text))


def word_count(text: str) -> int:
    """How many words a text has (emoji and punctuation are not words)."""
    return len(re.findall(r"\w+(?:['’-]\w+)*", text or ""))


def _has_phrase(folded_words: list[str], phrase: str) -> bool:
    """True when the words of `phrase` occur consecutively in `folded_words`."""
    target = _phrase_words(phrase)
    size = len(target)
    return any(folded_words[i : i + size] == target for i in range(len(folded_words) - size + 1))


@cache
def _phrase_words(phrase: str) -> list[str]:
    # the phrases are our own constant lists: fold them once, not on every message
    return words(phrase)


def _first_phrase(folded_words: list[str], phrases: list[str]) -> str | None:
    return next((phrase for phrase in phrases if _has_phrase(folded_words, phrase)), None)


_QUESTION_OPENERS = [
    # nl
    "wat",
    "wie",
    "waar",
    "wanneer",
    "waarom",
    "hoe",
    "hoeveel",
    "hoelang",
    "welke",
    "welk",
    "moet ik",
    "moet je",
    "kan ik",
    "kun je",
    "kan je",
    "mag ik",
    "is het",
    "is er",
    "zijn er",
    "heb ik",
    "heb je",
    "krijg ik",
    "ben ik",
    "bestaat",
    "kost",
    "zit er",
    # fr
    "qu'est-ce",
    "qu'est ce",
    "est-ce",
    "est ce",
    "c'est quoi",
    "c quoi",
    "quoi",
    "qui",
    "ou",
    "quand",
    "pourquoi",
    "comment",
    "combien",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "dois-je",
    "faut-il",
    "puis-je",
    "peut-on",
    "y a-t-il",
    "y a t il",
    "ai-je",
    # en
    "what",
    "who",
    "where",
    "when",
    "why",
    "how",
    "which",
    "do i",
    "do you",
    "does",
    "did",
    "can i",
    "can you",
    "could",
    "must i",
    "should i",
    "is it",
    "is there",
    "are there",
    "am i",
    "will i",
    "would",
    "have i",
    "tell me",
]


def looks_like_question(text: str) -> bool:
    """A question mark, or a sentence that opens like a question ("moet ik...", "how...")."""
    if "?" in (text or ""):
        return True
    tokens = words((text or "").replace("-", " "))
    openers = [words(opener.replace("-", " ")) for opener in _QUESTION_OPENERS]
    return any(tokens[: len(opener)] == opener for opener in openers)


# The words a request to the bot itself is made of. The NLU is sometimes confidently wrong on
# answers ("je m'appelle Inès" as human_handoff, "j'ai dix-sept ans" as stop), so a command
# only counts when the message says it.
_COMMAND_WORDS: dict[str, list[str]] = {
    "stop": [
        "stop",
        "stoppen",
        "arret",
        "arrete",
        "annul",
        "cancel",
        "quit",
        "pauze",
        "pause",
        "ophouden",
        "hou op",
        "laisse tomber",
        "laat maar",
        "never mind",
        "ca suffit",
        # "genoeg"/"enough" alone is no command: "oud genoeg" / "old enough" answers the age
        "genoeg vragen",
        "is genoeg",
        "genoeg zo",
        "genoeg geweest",
        "heb genoeg",
        "genoeg nu",
        "enough questions",
        "that's enough",
        "thats enough",
        "had enough",
        "enough for now",
        "enough now",
    ],
    "human_handoff": [
        "mens",
        "persoon",
        "iemand",
        "medewerker",
        "human",
        "person",
        "someone",
        "somebody",
        "quelqu'un",
        "quelqu",
        "humain",
        "personne",
        "conseill",
        "bellen",
        "bel me",
        "call",
        "appel",
        "telefon",
        "telephon",
        "praten",
        "spreken",
        "parler",
        "talk",
        "speak",
    ],
    "forget_me": [
        "verwijder",
        "wis",
        "wissen",
        "vergeet",
        "delete",
        "erase",
        "forget",
        "remove",
        "efface",
        "supprim",
        "oubli",
        "gdpr",
        "rgpd",
    ],
    "privacy": [
        "privacy",
        "gegevens",
        "donnee",
        "data",
        "rgpd",
        "gdpr",
        "prive",
        "confidenti",
        "vertrouwelijk",
    ],
    "help": ["help", "hulp", "aide", "commando", "command", "uitleg", "fonctionne", "werkt"],
    "change_language": [
        "nederlands",
        "vlaams",
        "frans",
        "engels",
        "francais",
        "anglais",
        "neerlandais",
        "flamand",
        "english",
        "french",
        "dutch",
        "flemish",
        "taal",
        "langue",
        "language",
    ],
    "bot_challenge": [
        "bot",
        "robot",
        "human",
        "humain",
        "mens",
        "echt",
        "real",
        "vrai",
        "machine",
        "chatbot",
    ],
    "choose_topic": ["onderwerp", "topic", "sujet", "menu", "vraag", "question"],
}


_STOP_WORDS = ("stop", "stoppen", "stopper", "arrete", "arreter", "arret", "quit")
_PAUSE_WORDS = ("pauze", "pause", "pauzeren", "pauseren")
_STOP_NOW = (
    "here",
    "hier",
    "ici",
    "la",
    "now",
    "nu",
    "efkes",
    "even",
    "ff",
    "maintenant",
    "deja",
    "for",
    "svp",
    "pls",
    "please",
    "aub",
    "alsjeblieft",
)


def mentions_stop(text: str, strong_only: bool = False) -> bool:
    """A pause in the person's own words: "stop efkes", "can we stop here", "pause jdois y aller".

    strong_only: only when the stop is about this chat (the message opens with it, or says
    "stop here / now"), not a life story ("ik kan nie stoppen met werken", "j'ai arrêté").
    """
    tokens = words((text or "").replace("-", " "))
    if any(token in _PAUSE_WORDS for token in tokens) or _has_phrase(tokens, "laat maar"):
        return True
    for index, token in enumerate(tokens):
        if token not in _STOP_WORDS:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if not strong_only or index == 0 or following in _STOP_NOW or len(tokens) <= 3:
            return True
    return False


def mentions_command(intent: str | None, text: str) -> bool:
    """Does the text contain the words of this command (stop, human_handoff, forget_me...)?"""
    stems = _COMMAND_WORDS.get(intent or "")
    if not stems:
        return False
    tokens = words((text or "").replace("-", " "))
    for stem in stems:
        if " " in stem:
            if _has_phrase(tokens, stem):
                return True
        elif any(token == stem or (len(stem) >= 4 and token.startswith(stem)) for token in tokens):
            return True
    return False


# --- first name -------------------------------------------------------------------------

_NAME_PREFIXES = [
    "my name is",
    "my name's",
    "name's",
    "my first name is",
    "my name",
    "me name",
    "call me",
    "you can call me",
    "i'm",
    "i am",
    "im",
    "it's",
    "its",
    "this is",
    "names",
    "name is",
    "name",
    "my names",
    "me is",
    "first name",
    "u can call me",
    "just call me",
    "everyone calls me",
    "mijn naam is",
    "mijn voornaam is",
    "ik heet",
    "ik ben",
    "noem me",
    "noem mij",
    "zeg maar",
    "ze noemen me",
    "k ben",
    "kben",
    "ik ben de",
    "k heet",
    "kheet",
    "heet",
    "mijn naam",
    "naam is",
    "naam",
    "voornaam",
    "ge moogt mij",
    "je mag me",
    "noem mij maar",
    "noem me maar",
    "zeg maar gewoon",
    "ik noem",
    "ben",
    "je m'appelle",
    "j'm'appelle",
    "je mappelle",
    "jm'appelle",
    "jmappelle",
    "jm appelle",
    "jm apel",
    "jmapel",
    "jm'apel",
    "je m'apel",
    "je mapel",
    "je m'apelle",
    "jm apelle",
    "jmapelle",
    "j'mapelle",
    "j'm'apelle",
    "je m appelle",
    "j m'appelle",
    "jm'apelle",
    "mon prenom est",
    "mon nom est",
    "moi c'est",
    "moi cest",
    "moi c",
    "moi",
    "c'est",
    "cest",
    "appelle-moi",
    "appelle moi",
    "je suis",
    "on m'appelle",
    "mon prenom c'est",
    "mon prenom",
    "prenom",
    "c moi",
    "c",
]
_GREETINGS = [
    "hi",
    "hey",
    "hello",
    "hallo",
    "hoi",
    "dag",
    "salut",
    "bonjour",
    "coucou",
    "yo",
    "hii",
    "hiii",
    "heyy",
    "heyyy",
    "helloo",
    "hallooo",
    "slt",
    "cc",
    "wesh",
    "bjr",
    "yoo",
    "salam",
    "ok",
    "oke",
    "okay",
    "ja",
    "oui",
    "yes",
    "euh",
    "uh",
]
# Replies that fit the shape of a name but are not one.
_NOT_NAMES = {
    "hi",
    "hey",
    "hello",
    "hallo",
    "hoi",
    "dag",
    "salut",
    "bonjour",
    "coucou",
    "yo",
    "wesh",
    "ja",
    "nee",
    "neen",
    "yes",
    "no",
    "non",
    "oui",
    "ouais",
    "ok",
    "oke",
    "okay",
    "stop",
    "help",
    "hulp",
    "aide",
    "euh",
    "uh",
    "uhm",
    "hmm",
    "lol",
    "test",
    "niks",
    "rien",
    "nothing",
    "why",
    "waarom",
    "pourquoi",
    "what",
    "wat",
    "quoi",
    "merci",
    "thanks",
    "bedankt",
    "dank je",
    "sorry",
    "pardon",
    "idk",
    "jsp",
    "bye",
    "doei",
    "ciao",
}
# A "name" with one of these words is a request to the bot ("talk to human", "bel me").
_NOT_NAME_WORDS = {
    "human",
    "person",
    "persoon",
    "mens",
    "iemand",
    "someone",
    "humain",
    "personne",
    "stop",
    "help",
    "hulp",
    "aide",
    "bot",
    "robot",
    "menu",
    "cancel",
    "annuler",
    "delete",
    "verwijder",
    "me",
    "mij",
    "moi",
    "talk",
    "praten",
    "parler",
    "bel",
    "call",
    "appelle",
}
_NAME_SHAPE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")


# Emoji, kisses and dots around a name: "sarah 😊", "salma xx", "Rayan ~~", "nadia.."
_NAME_JUNK = re.compile(r"(?:\s+(?:x{2,}|xo+|mdr|lol|hihi|haha)\b|[^\w\s'\-])+$", re.IGNORECASE)


def _without_symbols(text: str) -> str:
    kept = (" " if unicodedata.category(char)[0] == "S" else char for char in text)
    return " ".join("".join(kept).split())


def parse_first_name(text: str) -> str | None:
    """A first name of 1–50 letters (spaces, - and ' allowed), without "my name is" & co."""
    text = clean_text(text)
    if looks_like_question(text):
        return None
    name = _NAME_JUNK.sub("", " ".join(text.replace("’", "'").split())).strip(' .,!?:;"')
    name = _without_symbols(name)
    name = _strip_greeting(name)
    name = _strip_name_prefix(name).strip(' .,!?:;"')
    name = _NAME_JUNK.sub("", name).strip(' .,!?:;"')
    if not name or len(name) > 50 or not _NAME_SHAPE.match(name) or fold(name) in _NOT_NAMES:
        return None
    if len(name.split()) > 4 or parse_yes_no_unknown(name) is not None:
        return None  # "ik weet het niet", "ok": a reply, not a name
    if _NOT_NAME_WORDS & set(words(name)):
        return None
    if fold(name) in _CAMPUS_CITY_NAMES:
        return None  # "Anvers": a city, the person is ahead of the questions
    return _tidy_case(name)


def _strip_greeting(text: str) -> str:
    first, _, rest = text.partition(" ")
    if rest and fold(first).strip(",!") in _GREETINGS:
        return rest.lstrip(" ,!")
    return text


# Filler around a name: "noem mij gewoon Mo", "kevin hier", "c juste Inès", "just Tom here"
_NAME_FILLERS_BEFORE = ("gewoon", "maar", "juste", "just", "simply", "simplement", "dan")
_NAME_FILLERS_AFTER = ("hier", "here", "ici", "dus", "quoi", "lol", "mdr", "gewoon", "voila")


def _strip_name_prefix(text: str) -> str:
    text = text.lstrip("'")  # "'k ben Kobe"
    folded = fold(text)
    for prefix in sorted(_NAME_PREFIXES, key=len, reverse=True):
        if folded.startswith(prefix + " ") or folded.startswith(prefix + ","):
            text = text[len(prefix) + 1 :].strip(" ,:")
            break
    parts = text.split()
    while len(parts) > 1 and fold(parts[0]) in _NAME_FILLERS_BEFORE:
        parts = parts[1:]
    while len(parts) > 1 and fold(parts[-1]) in _NAME_FILLERS_AFTER:
        parts = parts[:-1]
    return " ".join(parts)


def has_name_prefix(text: str) -> bool:
    """ "my name is...", "jm apel...", "k ben...": the message says it gives a name."""
    folded = fold(_strip_greeting(clean_text(text))).lstrip("'")
    return any(folded.startswith(prefix + " ") for prefix in _NAME_PREFIXES if len(prefix) >= 2)


def name_as_typed(text: str) -> str | None:
    """The letters of a reply, as a name, when nothing better could be read (a second miss):
    at most three words, 50 characters; None when it holds no letters."""
    kept = re.sub(r"[^\w\s'\-]|[\d_]", " ", _without_symbols(clean_text(text)))
    name = " ".join(kept.split()[:3])[:50].strip(" '-")
    return _tidy_case(name) if name else None


def _tidy_case(name: str) -> str:
    if name != name.lower():
        return name
    return re.sub(r"(^|[ '\-])([^\W\d_])", lambda m: m.group(1) + m.group(2).upper(), name)


# --- age --------------------------------------------------------------------------------

MIN_AGE, MAX_AGE = 14, 99


def _number_words() -> dict[str, int]:
    """Number words 14–40 in nl, fr and en, folded and without spaces or hyphens."""
    table: dict[str, int] = {}
    nl_units = ["een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"]
    nl_teens = ["veertien", "vijftien", "zestien", "zeventien", "achttien", "negentien"]
    fr_units = ["un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
    fr_teens = ["quatorze", "quinze", "seize", "dixsept", "dixhuit", "dixneuf"]
    en_units = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    en_teens = ["fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    for offset, (nl, fr, en) in enumerate(zip(nl_teens, fr_teens, en_teens, strict=True)):
        table.update({nl: 14 + offset, fr: 14 + offset, en: 14 + offset})
    tens = {
        20: ("twintig", "vingt", "twenty"),
        30: ("dertig", "trente", "thirty"),
        40: ("veertig", "quarante", "forty"),
    }
    for value, (nl_ten, fr_ten, en_ten) in tens.items():
        table.update({nl_ten: value, fr_ten: value, en_ten: value})
        if value == 40:
            continue
        for unit in range(1, 10):
            nl_unit, fr_unit, en_unit = nl_units[unit - 1], fr_units[unit - 1], en_units[unit - 1]
            table[f"{nl_unit}en{nl_ten}"] = value + unit  # tweeëntwintig folds to tweeentwintig
            table[f"{fr_ten}{fr_unit}"] = value + unit
            if unit == 1:
                table[f"{fr_ten}etun"] = value + 1
            table[f"{en_ten}{en_unit}"] = value + unit
    return table


NUMBER_WORDS = _number_words()


# In a longer sentence a number is an age only when it is said as one ("ik ben 31 en...",
# "j'ai 25 ans", "I'm 24"), not a duration ("for 20 years", "depuis 3 ans", "al 5 jaar").
_AGE_SAID = re.compile(
    r"(?:\b(?:ik ben|kben|k ben|ben|i'?m|i am|j'ai|jai|g|leeftijd|age|aged|turned|geworden)"
    r"\s+(\d{1,2})\b)|(?:(?<!for )(?<!since )(?<!depuis )(?<!fait )(?<!sinds )(?<!al )"
    r"(?<!voor )(?<!pendant )\b(\d{1,2})\s*(?:jaar oud|years old|yo|y/o|ans|jaar|jr|yrs)\b)"
)
_AGE_SENTENCE_WORDS = 6


# "29.. nee 30", "27, non 28 pardon", "19.. no wait 20": the answer after the correction counts
_CORRECTION = re.compile(
    r"\b(?:nee|neen|no|non|nn|nope|sorry|pardon|wacht|wait|attends|attend|i mean|je veux dire|"
    r"ik bedoel|enfin|oops|oeps)\b"
)


def corrects_itself(text: str) -> bool:
    return bool(_CORRECTION.search(fold(text or "")))


def parse_age(text: str) -> int | None:
    """An age 14–99 from "19", "I'm 19", "19 jaar", "j'ai 19 ans" or a number word 14–40."""
    text = clean_text(text)
    if word_count(text) > _AGE_SENTENCE_WORDS:
        said = _AGE_SAID.search(fold(text))
        if said is None:
            return None
        text = said.group(1) or said.group(2)
    numbers = [int(n) for n in re.findall(r"(?<![\d.,])\d{1,3}(?![\d.,]\d)", text or "")]
    if re.search(r"\d{4,}", text or "") or len(numbers) > 2:
        return None  # a year, a phone number or a list of numbers is not an age
    in_range = [n for n in numbers if MIN_AGE <= n <= MAX_AGE]
    if len(in_range) > 1 and corrects_itself(text):
        return in_range[-1]
    if numbers:
        return next(iter(in_range), None)
    return _age_from_words(words(text or ""))


def age_out_of_range(text: str) -> int | None:
    """The one age-like number of a short answer that parse_age refuses as out of range
    ("12", "j'ai 150 ans"), so the re-ask can say why; None for anything else."""
    text = clean_text(text)
    if word_count(text) > _AGE_SENTENCE_WORDS or re.search(r"\d{4,}", text):
        return None
    numbers = [int(n) for n in re.findall(r"(?<![\d.,])\d{1,3}(?![\d.,]\d)", text)]
    if len(numbers) != 1 or MIN_AGE <= numbers[0] <= MAX_AGE:
        return None
    return numbers[0]


def _age_from_words(tokens: list[str]) -> int | None:
    parts = [part for token in tokens for part in token.replace("'", " ").split()]
    for size in (4, 3, 2, 1):  # the longest match first: "vingt et un" before "vingt"
        for start in range(len(parts) - size + 1):
            value = NUMBER_WORDS.get("".join(parts[start : start + size]))
            if value is not None:
                return value
    return None


# --- campus -----------------------------------------------------------------------------

OTHER_CAMPUS = "other"

CAMPUS_ALIASES: dict[str, list[str]] = {
    "brussels": [
        "brussels",
        "brussel",
        "bruxelles",
        "bruxelle",
        "brussles",
        "brusels",
        "brussel stad",
        "bxl",
        "brux",
        "brüssel",
        "brussell",
        "brusselles",
        "bruxel",
        "bruxells",
        # municipalities of the Brussels region: their campus is Brussels
        "anderlecht",
        "molenbeek",
        "schaerbeek",
        "schaarbeek",
        "ixelles",
        "elsene",
        "etterbeek",
        "uccle",
        "ukkel",
        "forest",
        "vorst",
        "jette",
        "saint-gilles",
        "sint-gillis",
        "evere",
        "laeken",
        "laken",
        "koekelberg",
        "ganshoren",
        "berchem-sainte-agathe",
        "woluwe",
        "auderghem",
        "oudergem",
        "watermael-boitsfort",
        "saint-josse",
        "sint-joost",
        "haren",
        "neder-over-heembeek",
    ],
    "antwerp": [
        "antwerpen",
        "antwerp",
        "anvers",
        "antwerpe",
        "antwerpn",
        "antwerpem",
        "antwerbe",
        "a'pen",
        "borgerhout",
        "deurne",
        "merksem",
        "hoboken",
        "berchem",
        "wilrijk",
    ],
    "ghent": ["gent", "ghent", "gand", "gentbrugge", "ledeberg", "sint-amandsberg"],
    "liege": ["liege", "liège", "liége", "luik", "lüttich", "luttich", "seraing", "herstal"],
    "charleroi": ["charleroi", "charlerois", "charlroi", "charleroy", "carolo", "marcinelle"],
}

OTHER_ALIASES = [
    "other",
    "another",
    "another city",
    "elsewhere",
    "somewhere else",
    "none",
    "none of these",
    "andere",
    "ander",
    "anders",
    "ergens anders",
    "een andere",
    "geen van deze",
    "autre",
    "autres",
    "ailleurs",
    "une autre",
    "aucune",
    "aucun",
    # Belgian cities without a campus
    "leuven",
    "louvain",
    "louvain-la-neuve",
    "mechelen",
    "malines",
    "brugge",
    "bruges",
    "hasselt",
    "genk",
    "namur",
    "namen",
    "mons",
    "bergen",
    "kortrijk",
    "courtrai",
    "oostende",
    "ostende",
    "ostend",
    "aalst",
    "alost",
    "sint-niklaas",
    "roeselare",
    "tournai",
    "doornik",
    "arlon",
    "aarlen",
    "wavre",
    "waver",
    "verviers",
    "ottignies",
    "nivelles",
    "nijvel",
    "turnhout",
    "lier",
    "dendermonde",
    "tienen",
    "tirlemont",
    "ieper",
    "ypres",
    "la louviere",
    "eupen",
    "bastogne",
    "vilvoorde",
    "zaventem",
    "halle",
    "ninove",
    "lokeren",
    "geel",
    "beringen",
    "tongeren",
    "sint-truiden",
    "waregem",
    "knokke",
    "de panne",
    "dinant",
    "huy",
    "binche",
    "mouscron",
    "moeskroen",
    "soignies",
    "ath",
    "waterloo",
    "braine",
    "gembloux",
    "vise",
    "maaseik",
    "lommel",
    "zottegem",
    "eeklo",
    "maastricht",
    "lille",
    "rijsel",
    "paris",
    "amsterdam",
    "rotterdam",
    "luxembourg",
]


_CAMPUS_CITY_NAMES = {
    "brussel",
    "bruxelles",
    "brussels",
    "antwerpen",
    "anvers",
    "antwerp",
    "gent",
    "gand",
    "ghent",
    "luik",
    "liege",
    "charleroi",
}


def _campus_phrases() -> list[tuple[str, str]]:
    pairs = [(alias, key) for key, aliases in CAMPUS_ALIASES.items() for alias in aliases]
    pairs += [(key, key) for key in CAMPUS_ALIASES]
    return sorted(pairs, key=lambda pair: len(words(pair[0])), reverse=True)


_CAMPUS_PHRASES = _campus_phrases()
# Typos are matched against the city names themselves (not the municipalities).
_FUZZY_CAMPUS = {
    "brussels": "brussels",
    "brussel": "brussels",
    "bruxelles": "brussels",
    "antwerpen": "antwerp",
    "antwerp": "antwerp",
    "anvers": "antwerp",
    "ghent": "ghent",
    "liege": "liege",
    "charleroi": "charleroi",
}


def parse_campus(text: str) -> str | None:
    """The campus key (brussels, antwerp, ghent, liege, charleroi) or "other"."""
    tokens = words(text or "")
    found = _first_campus(tokens) or _fuzzy_campus(tokens)
    if found:
        return found
    if _first_phrase(tokens, OTHER_ALIASES):
        return OTHER_CAMPUS
    return None


_NEGATIONS = frozenset({"not", "niet", "nie", "geen", "pas", "no", "non", "plus", "meer"})


def _first_campus(tokens: list[str]) -> str | None:
    """The campus mentioned first in the text (a campus wins over "other"); after a
    correction ("brussel.. nee wacht, gent") the last one; never a negated one ("not brussels")."""
    found: list[tuple[int, str]] = []
    for alias, key in _CAMPUS_PHRASES:
        target = words(alias)
        for i in range(len(tokens) - len(target) + 1):
            if tokens[i : i + len(target)] == target and not (i and tokens[i - 1] in _NEGATIONS):
                found.append((i, key))
    if not found:
        return None
    found.sort()
    corrected = len({key for _, key in found}) > 1 and corrects_itself(" ".join(tokens))
    return found[-1][1] if corrected else found[0][1]


def _fuzzy_campus(tokens: list[str]) -> str | None:
    """Typos: "Antwerpn", "Brusells", "Charlerio" (only words of 5+ letters)."""
    for token in tokens:
        if len(token) < 5:
            continue
        match = difflib.get_close_matches(token, list(_FUZZY_CAMPUS), n=1, cutoff=0.85)
        if match:
            return _FUZZY_CAMPUS[match[0]]
    return None


# --- yes / no / unknown -----------------------------------------------------------------

_UNKNOWN = [
    "geen idee",
    "geen flauw idee",
    "geen benul",
    "weet niet",
    "weet het niet",
    "weet ik niet",
    "weet ik nie",
    "weet nie",
    "geen idee eigenlijk",
    "misschien",
    "twijfel",
    "niet zeker",
    "ik twijfel",
    "kweetnie",
    "kweet niet",
    "kweenie",
    "ik weet het nog niet",
    "je sais pas",
    "je ne sais pas",
    "sais pas",
    "chais pas",
    "jsp",
    "j'sais pas",
    "aucune idee",
    "peut-etre",
    "peut etre",
    "pas sur",
    "pas sure",
    "pas certain",
    "pas certaine",
    "je sais plus",
    "ca depend",
    "je doute",
    "j'hesite",
    "hesite",
    "jhesite",
    "je ne sais plus",
    "idk",
    "i don't know",
    "i dont know",
    "don't know",
    "dont know",
    "dunno",
    "not sure",
    "maybe",
    "no idea",
    "unsure",
    "perhaps",
    "not certain",
    "no clue",
    "i'm not sure",
    "unknown",
    "dont no",
    "depends",
    "it depends",
    "hangt ervan af",
    "hangt af",
]
_YES_DESPITE_NEGATION = [
    "no problem",
    "no worries",
    "no prob",
    "why not",
    "geen probleem",
    "geen punt",
    "geen zorgen",
    "waarom niet",
    "pas de probleme",
    "pas de souci",
    "pas de soucis",
    "sans probleme",
    "sans souci",
    "pourquoi pas",
    "aucun probleme",
    "aucun souci",
    "no doubt",
    "sans aucun doute",
    "zonder twijfel",
    "no problemo",
    "pas de prob",
    "no stress",
    "pas de stress",
    "geen stress",
    "no biggie",
    "no big deal",
    "pas de blem",
    "no problem at all",
    "why not",
    "sans soucis",
    "t'inquiete",
    "tkt",
]
_NO = [
    "nee",
    "neen",
    "nope",
    "nah",
    "nan",
    "no",
    "non",
    "niet",
    "nooit",
    "never",
    "jamais",
    "not",
    "pas",
    "geen",
    "nein",
    "nie",
    "nee hoor",
    "noo",
    "nooo",
    "nop",
    "nea",
    "neuh",
    "not really",
    "not yet",
    "nog niet",
    "pas encore",
    "pas vraiment",
    "pas du tout",
    "niet echt",
    "helemaal niet",
    "absolutely not",
    "no way",
    "certainly not",
    "denk het niet",
    "je crois pas",
    "je pense pas",
    "i don't think so",
    "i dont think so",
    "rather not",
    "liever niet",
    "plutot pas",
    "pas trop",
    "ik ben niet",
    "no thanks",
    "non merci",
]
_YES = [
    "ja",
    "jaa",
    "jaja",
    "ja hoor",
    "jep",
    "jup",
    "jip",
    "yep",
    "yes",
    "yess",
    "yes!",
    "yeah",
    "ya",
    "yup",
    "ye",
    "yea",
    "sure",
    "of course",
    "ofc",
    "tuurlijk",
    "natuurlijk",
    "zeker",
    "zeker weten",
    "uiteraard",
    "oke",
    "ok",
    "okay",
    "okey",
    "okido",
    "oki",
    "akkoord",
    "prima",
    "goed",
    "dat mag",
    "mag",
    "is goed",
    "da's goed",
    "top",
    "graag",
    "oui",
    "ouais",
    "ouai",
    "oue",
    "wi",
    "oui oui",
    "carrement",
    "bien sur",
    "evidemment",
    "absolument",
    "d'accord",
    "dac",
    "dacc",
    "daccord",
    "c'est bon",
    "ca marche",
    "volontiers",
    "grave",
    "bien entendu",
    "certainement",
    "exact",
    "exactement",
    "bien sur que oui",
    "definitely",
    "absolutely",
    "certainly",
    "of course",
    "yes please",
    "alright",
    "fine",
    "go",
    "let's go",
    "lets go",
    "deal",
    "correct",
    "right",
    "true",
    "klopt",
    "juist",
    "ik denk het wel",
    "je pense que oui",
    "i think so",
    "i guess so",
    "affirmative",
    "ingeschreven",
    "inscrit",
    "inscrite",
    "registered",
    "signed up",
    "ik ben ingeschreven",
    "je suis inscrit",
    "i am registered",
    "i'm registered",
    "dat lukt",
    "ca va aller",
    "all good",
    "good",
    "normaal gezien wel",
    "normaal wel",
    "normaal gezien",
    "normalement",
    "normalement oui",
    "normally",
    "normally yes",
    "inchallah",
    "inshallah",
    "insha'allah",
    "looks good",
    "perfect",
    "perfecto",
    "parfait",
    "nickel",
    "tout est bon",
    "c'est ok",
    "c'est correct",
    "correct",
    "in orde",
    "alles klopt",
    "allemaal juist",
    "dat klopt",
    "c'est juste",
    "c juste",
    "tout juste",
    "c'est ca",
    "c ca",
    "voila",
    "dat is het",
    "zo is het",
    "that's it",
    "thats it",
    "that's right",
    "thats right",
    "spot on",
    "yup that's me",
]
_YES_EMOJI = ("👍", "✅", "👌", "💪", "🙌", "✔")
_NO_EMOJI = ("👎", "❌", "🙅")


def parse_yes_no_unknown(text: str) -> str | None:
    """ "yes", "no" or "unknown" from a free-text reply ("ja hoor", "pas vraiment", "idk")."""
    tokens = words(text or "")
    folded = fold(text or "")
    if _first_phrase(tokens, _UNKNOWN) or folded.strip() in {"?", "??", "???", "🤷", "🤷‍♂️"}:
        return "unknown"
    if _first_phrase(tokens, _YES_DESPITE_NEGATION):
        return "yes"
    if _first_phrase(tokens, _NO) or any(t.endswith("n't") for t in tokens):
        return "no"
    if _first_phrase(tokens, _YES):
        return "yes"
    if any(mark in (text or "") for mark in _NO_EMOJI):
        return "no"
    if any(mark in (text or "") for mark in _YES_EMOJI):
        return "yes"
    return None


# --- situation --------------------------------------------------------------------------

SITUATIONS = ("job_seeker", "student", "employed", "other")

_SITUATION_PHRASES: list[tuple[str, list[str]]] = [
    (
        "job_seeker",
        [
            "job_seeker",
            "werkzoekend",
            "werkzoekende",
            "werkloos",
            "zonder werk",
            "geen werk",
            "geen job",
            "zoek werk",
            "zoek een job",
            "zoek job",
            "op zoek naar werk",
            "op zoek naar een job",
            "job zoeken",
            "werk zoeken",
            "stempel",
            "stempelen",
            "dop",
            "uitkering",
            "werkloosheid",
            "chomage",
            "chomeur",
            "chomeuse",
            "sans emploi",
            "demandeur d'emploi",
            "demandeuse d'emploi",
            "cherche du travail",
            "cherche un travail",
            "cherche un emploi",
            "cherche du boulot",
            "cherche un boulot",
            "cherche un job",
            "pas de travail",
            "pas de boulot",
            "pas d'emploi",
            "sans boulot",
            "sans travail",
            "au chomage",
            "unemployed",
            "job seeker",
            "jobseeker",
            "job seeking",
            "looking for a job",
            "looking for work",
            "looking for job",
            "no job",
            "out of work",
            "between jobs",
            "jobless",
            "without a job",
            "without work",
            "searching for a job",
            "cpas",
            "ocmw",
            "leefloon",
            "revenu d'integration",
            "je cherche",
            "la je cherche",
            "arrete mon boulot",
            "perdu mon boulot",
            "perdu mon travail",
            "perdu mon emploi",
            "plus de boulot",
            "quit my job",
            "lost my job",
            "got fired",
            "laid off",
            "ontslagen",
            "job kwijt",
            "werk kwijt",
            "mijn job verloren",
            "licencie",
            "licenciee",
            "vire",
            "ik zoek",
            "zoekende",
            "en recherche",
            "searching",
            "jcherche",
            "cherche du taf",
            "pas de taf",
            "sans taf",
            "kzoek",
            "k zoek",
            "looking for something",
        ],
    ),
    (
        "student",
        [
            "student",
            "studente",
            "studeer",
            "studeren",
            "op school",
            "naar school",
            "school",
            "hogeschool",
            "universiteit",
            "unief",
            "unif",
            "secundair",
            "middelbaar",
            "ik leer",
            "etudiant",
            "etudiante",
            "etudie",
            "etudes",
            "ecole",
            "lycee",
            "fac",
            "universite",
            "college",
            "en cours",
            "secondaire",
            "haute ecole",
            "studying",
            "at school",
            "study",
            "university",
            "uni",
            "pupil",
            "in school",
            "high school",
            "studies",
            # Belgian secondary school: "en 6ème technique", "rhéto", "6de middelbaar", "BSO"
            "6eme",
            "5eme",
            "4eme",
            "3eme",
            "rheto",
            "athenee",
            "humanites",
            "6de",
            "5de",
            "bso",
            "tso",
            "aso",
            "kso",
            "laatste jaar",
            "derniere annee",
        ],
    ),
    (
        "employed",
        [
            "employed",
            "ik werk",
            "werk",
            "aan het werk",
            "job",
            "een job",
            "werknemer",
            "bediende",
            "arbeider",
            "interim",
            "uitzendwerk",
            "deeltijds",
            "voltijds",
            "ik heb werk",
            "travaille",
            "je bosse",
            "bosse",
            "boulot",
            "emploi",
            "salarie",
            "salariee",
            "ouvrier",
            "employe",
            "employee",
            "interimaire",
            "mi-temps",
            "temps plein",
            "travail",
            "working",
            "i work",
            "work",
            "part-time",
            "part time",
            "full-time",
            "full time",
            "a job",
            "have a job",
            "jobs",
            "freelance",
            "zelfstandige",
            "independant",
            # jobs people name instead of saying "I work"
            "chauffeur",
            "livreur",
            "vendeur",
            "vendeuse",
            "caissier",
            "caissiere",
            "serveur",
            "serveuse",
            "cuisinier",
            "magasinier",
            "nettoyage",
            "ouvrier",
            "shift",
            "shifts",
            "journees",
            "kassier",
            "kassierster",
            "magazijn",
            "magazijnier",
            "bakkerij",
            "bakery",
            "callcenter",
            "call center",
            "bouw",
            "horeca",
            "restaurant",
            "snack",
            "delivery",
            "deliveroo",
            "uber",
            "cashier",
            "warehouse",
            "construction",
            "waiter",
            "cleaner",
            "driver",
            "poetsvrouw",
            "schoonmaak",
            "vakkenvuller",
            "ploegen",
            "opperman",
        ],
    ),
    (
        "other",
        [
            "other",
            "andere",
            "anders",
            "iets anders",
            "autre",
            "autre chose",
            "something else",
            "niks",
            "niets",
            "rien",
            "nothing",
            "thuis",
            "at home",
            "a la maison",
            "ziek",
            "malade",
            "sick",
            "ill",
            "mama",
            "papa",
            "parent",
            "moeder",
            "mere",
            "father",
            "gap year",
            "sabbat",
            "pauze",
            "pause",
            "break",
            "vrijwilliger",
            "benevole",
            "volunteer",
            "zorg",
            "soins",
            "care",
        ],
    ),
]


# Said before any category word: "ik zit thuis sinds ik gestopt ben met school" is not a student.
_SITUATION_OTHER_FIRST = [
    "gestopt met school",
    "gestopt ben met school",
    "gestopt met studeren",
    "niet meer naar school",
    "quit school",
    "left school",
    "dropped out",
    "stopped school",
    "no longer in school",
    "arrete l'ecole",
    "arrete les etudes",
    "arrete mes etudes",
    "plus a l'ecole",
    "decroche",
    "niks eigenlijk",
    "rien du tout",
    "nothing really",
    "ik zit thuis",
    "zit thuis",
    "je reste a la maison",
    "stay at home",
    "stay home",
    "at home with",
]


def parse_situation(text: str) -> str | None:
    """job_seeker, student, employed or other from what someone says they do now."""
    tokens = words(text or "")
    if _first_phrase(tokens, _SITUATION_OTHER_FIRST) and not _first_phrase(
        tokens, _SITUATION_PHRASES[0][1]
    ):
        return "other"
    for key, phrases in _SITUATION_PHRASES:
        if _phrase_not_negated(tokens, phrases):
            return key
    return None


def _phrase_not_negated(tokens: list[str], phrases: list[str]) -> bool:
    """A phrase occurs, and not right after a negation ("ik ben geen werkzoekende")."""
    for phrase in phrases:
        target = _phrase_words(phrase)
        size = len(target)
        for i in range(len(tokens) - size + 1):
            if tokens[i : i + size] == target and not set(tokens[max(0, i - 2) : i]) & _NEGATIONS:
                return True
    return False


# --- experience -------------------------------------------------------------------------

EXPERIENCES = ("none", "some", "a_lot")

_EXPERIENCE_SOME_DESPITE_A_LOT = [
    "niet veel",
    "niet zo veel",
    "niet zoveel",
    "pas beaucoup",
    "pas trop",
    "not much",
    "not a lot",
    "not that much",
    "not really much",
    "pas enormement",
    "niet echt veel",
]
# said first, these are the answer, whatever the story after it ("a little. I studied 2 years")
_EXPERIENCE_SOME_FIRST = [
    "a little",
    "a bit",
    "a tiny bit",
    "un peu",
    "un petit peu",
    "een beetje",
    "beetje",
    "een klein beetje",
    "kleinbeetje",
    "wat",
    "some",
]
_EXPERIENCE_A_LOT = [
    "a_lot",
    "veel",
    "heel veel",
    "vaak",
    "jaren",
    "al jaren",
    "ervaren",
    "expert",
    "pro",
    "professioneel",
    "beaucoup",
    "souvent",
    "plein",
    "des annees",
    "depuis des annees",
    "a lot",
    "lots",
    "loads",
    "much",
    "plenty",
    "years",
    "for years",
    "experienced",
    "tons",
    "enorm",
    "enormement",
    "every day",
    "elke dag",
    "tous les jours",
    "daily",
    "pas mal",
    "quite a lot",
    "quite a bit",
    "best wel veel",
    "vrij veel",
    "redelijk veel",
    "al een tijdje",
    "depuis des annees",
    "self taught",
    "autodidacte",
    "zelf geleerd",
]
# "je fais du python depuis 3 ans", "for 2 years", "al 4 jaar": years of it is a lot
_YEARS_OF_IT = re.compile(
    r"\b(?:depuis|since|for|al|sinds|ca fait)\s+(?:[2-9]|\d\d)\s+(?:ans|years|jaar)\b"
)
_EXPERIENCE_NONE = [
    "none",
    "nooit",
    "nog nooit",
    "never",
    "jamais",
    "nothing",
    "niks",
    "niets",
    "rien",
    "geen",
    "zero",
    "nul",
    "no experience",
    "geen ervaring",
    "aucune experience",
    "pas du tout",
    "not at all",
    "helemaal niet",
    "not yet",
    "nog niet",
    "pas encore",
]
_EXPERIENCE_SOME = [
    "some",
    "een beetje",
    "beetje",
    "wat",
    "soms",
    "een paar keer",
    "paar keer",
    "ooit",
    "geprobeerd",
    "a bit",
    "a little",
    "bit",
    "once",
    "few times",
    "a few",
    "tried",
    "un peu",
    "un petit peu",
    "quelques",
    "deja essaye",
    "essaye",
    "parfois",
    "une fois",
    "sometimes",
    "scratch",
    "html",
    "css",
    "python",
    "javascript",
    "java",
    "tutorial",
    "tutorials",
    "youtube",
    "school",
    "ecole",
    "cours",
    "les",
    "lessen",
    "course",
    "minecraft",
    "roblox",
    "arduino",
    "excel",
    "php",
    "c++",
    "c#",
    "sql",
    "peu",
    "petit peu",
    "tout petit peu",
    "klein beetje",
    "heel klein beetje",
    "tiny bit",
    "little bit",
    "a tiny bit",
    "blog",
    "wordpress",
    "site",
    "website",
    "websites",
    "tumblr",
    "mod",
    "mods",
    "plugins",
    "plugin",
    "bof",
    "basics",
    "basis",
    "bases",
    "beetje html",
    "kleine",
    "een keer",
]


# "nothing else" after something they did is not "nothing": "wat html voor mijn blog, verder niks"
_NOTHING_ELSE = re.compile(
    r"\b(?:verder niks|verder niets|meer niet|niks meer|nothing else|nothing more|not much else|"
    r"rien d'autre|rien de plus|sinon rien|pas plus)\b"
)


def parse_experience(text: str) -> str | None:
    """none, some or a_lot: has the person ever tried coding?"""
    tokens = words(_NOTHING_ELSE.sub(" ", fold(text or "")))
    if _first_phrase(tokens, _EXPERIENCE_SOME_DESPITE_A_LOT) or _first_phrase(
        tokens[:4], _EXPERIENCE_SOME_FIRST
    ):
        return "some"
    if _first_phrase(tokens, _EXPERIENCE_A_LOT) or _YEARS_OF_IT.search(" ".join(tokens)):
        return "a_lot"
    if _first_phrase(tokens, _EXPERIENCE_NONE):
        return "none"
    if _first_phrase(tokens, _EXPERIENCE_SOME):
        return "some"
    yes_no = parse_yes_no_unknown(text)
    return {"yes": "some", "no": "none"}.get(yes_no or "")


# --- commitment -------------------------------------------------------------------------

_UNSURE = [
    "unsure",
    "moeilijk",
    "lastig",
    "zwaar",
    "difficult",
    "hard",
    "tough",
    "complique",
    "dur",
    "difficile",
    "ik probeer",
    "ik ga het proberen",
    "ik zal proberen",
    "je vais essayer",
    "j'essaierai",
    "i'll try",
    "ill try",
    "i will try",
    "i can try",
    "we'll see",
    "we zien wel",
    "on verra",
    "probably",
    "waarschijnlijk",
    "probablement",
    "a voir",
    "te zien",
    # a yes under a condition: "if I find a babysitter", "als ik opvang vind", "si je trouve"
    "if i",
    "if we",
    "if it",
    "if there",
    "if my",
    "als ik",
    "als het",
    "als er",
    "als mijn",
    "si je",
    "si j'ai",
    "si on",
    "s'il",
    "si c'est",
    "si ma",
    "si mon",
    "depend",
    "depends",
    "dat hangt",
    "hangt",
    "ca depend",
    "sa depend",
    "not sure",
    "niet zeker",
    "pas sur",
    "no idea",
    "geen idee",
    "aucune idee",
    "unsure",
    "twijfel",
    "hesite",
    "j'hesite",
    "misschien",
    "maybe",
    "peut-etre",
    "peut etre",
    "ik weet het niet",
    "je sais pas",
    "jsp",
    "idk",
    "dunno",
    "i don't know",
    "i dont know",
    "weet niet",
    "weet ik niet",
    "kweetnie",
]


# "if I get in" is no doubt: it is when they would start
_YES_ONCE_IN = [
    "als ik binnen ben",
    "als ik word aangenomen",
    "als ik toegelaten word",
    "als ik erin geraak",
    "if i get in",
    "if i'm accepted",
    "if im accepted",
    "if i get accepted",
    "if i'm in",
    "once i'm in",
    "si je suis pris",
    "si je suis prise",
    "si je suis accepte",
    "si je suis acceptee",
    "si je suis retenu",
    "si je suis retenue",
    "si je suis selectionne",
]


def parse_commitment(text: str) -> str | None:
    """yes, no or unsure: can the person commit to 7 months full-time plus an internship?"""
    tokens = words(text or "")
    if _first_phrase(tokens, _YES_ONCE_IN) and parse_yes_no_unknown(text) == "yes":
        return "yes"
    if fold(text or "").strip(" .!") in ("yes", "no", "unsure"):
        return fold(text).strip(" .!")
    answer = parse_yes_no_unknown(text)
    if answer == "unknown":
        return "unsure"
    if _first_phrase(tokens, _UNSURE) and answer != "no":
        return "unsure"
    return answer


# --- contact ----------------------------------------------------------------------------

_EMAIL = re.compile(
    r"^[a-z0-9](?:[a-z0-9._%+'\-]*[a-z0-9_%+\-])?@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}$"
)
_PHONE_CHARS = re.compile(r"\+?[\d][\d\s./()\-]{5,}\d")


@dataclass(frozen=True)
class Contact:
    """A parsed contact: kind "email" or "phone" and the clean value, or a reason why not.

    reason: "email_invalid", "phone_invalid" or "missing" (neither an e-mail nor a number).
    """

    kind: str | None = None
    value: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


def parse_contact(text: str, region: str = "BE") -> Contact:
    """An e-mail address (lower-cased) or a phone number in E.164 (Belgian by default)."""
    text = (text or "").strip()
    if "@" in text:
        return _parse_email(text)
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 6:
        return _parse_phone(text, region)
    return Contact(reason="missing")


def _parse_email(text: str) -> Contact:
    candidates = [token.strip(".,;:!?()<>[]\"'") for token in text.split() if "@" in token]
    address = fold(candidates[0]) if candidates else ""
    if address.startswith("mailto:"):
        address = address[len("mailto:") :]
    if len(address) <= 254 and _EMAIL.match(address) and ".." not in address:
        return Contact(kind="email", value=address)
    return Contact(kind="email", reason="email_invalid")


def _parse_phone(text: str, region: str) -> Contact:
    match = _PHONE_CHARS.search(text)
    candidate = match.group(0) if match else text
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return Contact(kind="phone", reason="phone_invalid")
    if not phonenumbers.is_valid_number(number):
        return Contact(kind="phone", reason="phone_invalid")
    return Contact(
        kind="phone",
        value=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
    )


def display_contact(contact: str) -> str:
    """A contact as people write it here: e-mails unchanged, Belgian phone numbers in the
    national format ("0470 12 34 56"), others international ("+33 6 12 34 56 78")."""
    if "@" in contact:
        return contact
    try:
        number = phonenumbers.parse(contact, "BE")
    except phonenumbers.NumberParseException:
        return contact
    if not phonenumbers.is_possible_number(number):
        return contact
    shown = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == phonenumbers.country_code_for_region("BE")
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, shown)


# --- which answer to change (the summary's "edit") ----------------------------------------

_FIELD_WORDS: dict[str, list[str]] = {
    "first_name": ["naam", "voornaam", "name", "first name", "prenom", "nom", "firstname"],
    "age": ["leeftijd", "age", "oud", "old", "jaar", "ans", "years"],
    "campus": ["campus", "stad", "city", "ville", "locatie", "plaats", "lieu", "location"],
    "situation": ["situatie", "situation", "statut", "status", "bezigheid", "occupation"],
    "registered": [
        "inschrijving",
        "ingeschreven",
        "registration",
        "registered",
        "inscription",
        "inscrit",
        "inscrite",
        "vdab",
        "actiris",
        "forem",
        "bruxelles formation",
    ],
    "experience": ["ervaring", "experience"],
    "motivation": [
        "motivatie",
        "motivation",
        "waarom",
        "why",
        "pourquoi",
        "reden",
        "raison",
        "reason",
    ],
    "commitment": [
        "7 maanden",
        "zeven maanden",
        "7 mois",
        "sept mois",
        "7 months",
        "seven months",
        "engagement",
        "commitment",
        "beschikbaar",
        "beschikbaarheid",
        "disponible",
        "disponibilite",
        "available",
        "availability",
        "voltijds",
        "temps plein",
        "full-time",
        "full time",
    ],
    "contact": [
        "contact",
        "nummer",
        "telefoon",
        "telefoonnummer",
        "gsm",
        "gsm-nummer",
        "phone",
        "number",
        "email",
        "e-mail",
        "mail",
        "mailadres",
        "e-mailadres",
        "numero",
        "telephone",
        "portable",
        "adresse",
        "address",
        "emailadres",
    ],
    "consent": ["toestemming", "consent", "consentement", "accord", "privacy", "permission"],
}
_EDIT_WORDS = [
    "aanpassen",
    "wijzigen",
    "veranderen",
    "verbeteren",
    "fout",
    "mis",
    "change",
    "edit",
    "modify",
    "fix",
    "wrong",
    "correct it",
    "update",
    "modifier",
    "changer",
    "corriger",
    "faux",
    "erreur",
    "iets aanpassen",
    "change something",
    "pas juste",
]

CHECK_FIELDS = tuple(_FIELD_WORDS)


def parse_check_field(text: str) -> str | None:
    """Which answer someone wants to change: a slot name of the check, or None."""
    tokens = words((text or "").replace("-", " "))
    for field_name, phrases in _FIELD_WORDS.items():
        if _first_phrase(tokens, [phrase.replace("-", " ") for phrase in phrases]):
            return field_name
    return None


def wants_to_edit(text: str) -> bool:
    """ "iets aanpassen", "change something", "c'est faux": the summary is not right."""
    return bool(_first_phrase(words(text or ""), _EDIT_WORDS))
