"""How long each kind of application is kept, in words, from the periods the purge applies.

The privacy notice (utter_privacy) shows `c_retention_leads`, built here from the same
`privacy.retention_days` that `python -m leads purge` reads, so the notice says exactly what
the purge does, whatever staff set in content/facts.yml. Statuses with the same period share
a line; the usual families ("in progress", "closed") get one phrase.
"""

from __future__ import annotations

from collections.abc import Mapping

# One phrase per lead status, per language, completing "<N> days ...".
STATUS_PHRASES: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "new": "als we je aanmelding nog moeten bekijken",
        "contacted": "nadat we je contacteerden",
        "invited": "nadat we je uitnodigden",
        "nurture": "als het nog niet het moment is",
        "enrolled": "als je met de opleiding start",
        "no_response": "als we je niet konden bereiken",
        "declined": "als je zelf afzegt",
        "not_suitable": "als de opleiding niet bij je past",
    },
    "fr": {
        "new": "si on doit encore regarder ta candidature",
        "contacted": "après un premier contact avec nous",
        "invited": "après une invitation",
        "nurture": "si ce n'est pas encore le moment",
        "enrolled": "si tu commences la formation",
        "no_response": "si on n'a pas pu te joindre",
        "declined": "si tu dis non",
        "not_suitable": "si la formation ne te correspond pas",
    },
    "en": {
        "new": "while we still have to look at it",
        "contacted": "after we contacted you",
        "invited": "after we invited you",
        "nurture": "if it's not the right moment yet",
        "enrolled": "once you start the training",
        "no_response": "if we couldn't reach you",
        "declined": "if you say no",
        "not_suitable": "if the training isn't right for you",
    },
}
# Families of statuses that read better as one phrase when they share a period.
FAMILIES: Mapping[frozenset[str], Mapping[str, str]] = {
    frozenset({"new", "contacted", "invited", "nurture"}): {
        "nl": "zolang je aanmelding loopt",
        "fr": "tant que ta candidature est en cours",
        "en": "while your application is open",
    },
    frozenset({"declined", "not_suitable"}): {
        "nl": "als je aanmelding afgesloten is",
        "fr": "si ta candidature est clôturée",
        "en": "if your application is closed",
    },
}
DAYS = {"nl": "dagen", "fr": "jours", "en": "days"}
OR = {"nl": "of", "fr": "ou", "en": "or"}


def retention_lines(lead_days: Mapping[str, int], language: str) -> str:
    """'- 180 days while your application is open' lines, longest period first."""
    by_days: dict[int, list[str]] = {}
    for status, days in lead_days.items():
        by_days.setdefault(days, []).append(status)
    lines = []
    for days in sorted(by_days, reverse=True):
        lines.append(f"- {days} {DAYS[language]} {_phrase(by_days[days], language)}")
    return "\n".join(lines)


def _phrase(statuses: list[str], language: str) -> str:
    left = set(statuses)
    phrases = []
    for family, words in FAMILIES.items():
        if family <= left:
            phrases.append(words[language])
            left -= family
    phrases += [STATUS_PHRASES[language][s] for s in statuses if s in left]
    if len(phrases) == 1:
        return phrases[0]
    return f"{', '.join(phrases[:-1])} {OR[language]} {phrases[-1]}"
