"""Passerelle's configuration and vocabulary, defined once for bot/, actions/, admin/, leads/
and tools/ (not rasa_components/: it runs inside Rasa's own environment).

- `environment()`: every environment variable our code reads, its type and default
  (pydantic-settings), read from the process environment when asked;
- `load_env_files()`: the one reader of `.env` and `var/secrets.env`, for the entry points;
- `Language` and `LeadStatus`: the languages and the lead statuses, as enums.
"""

from passerelle_settings.environment import Environment, environment, load_env_files
from passerelle_settings.vocabulary import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    STATUSES,
    Language,
    LeadStatus,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "STATUSES",
    "Environment",
    "Language",
    "LeadStatus",
    "environment",
    "load_env_files",
]
