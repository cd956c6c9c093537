"""What the virtual people type, in Dutch, French and English.

Questions are everyday phrasings of FAQ and doubt topics. Answers to the check are chosen so
the person qualifies (PRODUCT.md §5.1: adult, committed, job seeker, a real motivation);
button answers name the button's payload, typed answers are what people write instead.
"""

from __future__ import annotations

QUESTIONS = {
    "nl": [
        "Hoe lang duurt de opleiding?",
        "Moet ik ergens voor betalen?",
        "Waar zijn jullie campussen?",
        "Ik heb geen diploma, is dat een probleem?",
        "Wanneer begint de volgende opleiding?",
        "Ik ben slecht in wiskunde, kan ik toch meedoen?",
    ],
    "fr": [
        "Combien de temps dure la formation ?",
        "Est-ce que je dois payer quelque chose ?",
        "Où sont vos campus ?",
        "Je n'ai pas de diplôme, c'est un problème ?",
        "Quand commence la prochaine formation ?",
        "Je suis nul en maths, je peux quand même ?",
    ],
    "en": [
        "How long does the training last?",
        "Do I have to pay anything?",
        "Where are your campuses?",
        "I don't have a diploma, is that a problem?",
        "When does the next training start?",
        "I'm bad at maths, can I still join?",
    ],
}

# Typed instead of the "take the check" button.
APPLY = {"nl": "Ik wil me aanmelden", "fr": "Je veux m'inscrire", "en": "I want to apply"}

FIRST_NAMES = [
    "Sam",
    "Yasmine",
    "Noah",
    "Inès",
    "Lucas",
    "Amira",
    "Milan",
    "Fatou",
    "Elias",
    "Lina",
    "Mehdi",
    "Sofia",
    "Jonas",
    "Chloé",
    "Rayan",
    "Emma",
]

AGE = {"nl": "{age}", "fr": "j'ai {age} ans", "en": "I'm {age}"}

# slot -> language -> (payload of the button to press, what to type instead)
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "campus": {
        "nl": ("Gent", "gent"),
        "fr": ("Bruxelles", "bruxelles"),
        "en": ("Antwerp", "antwerp"),
    },
    "situation": {
        "nl": ("werkzoekend", "ik zoek werk"),
        "fr": ("je cherche un emploi", "je cherche du travail"),
        "en": ("looking for a job", "I'm looking for a job"),
    },
    "registered": {"nl": ("ja", "ja"), "fr": ("oui", "oui"), "en": ("yes", "yes")},
    "experience": {
        "nl": ("een beetje", "een beetje"),
        "fr": ("jamais", "jamais"),
        "en": ("a bit", "a bit"),
    },
    "commitment": {
        "nl": ("ja, dat lukt", "ja"),
        "fr": ("oui, c'est bon", "oui"),
        "en": ("yes, I can", "yes"),
    },
    "consent": {
        "nl": ("ja, dat mag", "ja"),
        "fr": ("oui, d'accord", "oui"),
        "en": ("yes, that's fine", "yes"),
    },
    "check_confirmed": {
        "nl": ("klopt", "klopt"),
        "fr": ("c'est bon", "c'est bon"),
        "en": ("all good", "all good"),
    },
}

MOTIVATION = {
    "nl": [
        "Ik wil leren programmeren omdat ik graag met computers bezig ben en echt werk "
        "wil vinden als developer, zodat ik een stabiele toekomst heb voor mijn familie.",
        "Ik game al jaren en wil nu zelf apps en websites bouwen, een nieuwe kans krijgen "
        "en eindelijk een job vinden waar ik trots op ben.",
    ],
    "fr": [
        "Je veux apprendre à coder parce que j'adore l'informatique et je veux trouver un "
        "vrai travail comme développeur, pour avoir un avenir stable avec ma famille.",
        "Je joue aux jeux vidéo depuis longtemps et je veux créer mes propres sites et "
        "applications, changer de vie et enfin trouver un emploi dont je suis fier.",
    ],
    "en": [
        "I want to learn to code because I love computers and I really want to find a "
        "proper job as a developer, so I can build a stable future for my family.",
        "I have been gaming for years and now I want to build my own apps and websites, "
        "get a fresh chance and finally find a job I am proud of.",
    ],
}
