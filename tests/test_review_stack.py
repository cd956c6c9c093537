"""The review inbox end to end: messages sent through Rasa's REST channel to the running stack
land in the lead store masked, with their trigger; a re-asked check answer too; /forget
erases them."""

from __future__ import annotations

import sqlite3

import pytest

from tests.test_check_integration import Chat
from tools.stack import Stack

pytestmark = pytest.mark.timeout(900)


def review_rows(stack: Stack, chat: Chat) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(stack.database_url.removeprefix("sqlite:///")) as db:
        return db.execute(
            "SELECT text, triggers, requested_slot FROM review_items WHERE sender_id = ?"
            " ORDER BY id",
            (chat.sender,),
        ).fetchall()


def test_not_understood_messages_are_collected_masked_and_forgotten(stack: Stack) -> None:
    chat = Chat(stack, "fr")
    chat.say("blorp zigzag, mon num 0470 12 34 56 et mail zorg@example.org")
    chat.talk(["je veux m'inscrire", "Inès", "euh flûte alors"])  # not an age: asked again
    rows = review_rows(stack, chat)
    assert rows[0][0] == "blorp zigzag, mon num [phone] et mail [email]", chat.dump()
    assert "fallback" in rows[0][1] or "low_confidence" in rows[0][1]
    assert ("euh flûte alors", "reask", "age") in rows, chat.dump()
    assert "effac" in chat.say("efface toutes mes données"), chat.dump()  # mid-check
    replies = chat.replies("oui")
    assert {"passerelle": "erase_tracker"} in [r.get("custom") for r in replies], chat.dump()
    assert review_rows(stack, chat) == [], chat.dump()
