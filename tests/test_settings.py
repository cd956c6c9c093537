"""passerelle_settings: every variable read in one place, the vocabulary defined once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from leads.models import Lead
from passerelle_settings import (
    LANGUAGES,
    STATUSES,
    Environment,
    Language,
    LeadStatus,
    environment,
    load_env_files,
)
from passerelle_settings.environment import REPO_ROOT

PACKAGES = ("bot", "actions", "admin", "leads", "tools")


def test_nothing_said_means_the_documented_defaults() -> None:
    given = Environment.from_mapping({})
    assert given.database_url is None
    assert given.default_language is Language.NL
    assert given.spool_flusher is True
    assert given.dashboard_url == "http://127.0.0.1:8000"
    assert given.rasa_url == "http://127.0.0.1:5005"
    assert given.telegram_api_base_url == "https://api.telegram.org/bot"


def test_an_empty_or_blank_value_is_unset_and_values_are_trimmed() -> None:
    given = Environment.from_mapping(
        {"TELEGRAM_BOT_TOKEN": "", "FUNNEL_SALT": "   ", "DATABASE_URL": " sqlite:///x.db "}
    )
    assert given.telegram_bot_token is None
    assert given.funnel_salt is None
    assert given.database_url == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("configured", "expected"), [("fr", "fr"), (" EN ", "en"), ("de", "nl"), ("", "nl")]
)
def test_default_language_is_read_one_way(configured: str, expected: str) -> None:
    assert Environment.from_mapping({"DEFAULT_LANGUAGE": configured}).default_language == expected


@pytest.mark.parametrize(
    ("configured", "on"), [("off", False), ("0", False), ("No", False), ("on", True), ("x", True)]
)
def test_the_spool_flusher_is_on_unless_turned_off(configured: str, on: bool) -> None:
    assert Environment.from_mapping({"PASSERELLE_SPOOL_FLUSHER": configured}).spool_flusher is on


def test_a_bad_number_names_its_variable() -> None:
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_PORT"):
        Environment.from_mapping({"TELEGRAM_WEBHOOK_PORT": "eighty"})


def test_environment_follows_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fr")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///one.db")
    assert environment().default_language is Language.FR
    monkeypatch.setenv("DATABASE_URL", "sqlite:///two.db")
    assert environment().database_url == "sqlite:///two.db"
    assert Environment.from_mapping({}).database_url is None  # a mapping alone: env ignored


def test_env_files_fill_only_what_the_environment_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# a comment\nexport RASA_TIMEOUT=12\nDASHBOARD_URL='https://admin.example.org'\n"
        "FUNNEL_SALT=from-file  # inline comment\nTELEGRAM_BOT_TOKEN=\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FUNNEL_SALT", "from-environment")
    for name in ("RASA_TIMEOUT", "DASHBOARD_URL", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    load_env_files(dotenv, tmp_path / "missing.env")

    given = environment()
    assert given.rasa_timeout == 12.0
    assert given.dashboard_url == "https://admin.example.org"
    assert given.funnel_salt == "from-environment"
    assert given.telegram_bot_token is None


def test_the_vocabulary_is_the_one_of_the_database() -> None:
    assert LANGUAGES == ("nl", "fr", "en")
    assert list(STATUSES) == list(Lead.__table__.c.status.type.enums)  # type: ignore[attr-defined]
    assert LeadStatus("nurture") == "nurture"


def test_no_package_reads_our_variables_or_lists_the_vocabulary_itself() -> None:
    names = "|".join(
        re.escape(str(name))
        for field in Environment.model_fields.values()
        for name in field.validation_alias.choices  # type: ignore[union-attr]
    )
    # Reads only: tools/bench/database.py sets DATABASE_URL for the lead store it drives.
    env_read = re.compile(
        rf"(?:environ\.get\(|getenv\()\s*[\"'](?:{names})[\"']"
        rf"|environ\[[\"'](?:{names})[\"']\](?!\s*=[^=])"
    )
    own_list = re.compile(r"^(LANGUAGES|STATUSES)\s*(:[^=]*)?=", re.MULTILINE)
    offenders = []
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if env_read.search(source) or own_list.search(source):
                offenders.append(str(path.relative_to(REPO_ROOT)))
    assert offenders == []
