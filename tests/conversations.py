"""Whole motivation checks, one answer at a time, shared by the tests that play them
through different paths (REST, the Telegram bot, two Rasa instances, faults)."""

from __future__ import annotations

MOTIVATION = {
    "nl": "Ik zit al een jaar thuis en ik wil een echte job in de IT. Ik ben altijd al "
    "gefascineerd geweest door computers en wil mijn familie trots maken.",
    "fr": "Je suis au chômage depuis un an et je veux un vrai métier. J'adore l'informatique "
    "et je veux montrer à ma famille que je peux réussir.",
    "en": "I've been out of work for a year and I want a real career in tech. I have always "
    "loved computers and I want to make my family proud.",
}

# The check, one answer at a time, with a piece of the bot's answer to each.
CHECK = {
    "nl": [
        ("ik wil me aanmelden", "10 korte vragen"),
        ("ik ben Lotte", "Lotte"),
        ("negentien", "dichtst"),
        ("Gent", "Wat doe je"),
        ("ik zoek werk", "VDAB"),
        ("ja hoor", "geprogrammeerd"),
        ("een beetje HTML op school", "waarom"),
        (MOTIVATION["nl"], "7 maanden"),
        ("ja, dat lukt", "bereiken"),
        ("0470 12 34 56", "bewaren"),
        ("ja, dat mag", "0470 12 34 56"),
        ("klopt", "binnen 2 werkdagen"),
    ],
    "fr": [
        ("je veux m'inscrire", "10 petites questions"),
        ("je m'appelle Inès", "Inès"),
        ("j'ai dix-sept ans", "18 ans"),
        ("Liège", "Tu fais quoi"),
        ("je cherche du travail", "Forem"),
        ("non, pas encore", "leforem.be"),
        ("jamais", "pourquoi"),
        (MOTIVATION["fr"], "7 mois"),
        ("oui carrément", "joindre"),
        ("Ines.Dupont@Hotmail.be", "garder"),
        ("oui d'accord", "ines.dupont@hotmail.be"),
        ("c'est bon", "séance d'info"),
    ],
}
