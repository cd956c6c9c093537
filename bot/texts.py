"""The few things the bot says itself, when Rasa can't or shouldn't answer. nl, fr, en."""

from __future__ import annotations

from passerelle_settings import DEFAULT_LANGUAGE

TEXTS: dict[str, dict[str, str]] = {
    "hiccup": {
        "nl": "Oei, er hapert iets bij ons 🙈 Even geduld: ik heb je bericht bewaard en "
        "antwoord zodra het weer werkt, meestal binnen een minuutje.",
        "fr": "Oups, petit souci technique de notre côté 🙈 Patience : j'ai gardé ton message "
        "et je te réponds dès que ça remarche, en général d'ici une minute.",
        "en": "Oops, a little hiccup on our side 🙈 Hang on: I've kept your message and I'll "
        "answer as soon as we're back, usually within a minute.",
    },
    "text_only": {
        "nl": "Ik kan alleen tekst lezen 🙂 Typ je vraag gewoon in een bericht, dan help ik "
        "je verder.",
        "fr": "Je ne sais lire que du texte 🙂 Écris-moi ta question dans un message et je t'aide.",
        "en": "I can only read text 🙂 Just type your question in a message and I'll help you out.",
    },
    "text_only_sticker": {
        "nl": "Leuke sticker! 😄 Maar ik kan alleen tekst lezen: typ gerust je vraag.",
        "fr": "Sympa, le sticker ! 😄 Par contre, je ne lis que le texte. Écris-moi ta question.",
        "en": "Nice sticker! 😄 I can only read text, though. Go ahead and type your question.",
    },
    "text_only_voice": {
        "nl": "Spraakberichten kan ik niet beluisteren, sorry 🙉 Typ je vraag even, dan "
        "antwoord ik meteen.",
        "fr": "Je ne peux pas écouter les messages vocaux, désolé 🙉 Écris-moi ta question et "
        "je te réponds tout de suite.",
        "en": "I can't listen to voice messages, sorry 🙉 Type your question and I'll answer "
        "right away.",
    },
    "text_only_private": {
        "nl": "Ik kan alleen tekst lezen, dus dit heb ik niet bewaard. Wil je ons je "
        "gegevens geven? Typ ze dan gewoon wanneer ik erom vraag.",
        "fr": "Je ne lis que le texte, donc je n'ai rien gardé de ça. Pour nous laisser tes "
        "coordonnées, écris-les simplement quand je te les demande.",
        "en": "I can only read text, so I haven't kept this. If you'd like to give us your "
        "details, just type them when I ask.",
    },
    "private_only": {
        "nl": "Hoi allemaal! 👋 Ik praat alleen één-op-één, zodat wat je me vertelt privé "
        "blijft. Stuur me een berichtje: {link}",
        "fr": "Salut tout le monde ! 👋 Je ne discute qu'en privé, pour que ce que tu me "
        "racontes reste entre nous. Écris-moi ici : {link}",
        "en": "Hi everyone! 👋 I only chat one-on-one, so whatever you tell me stays private. "
        "Message me here: {link}",
    },
    "slow_down": {
        "nl": "Wow, dat gaat snel! 😅 Ik heb een paar berichten overgeslagen. Wacht "
        "een paar seconden en stuur dan je volgende bericht.",
        "fr": "Waouh, ça va vite ! 😅 J'ai dû sauter quelques messages. Attends quelques "
        "secondes, puis envoie-moi la suite.",
        "en": "Whoa, that's fast! 😅 I had to skip a few messages. Wait a few seconds, then "
        "send me your next one.",
    },
    "trimmed": {
        "nl": "Dat was een lang bericht! Ik heb het eerste stuk gelezen. Heb ik iets gemist? "
        "Stuur het gerust in een nieuw bericht.",
        "fr": "C'était un long message ! J'en ai lu le début. Si j'ai raté quelque chose, "
        "renvoie-le dans un nouveau message.",
        "en": "That was a long message! I read the first part. If I missed something, just "
        "send it in a new message.",
    },
    "edited": {
        "nl": "Ik zie dat je een bericht hebt aangepast. Ik lees alleen nieuwe berichten, "
        "dus stuur het gerust opnieuw 🙂",
        "fr": "Je vois que tu as modifié un message. Je ne lis que les nouveaux messages : "
        "renvoie-le-moi 🙂",
        "en": "I see you edited a message. I only read new ones, so feel free to send it again 🙂",
    },
}

# Shown above the three language buttons: everyone must be able to read it.
LANGUAGE_PROMPT = "Kies je taal · Choisis ta langue · Choose your language"
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}

# Telegram needs some text above a keyboard when Rasa sent buttons without any.
BUTTONS_ONLY_TEXT = "👇"

COMMAND_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "start": {"nl": "Opnieuw beginnen", "fr": "Recommencer", "en": "Start over"},
    "help": {
        "nl": "Waarmee kan ik je helpen?",
        "fr": "Ce que tu peux me demander",
        "en": "What you can ask me",
    },
    "language": {"nl": "Taal kiezen", "fr": "Changer de langue", "en": "Change language"},
    "privacy": {
        "nl": "Wat gebeurt er met je gegevens?",
        "fr": "Ce qu'on fait de tes données",
        "en": "What happens to your data",
    },
    "forget": {"nl": "Wis mijn gegevens", "fr": "Effacer mes données", "en": "Delete my data"},
    "stop": {
        "nl": "Stoppen met de vragen",
        "fr": "Arrêter les questions",
        "en": "Stop the questions",
    },
    "unsubscribe": {
        "nl": "Geen berichten meer van mij",
        "fr": "Ne plus recevoir mes messages",
        "en": "No more messages from me",
    },
}

# For the admissions team's chat: English, and never any of the candidate's answers.
STAFF_TEXTS = {
    "qualified": "🎉 New qualified lead #{lead_id}\n{url}",
    "handoff": "🙋 Someone would like to talk to a person (lead #{lead_id})\n{url}",
}


def text(key: str, language: str | None, **values: str) -> str:
    variants = TEXTS[key]
    chosen = variants.get(language or "", variants[DEFAULT_LANGUAGE])
    return chosen.format(**values) if values else chosen
