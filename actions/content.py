"""The editable facts sheet (content/facts.yml), rendered for the bot's answers.

Staff edit one YAML file; the action server notices a changed file on the next call
and uses the new facts, without a restart. Responses in domain/ never hard-code a
campus, date or contact: they use the `c_*` slots that `content_slots` renders here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from actions.answers import display_contact
from actions.privacy_notice import retention_lines
from leads.retention_policy import (
    RetentionError,
    RetentionPolicy,
    content_path,
    parse_retention,
    review_retention_days,
)
from passerelle_settings import LANGUAGES, environment

logger = logging.getLogger(__name__)

MAX_DATES_SHOWN = 2

# Small grammar tables instead of locale.setlocale: locales are process-wide and may
# not be installed on the server.
WEEKDAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
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
# "registered with VDAB" when a partner has no `with` texts in the facts sheet
WITH = {"nl": "bij", "fr": "chez", "en": "with"}
PERCENT = {"nl": "{p}%", "fr": "{p} %", "en": "{p}%"}
SHARE = {"nl": "{n} op {d}", "fr": "{n} sur {d}", "en": "{n} in {d}"}
# The outcome figures as sentence parts: (one in N, several in N), so the verb agrees.
OUTCOMES: dict[str, dict[str, tuple[str, str]]] = {
    "internship": {
        "nl": ("{p} van wie de opleiding afmaakt, begint aan de stage",) * 2,
        "fr": ("{p} des personnes qui terminent la formation partent en stage",) * 2,
        "en": ("{p} of those who finish the training go on to the internship",) * 2,
    },
    "hired": {
        "nl": ("{s} wordt aangeworven door het stagebedrijf",) * 2,
        "fr": (
            "{s} décroche un contrat dans son entreprise de stage",
            "{s} décrochent un contrat dans leur entreprise de stage",
        ),
        "en": (
            "{s} is hired by their internship company",
            "{s} are hired by their internship company",
        ),
    },
    "job": {
        "nl": ("{s} vindt een job in de sector",) * 2,
        "fr": ("{s} trouve un emploi dans le secteur", "{s} trouvent un emploi dans le secteur"),
        "en": ("{s} finds a job in the sector", "{s} find a job in the sector"),
    },
    "finished": {
        "nl": ("maakte meer dan {n} op {d} de opleiding af",) * 2,
        "fr": (
            "plus d'une personne sur {d} a terminé la formation",
            "plus de {n} personnes sur {d} ont terminé la formation",
        ),
        "en": ("more than {n} in {d} people finished the training",) * 2,
    },
}


class ContentError(ValueError):
    """The content file is missing or does not describe the facts correctly."""


@dataclass(frozen=True)
class Partner:
    key: str
    name: str
    registration_url: str
    with_: Mapping[str, str] = field(default_factory=dict)

    def with_phrase(self, language: str) -> str:
        """ "bij VDAB", "au Forem", "with Actiris"."""
        return self.with_.get(language) or f"{WITH[language]} {self.name}"


@dataclass(frozen=True)
class Campus:
    key: str
    names: Mapping[str, str]
    region: str
    partners: tuple[Partner, ...]
    teaching_languages: tuple[str, ...]
    address: str | None
    teaching_note: Mapping[str, str] = field(default_factory=dict)

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
class Training:
    months: int
    days: Mapping[str, str]
    hours: Mapping[str, str]


@dataclass(frozen=True)
class Outcomes:
    internship_percent: int
    hired: tuple[int, int]
    job: tuple[int, int]
    finished: tuple[int, int]


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
    # The same periods the purge applies (leads.retention_policy): the notice says them.
    retention: RetentionPolicy
    training: Training
    outcomes: Outcomes
    # where the facts sheet says `confirmed: false`: defaults staff still have to check
    unconfirmed: tuple[str, ...] = ()

    def campus(self, key: str) -> Campus | None:
        return next((campus for campus in self.campuses if campus.key == key), None)


# --- public API ---------------------------------------------------------------------


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


def partner_with(campus_key: str | None, language: str) -> str:
    """The same with its little word: "bij VDAB", "chez Actiris ou Bruxelles Formation",
    "au VDAB, chez Actiris, chez Bruxelles Formation ou au Forem"."""
    content = load_content()
    campus = content.campus(campus_key) if campus_key else None
    return _with_partners(campus.partners if campus else content.partners, _language(language))


def content_slots(language: str, today: date | None = None) -> dict[str, str]:
    """The `c_*` slot values (declared in domain/content.yml) in this language."""
    content = load_content()
    language = _language(language)
    today = today or date.today()
    contact = content.contact
    return {
        "c_campuses": _join([c.name(language) for c in content.campuses], AND[language]),
        "c_partners": _partners_by_region(content, language),
        "c_partner_names": _with_partners(content.partners, language),
        "c_partner_links": _lines(
            f"{p.name}{COLON[language]}{p.registration_url}" for p in content.partners
        ),
        "c_teaching_languages": _teaching_languages(content, language),
        "c_next_info_session": _next_info_sessions(content, language, today),
        "c_next_start": _upcoming(content, content.start_dates, language, today),
        "c_contact_email": contact.email,
        "c_contact_phone": display_contact(contact.phone),
        "c_opening_hours": _pick(contact.opening_hours, language),
        "c_addresses": _addresses(content, language),
        "c_website": contact.website,
        "c_response_time": _pick(contact.response_time, language),
        "c_equipment": _pick(content.equipment, language),
        "c_privacy_url": content.privacy_url,
        **retention_slots(content.retention),
        "c_retention_leads": retention_lines(content.retention.lead_days, language),
        "c_retention_review_days": f"{review_retention_days():g}",
        "c_months": str(content.training.months),
        "c_days": _pick(content.training.days, language),
        "c_hours": _pick(content.training.hours, language),
        "c_teaching_note": " ".join(
            _pick(c.teaching_note, language) for c in content.campuses if c.teaching_note
        ),
        **_outcome_slots(content.outcomes, language),
    }


def retention_slots(policy: RetentionPolicy) -> dict[str, str]:
    """`c_retention_<status>_days` for every lead status, and `c_retention_conversation_days`."""
    slots = {f"c_retention_{status}_days": str(days) for status, days in policy.lead_days.items()}
    slots["c_retention_conversation_days"] = str(policy.conversation_days)
    return slots


def unconfirmed_facts() -> list[str]:
    """The facts marked `confirmed: false`: defaults staff still have to check."""
    return list(load_content().unconfirmed)


def _next_info_sessions(content: Content, language: str, today: date) -> str:
    """The sessions staff manage in the dashboard; the facts file's dates when there are none."""
    from actions.session_dates import upcoming_text

    return upcoming_text(language, today) or _upcoming(
        content, content.info_sessions, language, today
    )


def human_date(day: date, language: str, today: date | None = None) -> str:
    """ "woensdag 14 januari", "mercredi 14 janvier", "Wednesday 14 January"; the year
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
    return environment().default_language.value


def _pick(texts: Mapping[str, str], language: str) -> str:
    """The text in this language, else in the default language, else any."""
    return texts.get(language) or texts.get(_language(None)) or next(iter(texts.values()), "")


def _join(items: Sequence[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _lines(items: Any) -> str:
    return "\n".join(f"• {item}" for item in items)


def _with_partners(partners: Sequence[Partner], language: str) -> str:
    """The partners with their little word, said once when it is the same for all
    ("bij Actiris of Bruxelles Formation"), else for each ("au VDAB ou chez Actiris")."""
    phrases = [p.with_phrase(language) for p in partners]
    prefixes = {
        phrase[: -len(p.name)].strip()
        for phrase, p in zip(phrases, partners, strict=True)
        if phrase.endswith(p.name)
    }
    if len(prefixes) == 1 and all(
        ph.endswith(p.name) for ph, p in zip(phrases, partners, strict=True)
    ):
        return f"{prefixes.pop()} {_join([p.name for p in partners], OR[language])}"
    return _join(phrases, OR[language])


def _partners_by_region(content: Content, language: str) -> str:
    """One line per region: "• In Brussel: bij Actiris of Bruxelles Formation"."""
    partners_per_region: dict[str, list[Partner]] = {}
    for campus in content.campuses:
        partners = partners_per_region.setdefault(campus.region, [])
        partners.extend(p for p in campus.partners if p not in partners)
    return _lines(
        f"{_capitalised(_pick(content.regions[region], language))}{COLON[language]}"
        f"{_with_partners(partners, language)}"
        for region, partners in partners_per_region.items()
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _outcome_slots(outcomes: Outcomes, language: str) -> dict[str, str]:
    """The published results as sentence parts ("1 op 2 vindt een job in de sector")."""

    def said(kind: str, share: tuple[int, int] | None = None) -> str:
        one, several = OUTCOMES[kind][language]
        if share is None:
            return one.format(p=PERCENT[language].format(p=outcomes.internship_percent))
        n, d = share
        text = one if n == 1 else several
        return text.format(s=SHARE[language].format(n=n, d=d), n=n, d=d)

    return {
        "c_fact_internship": said("internship"),
        "c_fact_hired": said("hired", outcomes.hired),
        "c_fact_job": said("job", outcomes.job),
        "c_fact_finished": said("finished", outcomes.finished),
    }


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


def _upcoming(content: Content, events: Sequence[DatedEvent], language: str, today: date) -> str:
    """The next dates (today included), or the "soon — ask us" text when none is left."""
    upcoming = sorted((e for e in events if e.day >= today), key=lambda e: e.day)
    if not upcoming:
        return _pick(content.when_no_date, language)
    return _join(
        [_dated(content, e, language, today) for e in upcoming[:MAX_DATES_SHOWN]], AND[language]
    )


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
        if content.unconfirmed:
            logger.warning(
                "content %s: %d fact(s) still marked confirmed: false, please check them: %s",
                path,
                len(content.unconfirmed),
                ", ".join(content.unconfirmed),
            )


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
            registration_url=_string(
                value.get("registration_url"), f"partners.{key}.registration_url"
            ),
            with_=_texts(value["with"], f"partners.{key}.with") if value.get("with") else {},
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
    try:
        retention = parse_retention(privacy.get("retention_days"))
    except RetentionError as error:
        raise ContentError(str(error)) from error
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
        retention=retention,
        training=_training(_mapping(data.get("training"), "training")),
        outcomes=_outcomes(_mapping(data.get("outcomes"), "outcomes")),
        unconfirmed=tuple(_unconfirmed(data, "")),
    )


def _training(training: dict[str, Any]) -> Training:
    return Training(
        months=_days(training.get("months"), "training.months"),
        days=_texts(training.get("days"), "training.days"),
        hours=_texts(training.get("hours"), "training.hours"),
    )


def _outcomes(outcomes: dict[str, Any]) -> Outcomes:
    percent = outcomes.get("internship_percent")
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 < percent <= 100:
        raise ContentError("outcomes.internship_percent: expected a number from 1 to 100")
    return Outcomes(
        internship_percent=percent,
        hired=_share(
            outcomes.get("hired_by_internship_company"), "outcomes.hired_by_internship_company"
        ),
        job=_share(outcomes.get("job_in_sector"), "outcomes.job_in_sector"),
        finished=_share(
            outcomes.get("finished_in_a_hard_year"), "outcomes.finished_in_a_hard_year"
        ),
    )


def _share(value: Any, where: str) -> tuple[int, int]:
    """[1, 2] for "1 in 2"."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 < value[0] <= value[1]
    ):
        return value[0], value[1]
    raise ContentError(f"{where}: expected two numbers like [1, 2] (for 1 in 2)")


def _unconfirmed(value: Any, where: str) -> list[str]:
    """The paths of every part marked `confirmed: false`."""
    if isinstance(value, dict):
        found = [where] if value.get("confirmed") is False else []
        for key, item in value.items():
            found += _unconfirmed(item, f"{where}.{key}" if where else str(key))
        return found
    if isinstance(value, list):
        return [
            path
            for index, item in enumerate(value)
            for path in _unconfirmed(item, f"{where}[{index}]")
        ]
    return []


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
    note = item.get("teaching_note")
    return Campus(
        key=_string(item.get("key"), f"{where}.key"),
        names=_texts(item.get("names"), f"{where}.names"),
        region=region,
        partners=tuple(partners[key] for key in partner_keys),
        teaching_languages=taught_in,
        address=_string(address, f"{where}.address") if address else None,
        teaching_note=_texts(note, f"{where}.teaching_note") if note else {},
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
        events.append(
            DatedEvent(
                day=_date(item.get("date"), f"{here}.date"),
                campus=campus,
                note=_texts(note, f"{here}.note") if note else {},
            )
        )
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
    """A text in each of nl, fr and en: every user-facing text exists in all three
    (and optionally `confirmed: true/false`, see the facts sheet's header)."""
    texts = dict(_mapping(value, where))
    if not isinstance(texts.pop("confirmed", True), bool):
        raise ContentError(f"{where}.confirmed: write true or false")
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
