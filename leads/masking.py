"""Masking of what staff review: phone numbers, e-mail addresses and first names.

Phones are found by phonenumbers' matcher for Belgium, France and the Netherlands (the
numbers the check accepts: 0470 12 34 56, +32 470/12.34.56, 0032..., 06-12345678, ...);
anything left with six or more digits in a run (a number the matcher did not take as valid,
"0470 123 45 6 7") is masked too. Masking errs on the side of hiding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

PHONE, EMAIL, NAME = "[phone]", "[email]", "[name]"
REGIONS = ("BE", "FR", "NL")
_EMAIL = re.compile(r"[\w.+%-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*\.\s*[\w-]+)+", re.UNICODE)
# "amina at gmail dot com", "amina arobase gmail point com"
_SPELLED_EMAIL = re.compile(
    r"[\w.+-]+\s+(?:at|arobase|apenstaart(?:je)?)\s+[\w-]+\s+(?:dot|point|punt)\s+\w+",
    re.IGNORECASE,
)
_AT_WORD = re.compile(r"[^\s\[\]]*@[^\s\[\]]*")
# a run of digits with the separators people type in phone numbers, six digits or more
_DIGIT_RUN = re.compile(r"\+?\(?\d(?:[\d\s().\-/]*\d)?")
MIN_RUN_DIGITS = 6


def mask(text: str, names: Iterable[str] = ()) -> str:
    """`text` with e-mail addresses, phone numbers and the given first names replaced."""
    masked = _SPELLED_EMAIL.sub(EMAIL, _EMAIL.sub(EMAIL, text))
    masked = _AT_WORD.sub(EMAIL, masked)  # "amina@gmail": half an address is still one
    masked = _mask_phones(masked)
    masked = _DIGIT_RUN.sub(_long_run_masked, masked)
    for name in sorted(
        {n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True
    ):
        masked = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", NAME, masked, flags=re.IGNORECASE)
    return masked


def _mask_phones(text: str) -> str:
    for region in REGIONS:
        leniency = phonenumbers.Leniency.POSSIBLE
        matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency)
        spans = [(match.start, match.end) for match in matcher]
        for start, end in reversed(spans):
            text = text[:start] + PHONE + text[end:]
    return text


def _long_run_masked(match: re.Match[str]) -> str:
    run = match.group(0)
    return PHONE if sum(ch.isdigit() for ch in run) >= MIN_RUN_DIGITS else run
