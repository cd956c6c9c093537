"""Two things in one message: "merci ! et c'est payant ?", "thx, do I need a laptop?".

A thanks or a greeting in front of a question is politeness; the question is what the person
wants answered (PRODUCT.md §5.0). `question_after_politeness` returns the part after the
leading thanks/greeting words, for the classifier to read on its own.
"""

from __future__ import annotations

import re
import unicodedata

_POLITE = """
merci thanks thank thx ty tnx tks bedankt dank danku dankje dankjewel dankuwel merciii mercii
beaucoup bcp you je wel u well a lot lot much so very vriendelijk heel
hello hi hey heyy hallo hoi dag salut slt bonjour bjr coucou cc yo wesh goeiedag goeiemiddag
goedemiddag goeiemorgen goedemorgen goeieavond goedenavond bonsoir salam salaam
ok oke okay okey oki top super cool nice great parfait perfect nickel top génial genial
ah oh alright allright
et and en also ook aussi but maar mais so alors donc dus btw trouwens sinon anders
"""
POLITE_WORDS = frozenset(_POLITE.split())
MIN_QUESTION_WORDS = 2
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|[?]")


def _fold(word: str) -> str:
    plain = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def question_after_politeness(text: str) -> str | None:
    """ "c'est payant ?" for "merci ! et c'est payant ?"; None when nothing polite leads or
    too little follows."""
    matches = list(WORD_RE.finditer(text or ""))
    start = 0
    while start < len(matches) and _fold(matches[start].group()) in POLITE_WORDS:
        start += 1
    if start == 0 or start >= len(matches):
        return None
    rest = text[matches[start].start() :].strip()
    words = [m for m in matches[start:] if m.group() != "?"]
    return rest if len(words) >= MIN_QUESTION_WORDS else None
