"""The languages the bot speaks and the statuses a lead goes through (a contract: labels.md,
the database's enum columns, the dashboard and the API use these values)."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    NL = "nl"
    FR = "fr"
    EN = "en"


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    INVITED = "invited"
    ENROLLED = "enrolled"
    DECLINED = "declined"
    NOT_SUITABLE = "not_suitable"
    NO_RESPONSE = "no_response"
    NURTURE = "nurture"


# Plain strings, in this order (the dashboard's order, the database's enum types).
LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)
STATUSES: tuple[str, ...] = tuple(status.value for status in LeadStatus)
# Where nothing says otherwise (DEFAULT_LANGUAGE is unset or names no language of ours).
DEFAULT_LANGUAGE = Language.NL
