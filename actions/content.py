"""The editable facts sheet (content/facts.yml), rendered for the bot's answers.

Staff edit one YAML file; the action server notices a changed file on the next call
and uses the new facts, without a restart. Responses in domain/ never hard-code a
campus, date or contact: they use the `c_*` slots that `content_slots` renders here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

LANGUAGES = ("nl", "fr", "en")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT_PATH = "content/facts.yml"
MAX_DATES_SHOWN = 2

# Small grammar tables instead of locale.setlocale: locales are process-wide and may
# not be installed on the server.
WEEKDAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
AND = {"nl": "en", "fr": "et", "en": "and"}
OR = {"nl": "of", "fr": "ou", "en": "or"}
IN_CITY = {"nl": "in", "fr": "à", "en": "in"}
COLON = {"nl": ": ", "fr": " : ", "en": ": "}  # French puts a space before the colon
LANGUAGE_NAMES = {
    "nl": {"nl": "Nederlands", "fr": "Frans", "en": "Engels"},
    "fr": {"nl": "néerlandais", "fr": "français", "en": "anglais"},
    "en": {"nl": "Dutch", "fr": "French", "en": "English"},
}
WHEN_NO_DATE = {
    "nl": "binnenkort — vraag ons gerust naar de datum",
    "fr": "bientôt — demande-nous la date",
    "en": "soon — just ask us for the date",
}


class ContentError(ValueError):
    """The content file is missing or does not describe the facts correctly."""


@dataclass(frozen=True)
class Partner:
    key: str
    name: str
    registration_url: str


@dataclass(frozen=True)
class Campus:
    key: str
    names: Mapping[str, str]
    region: str
    partners: tuple[Partner, ...]
    teaching_languages: tuple[str, ...]
    address: str | None

    def name(self, language: str) -> str:
        return _pick(self.names, language)


@dataclass(frozen=True)
class DatedEvent:
    day: date
    campus: str | None
    note: Mapping[str, str]


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str
    website: str
    opening_hours: Mapping[str, str]
    response_time: Mapping[str, str]


@dataclass(frozen=True)
class Content:
    regions: Mapping[str, Mapping[str, str]]
    partners: tuple[Partner, ...]
    campuses: tuple[Campus, ...]
    contact: Contact
    info_sessions: tuple[DatedEvent, ...]
    start_dates: tuple[DatedEvent, ...]
    when_no_date: Mapping[str, str]
    equipment: Mapping[str, str]
    privacy_url: str
    retention_nurture_days: int
    retention_conversation_days: int

    def campus(self, key: str) -> Campus | None:
        return next((campus for campus in self.campuses if campus.key == key), None)


# --- public API ---------------------------------------------------------------------

def content_path() -> Path:
    """The content file: $PASSERELLE_CONTENT, relative paths taken from the repo root."""
    path = Path(os.environ.get("PASSERELLE_CONTENT") or DEFAULT_CONTENT_PATH)
    return path if path.is_absolute() else REPO_ROOT / path


def load_content() -> Content:
    """The current facts; re-read when the file changed since the last call."""
    return _cache.get(content_path())


def campuses() -> list[Campus]:
    return list(load_content().campuses)


def partner_for(campus_key: str | None, language: str) -> str:
    """Where someone registers as a job seeker near this campus, e.g. "Actiris of
    Bruxelles Formation"; every partner when the campus is unknown or "other"."""
    content = load_content()
    campus = content.campus(campus_key) if campus_key else None
    partners = campus.partners if campus else content.partners
    return _join([partner.name for partner in partners], OR[_language(language)])


def content_slots(language: str, today: date | None = None) -> dict[str, str]:
    """The `c_*` slot values (declared in domain/content.yml) in this language."""
    content = load_content()
    language = _language(language)
    today = today or date.today()
    contact = content.contact
    return {
        "c_campuses": _join([c.name(language) for c in content.campuses], AND[language]),
        "c_partners": _partners_by_region(content, language),
        "c_partner_names": _join([p.name for p in content.partners], OR[language]),
        "c_partner_links": _lines(
            f"{p.name}{COLON[language]}{p.registration_url}" for p in content.partners
        ),
        "c_teaching_languages": _teaching_languages(content, language),
        "c_next_info_session": _next_info_sessions(content, language, today),
        "c_next_start": _upcoming(content, content.start_dates, language, today),
        "c_contact_email": contact.email,
        "c_contact_phone": contact.phone,
        "c_opening_hours": _pick(contact.opening_hours, language),
        "c_addresses": _addresses(content, language),
        "c_website": contact.website,
        "c_response_time": _pick(contact.response_time, language),
        "c_equipment": _pick(content.equipment, language),
        "c_privacy_url": content.privacy_url,
        "c_retention_nurture_days": str(content.retention_nurture_days),
        "c_retention_conversation_days": str(content.retention_conversation_days),
    }


def _next_info_sessions(content: Content, language: str, today: date) -> str:
    """The sessions staff manage in the dashboard; the facts file's dates when there are none."""
    from actions.session_dates import upcoming_text

    return upcoming_text(language, today) or _upcoming(content, content.info_sessions, language,
                                                       today)


def human_date(day: date, language: str, today: date | None = None) -> str:
    """"woensdag 14 januari", "mercredi 14 janvier", "Wednesday 14 January"; the year
    is added only when it is not this year."""
    language = _language(language)
    today = today or date.today()
    day_number = "1er" if language == "fr" and day.day == 1 else str(day.day)
    text = f"{WEEKDAYS[language][day.weekday()]} {day_number} {MONTHS[language][day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


# --- rendering ----------------------------------------------------------------------

def _language(language: str | None) -> str:
    if language in LANGUAGES:
        return language
    default = os.environ.get("DEFAULT_LANGUAGE", "nl")
    return default if default in LANGUAGES else "nl"


def _pick(texts: Mapping[str, str], language: str) -> str:
    """The text in this language, else in the default language, else any."""
    return texts.get(language) or texts.get(_language(None)) or next(iter(texts.values()), "")


def _join(items: Sequence[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _lines(items: Any) -> str:
    return "\n".join(f"• {item}" for item in items)


def _partners_by_region(content: Content, language: str) -> str:
    """"VDAB in Vlaanderen, Actiris of Bruxelles Formation in Brussel en Forem in …"."""
    partners_per_region: dict[str, list[str]] = {}
    for campus in content.campuses:
        names = partners_per_region.setdefault(campus.region, [])
        names.extend(p.name for p in campus.partners if p.name not in names)
    phrases = [
        f"{_join(names, OR[language])} {_pick(content.regions[region], language)}"
        for region, names in partners_per_region.items()
    ]
    return _join(phrases, AND[language])


def _teaching_languages(content: Content, language: str) -> str:
    """One line per group of campuses that teach in the same languages."""
    campuses_per_languages: dict[tuple[str, ...], list[str]] = {}
    for campus in content.campuses:
        campuses_per_languages.setdefault(campus.teaching_languages, []).append(
            campus.name(language)
        )
    names = LANGUAGE_NAMES[language]
    return _lines(
        f"{_join(cities, AND[language])}{COLON[language]}"
        f"{_join([names[taught] for taught in taught_in], OR[language])}"
        for taught_in, cities in campuses_per_languages.items()
    )


def _upcoming(
    content: Content, events: Sequence[DatedEvent], language: str, today: date
) -> str:
    """The next dates (today included), or the "soon — ask us" text when none is left."""
    upcoming = sorted((e for e in events if e.day >= today), key=lambda e: e.day)
    if not upcoming:
        return _pick(content.when_no_date, language)
    return _join([_dated(content, e, language, today) for e in upcoming[:MAX_DATES_SHOWN]],
                 AND[language])


def _dated(content: Content, event: DatedEvent, language: str, today: date) -> str:
    text = human_date(event.day, language, today)
    campus = content.campus(event.campus) if event.campus else None
    if campus:
        text += f" {IN_CITY[language]} {campus.name(language)}"
    note = _pick(event.note, language) if event.note else ""
    return f"{text} ({note})" if note else text


def _addresses(content: Content, language: str) -> str:
    with_address = [c for c in content.campuses if c.address]
    if not with_address:
        return content.contact.website
    return _lines(
        f"{campus.name(language)}{COLON[language]}{campus.address}" for campus in with_address
    )


# --- loading ------------------------------------------------------------------------

class _ContentCache:
    """Keeps the last good content; reloads when the file's mtime, size or inode changes
    (editors that save by renaming change the inode, not always the mtime)."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._signature: tuple[int, int, int] | None = None
        self._content: Content | None = None

    def get(self, path: Path) -> Content:
        try:
            stat = path.stat()
        except OSError as error:
            if self._content is not None and path == self._path:
                logger.error("content file %s unreadable, keeping the last one: %s", path, error)
                return self._content
            raise ContentError(f"content file {path} not found") from error
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if self._content is None or path != self._path or signature != self._signature:
            self._reload(path, signature)
        assert self._content is not None
        return self._content

    def _reload(self, path: Path, signature: tuple[int, int, int]) -> None:
        try:
            content = parse_content(_read_yaml(path))
        except ContentError as error:
            if self._content is None or path != self._path:
                raise
            logger.error("content file %s has an error, keeping the last one: %s", path, error)
            self._signature = signature  # don't re-parse the same broken file every turn
            return
        self._path, self._signature, self._content = path, signature, content
        logger.info("content loaded from %s", path)


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ContentError(f"{path}: {error}") from error


_cache = _ContentCache()


def parse_content(data: Any) -> Content:
    """Validate the YAML structure and turn it into typed content."""
    data = _mapping(data, "the file")
    regions = {
        key: _texts(texts, f"regions.{key}")
        for key, texts in _mapping(data.get("regions"), "regions").items()
    }
    partners = {
        key: Partner(
            key=key,
            name=_string(_mapping(value, f"partners.{key}").get("name"), f"partners.{key}.name"),
            registration_url=_string(value.get("registration_url"),
                                     f"partners.{key}.registration_url"),
        )
        for key, value in _mapping(data.get("partners"), "partners").items()
    }
    campuses = tuple(
        _campus(item, f"campuses[{index}]", regions, partners)
        for index, item in enumerate(_list(data.get("campuses"), "campuses"))
    )
    if not campuses:
        raise ContentError("campuses: at least one campus is needed")
    campus_keys = {campus.key for campus in campuses}
    contact = _mapping(data.get("contact"), "contact")
    privacy = _mapping(data.get("privacy"), "privacy")
    retention = _mapping(privacy.get("retention_days"), "privacy.retention_days")
    return Content(
        regions=regions,
        partners=tuple(partners.values()),
        campuses=campuses,
        contact=Contact(
            email=_string(contact.get("email"), "contact.email"),
            phone=_string(contact.get("phone"), "contact.phone"),
            website=_string(contact.get("website"), "contact.website"),
            opening_hours=_texts(contact.get("opening_hours"), "contact.opening_hours"),
            response_time=_texts(contact.get("response_time"), "contact.response_time"),
        ),
        info_sessions=_dated_events(data.get("info_sessions"), "info_sessions", campus_keys),
        start_dates=_dated_events(data.get("start_dates"), "start_dates", campus_keys),
        when_no_date=_texts(data.get("when_no_date") or WHEN_NO_DATE, "when_no_date"),
        equipment=_texts(data.get("equipment"), "equipment"),
        privacy_url=_string(privacy.get("notice_url"), "privacy.notice_url"),
        retention_nurture_days=_days(retention.get("nurture"), "retention_days.nurture"),
        retention_conversation_days=_days(retention.get("conversation"),
                                          "retention_days.conversation"),
    )


def _campus(
    item: Any, where: str, regions: Mapping[str, Any], partners: Mapping[str, Partner]
) -> Campus:
    item = _mapping(item, where)
    region = _string(item.get("region"), f"{where}.region")
    if region not in regions:
        raise ContentError(f"{where}.region: '{region}' is not one of the regions")
    partner_keys = _list(item.get("partners"), f"{where}.partners")
    unknown = [key for key in partner_keys if key not in partners]
    if unknown or not partner_keys:
        raise ContentError(f"{where}.partners: unknown or missing partner(s) {unknown}")
    taught_in = tuple(_list(item.get("teaching_languages"), f"{where}.teaching_languages"))
    if not taught_in or any(language not in LANGUAGES for language in taught_in):
        raise ContentError(f"{where}.teaching_languages: use nl, fr and/or en")
    address = item.get("address")
    return Campus(
        key=_string(item.get("key"), f"{where}.key"),
        names=_texts(item.get("names"), f"{where}.names"),
        region=region,
        partners=tuple(partners[key] for key in partner_keys),
        teaching_languages=taught_in,
        address=_string(address, f"{where}.address") if address else None,
    )


def _dated_events(items: Any, where: str, campus_keys: set[str]) -> tuple[DatedEvent, ...]:
    events = []
    for index, item in enumerate(_list(items or [], where)):
        here = f"{where}[{index}]"
        item = _mapping(item, here)
        campus = item.get("campus")
        if campus is not None and campus not in campus_keys:
            raise ContentError(f"{here}.campus: '{campus}' is not a campus key")
        note = item.get("note")
        events.append(DatedEvent(
            day=_date(item.get("date"), f"{here}.date"),
            campus=campus,
            note=_texts(note, f"{here}.note") if note else {},
        ))
    return tuple(events)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(f"{where}: expected a list of 'name: value' lines")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ContentError(f"{where}: expected a list")
    return value


def _string(value: Any, where: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: expected a text")
    return value.strip()


def _texts(value: Any, where: str) -> dict[str, str]:
    """A text in each of nl, fr and en: every user-facing text exists in all three."""
    texts = _mapping(value, where)
    unknown = [key for key in texts if key not in LANGUAGES]
    if unknown:
        raise ContentError(
            f"{where}: unknown language(s) {unknown} — a comma inside {{...}}? "
            "write one language per line"
        )
    missing = [language for language in LANGUAGES if language not in texts]
    if missing:
        raise ContentError(f"{where}: missing the text in {', '.join(missing)}")
    return {language: _string(texts[language], f"{where}.{language}") for language in LANGUAGES}


def _date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ContentError(f"{where}: expected a date like 2027-01-13") from error


def _days(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ContentError(f"{where}: expected a whole number of days")
    return value
