"""Personal data stays out of the logs: pseudonyms for chat ids, floors for chatty libraries.

Logs never carry a chat id (nor a name, phone, e-mail or motivation). To follow one
conversation through the bot's and the action server's logs they carry `pseudonym(...)`
instead: ten hex digits of an HMAC, the same for `tg-123` and `123`, not reversible without
the key (a plain hash of a chat id would be: there are only about 10^10 of them).
The key: LOG_PSEUDONYM_KEY, else FUNNEL_SALT, else a random one per process (then the
pseudonyms of two processes do not match, which only costs the correlation).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from functools import lru_cache

from passerelle_settings import environment

PREFIXES = ("tg-", "try-", "cli-")
# Libraries whose lower levels print personal data or secrets, whatever level a process
# runs at (`rasa_sdk -vv`, uvicorn --log-level debug, LOG_LEVEL=DEBUG for the bot).
LIBRARY_FLOORS = {
    "sqlalchemy.engine": logging.WARNING,  # INFO: every statement; DEBUG: every row fetched
    "sqlalchemy.pool": logging.WARNING,
    "telegram": logging.INFO,  # DEBUG: every update and Bot API call (texts, names, chat ids)
    "httpx": logging.WARNING,  # INFO: every URL, the bot token in Telegram's
    "httpcore": logging.WARNING,
}


def pseudonym(chat_or_sender_id: object) -> str:
    value = str(chat_or_sender_id)
    for prefix in PREFIXES:
        value = value.removeprefix(prefix)
    return "c" + hmac.new(_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()[:10]


@lru_cache(maxsize=1)
def _key() -> bytes:
    settings = environment()
    configured = settings.log_pseudonym_key or settings.funnel_salt
    return configured.encode("utf-8") if configured else secrets.token_bytes(32)


def quiet_libraries() -> None:
    """Raise the libraries of LIBRARY_FLOORS to their floor (never lower a stricter level)."""
    for name, floor in LIBRARY_FLOORS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.level, floor))
