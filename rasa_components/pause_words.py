"""PauseWords: a pause said in plain words is the `stop` intent, whatever the classifier thought.

"stop efkes, mijn gsm is bijna plat", "pause jdois y aller", "can we stop here": people who
want to pause write it in one word, then anything after it. The classifier, trained on whole
sentences, sometimes files the tail as out_of_scope or a fallback, and the check would then
ask its question again instead of offering the pause. Only unmistakable wording counts (the
message opens with the word, says "stop here / now", or is at most three words), never a life
story ("ik kan niet stoppen met werken", "j'ai arrêté l'école"). `stop` is always confirmed
before anything stops (stories/check.yml), so a rare false reading costs one question.

Runs after the intent classifier and its fallback (config.yml); the output keeps Rasa's shape.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

STOP = "stop"
CONFIDENCE = 0.95
PAUSE_WORDS = frozenset(
    {
        "stop",
        "stoppen",
        "stopper",
        "stopp",
        "pauze",
        "pause",
        "arrete",
        "arreter",
        "arretons",
        "pauzeren",
    }
)
# what follows a pause that is about this chat: "stop here", "stop efkes", "pause svp"
NOW_WORDS = frozenset(
    {
        "here",
        "hier",
        "ici",
        "la",
        "now",
        "nu",
        "efkes",
        "even",
        "ff",
        "effe",
        "maintenant",
        "deja",
        "for",
        "svp",
        "pls",
        "please",
        "aub",
        "alsjeblieft",
        "the",
        "de",
        "les",
        "questions",
        "vragen",
        "with",
        "met",
        "ca",
    }
)
# a pause word followed by these is a life story: "stoppen met werken", "arrêter de fumer"
STORY_WORDS = frozenset({"working", "being", "school", "smoking", "werken", "roken", "d", "l"})
WORD_RE = re.compile(r"[a-z]+")


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return WORD_RE.findall("".join(c for c in plain if not unicodedata.combining(c)))


def is_pause(text: str) -> bool:
    """Does this message ask, in plain words, to pause the conversation?"""
    if text.lstrip().startswith("/"):
        return False  # a button's payload says what it is
    tokens = _words(text)
    for index, token in enumerate(tokens):
        if token not in PAUSE_WORDS:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if following in STORY_WORDS and following not in ("met", "de"):
            continue
        if (
            following in ("met", "de")
            and index + 2 < len(tokens)
            and tokens[index + 2]
            not in ("de", "vragen", "questions", "les", "chatten", "praten", "parler")
        ):
            continue  # "stoppen met werken", "arrêter de fumer"
        if index <= 1 or following in NOW_WORDS or len(tokens) <= 3:
            return True
    return False


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PauseWords(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PauseWords:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get("intent") or {}
            if intent.get("name") in (STOP, "forget_me", "stop_messages") or not is_pause(
                message.get("text") or ""
            ):
                continue
            ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != STOP]
            top = {"name": STOP, "confidence": CONFIDENCE}
            message.set("intent", top, add_to_output=True)
            message.set("intent_ranking", [top, *ranking], add_to_output=True)
        return messages
