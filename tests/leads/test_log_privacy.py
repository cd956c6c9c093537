"""No personal data through the data layer's logs: hidden SQL parameters, quiet libraries,
pseudonyms instead of chat ids."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import exc, text

from leads import log_privacy
from leads.db import get_engine
from leads.log_privacy import pseudonym

NAME = "Zephyrine Quillfeather"


def test_a_database_error_never_prints_the_bound_values(db_url: str) -> None:
    with pytest.raises(exc.DBAPIError) as raised, get_engine(db_url).begin() as connection:
        connection.execute(text("INSERT INTO no_such_table (name) VALUES (:name)"), {"name": NAME})
    assert NAME not in str(raised.value)
    assert "SQL parameters hidden" in str(raised.value)


def test_sqlalchemy_prints_no_statement_nor_row_even_at_debug(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger, as `rasa_sdk -vv` sets it
    with get_engine(db_url).connect() as connection:
        assert connection.execute(text("SELECT :name"), {"name": NAME}).scalar() == NAME
    assert not [r for r in caplog.records if r.name.startswith("sqlalchemy")]
    assert NAME not in caplog.text


def test_pseudonyms_follow_a_conversation_without_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOG_PSEUDONYM_KEY", "key-one")
    log_privacy._key.cache_clear()
    assert pseudonym("tg-7012345678") == pseudonym(7012345678) == pseudonym("7012345678")
    assert pseudonym(7012345678) != pseudonym(7012345679)
    assert "7012345678" not in pseudonym(7012345678) and len(pseudonym(1)) == 11
    before = pseudonym(7012345678)
    monkeypatch.setenv("LOG_PSEUDONYM_KEY", "key-two")
    log_privacy._key.cache_clear()
    assert pseudonym(7012345678) != before  # keyed: not a plain hash anyone can recompute
    log_privacy._key.cache_clear()
