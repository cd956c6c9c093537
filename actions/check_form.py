"""The motivation check (PRODUCT.md §5) and the handoff's small form (§6): slot validation.

Every question accepts free text; buttons only send a text that actions/answers.py reads.
How a message is taken, for the slot the form asked for (`requested_slot`):

1. It parses as an answer → the answer is kept, whatever intent the NLU saw ("19" may come
   out as faq/age, "Brussel" as faq/locations, "je m'appelle Inès" as human_handoff), unless
   it reads as a question for the bot ("is er een campus in Gent?").
2. It does not parse and interrupts: a command (stop, a person, forget me, privacy, help,
   language, "are you a bot", a topic) in the person's own words or from a button, a doubt,
   or an FAQ that reads like a question → nothing is returned, so Rasa's FormAction.validate
   raises ActionExecutionRejection (rasa/core/actions/forms.py: nothing extracted and no
   SlotSet other than requested_slot) and the rules of stories/check.yml answer it; the form
   then asks the pending question again.
3. Otherwise it is a failed attempt → the slot stays empty and `check_reask` says why, so the
   question comes back (domain/check.yml) saying what is expected, with an example.

The NLU is sometimes confidently wrong on answers, hence the parsers first, and commands only
when the message contains their words (answers.mentions_command).

Motivation is free text: it is kept unless it is at most 15 words and a command, a doubt or
a question. Under 6 words it gets one "tell me a bit more"; the second answer is kept whatever
its length.

Rasa calls this action in three situations, told apart by the events since the user's last
message (`call_kind`): the form's activation, an answer to validate, and the re-run after an
interruption was answered (no new answer then: the pending question is simply asked again).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions import answers, content, funnel, review
from actions.domain import domain_or_cached
from passerelle_settings import LANGUAGES, environment

Dispatcher = CollectingDispatcher

log = logging.getLogger(__name__)

# The check's questions in the order of PRODUCT.md §5 (= domain/check.yml required_slots).
CHECK_SLOTS = (
    "first_name",
    "age",
    "campus",
    "situation",
    "registered",
    "experience",
    "motivation",
    "commitment",
    "contact",
    "consent",
)
# Asked after consent = yes: which answer to change (only after "change something"), and the
# summary itself.
EDIT_SLOT, CONFIRM_SLOT = "check_edit_field", "check_confirmed"
# Helper slots of the check, cleared when a completed check is started again.
HELPER_SLOTS = (
    EDIT_SLOT,
    CONFIRM_SLOT,
    "check_editing",
    "check_reask",
    "check_partner",
    "check_partner_links",
    "check_summary",
    "motivation_nudged",
    "check_done",
    "contact_display",
)
# The contact as the person reads it back (national format), beside the E.164 `contact`.
CONTACT_DISPLAY = "contact_display"
REASK = "check_reask"

QUESTION_INTENTS = frozenset({"faq", "doubt"})
COMMAND_INTENTS = frozenset(
    {
        "stop",
        "human_handoff",
        "forget_me",
        "change_language",
        "privacy",
        "help",
        "bot_challenge",
        "choose_topic",
    }
)
MIN_CONFIDENCE = 0.6
# "oud genoeg" (faq/age for the NLU) is a failed answer; "laptop nodig of niet" is a question.
FAQ_STATEMENT_MIN_WORDS = 4
MOTIVATION_MIN_WORDS = 6
MOTIVATION_QUESTION_MAX_WORDS = 15
MOTIVATION_MAX_CHARS = 2000
UNDER_AGE = 18

# "Stop the questions?": its yes/no belong to rules of stories/check.yml. Rasa keeps the form
# marked as rejected until it runs again, so these rules act first; when "no" brings the form
# back, the "no" must not be taken as an answer to the pending question.
CONFIRMATIONS = ("utter_check_stop_confirm",)

ACTIVATION, ANSWER, RERUN = "activation", "answer", "rerun"
START_PAYLOAD = "/greet"  # bot/commands.py: what /start becomes

# Answers specific enough to be kept even when phrased as a question ("19?", "0470...?").
STRONG_ANSWERS = ("age", "contact")


# --- reading the conversation -----------------------------------------------------------


@dataclass(frozen=True)
class Message:
    text: str
    intent: str | None
    confidence: float

    @classmethod
    def latest(cls, tracker: Tracker) -> Message:
        latest = tracker.latest_message or {}
        intent = latest.get("intent") or {}
        return cls(
            text=answers.clean_text(str(latest.get("text") or "")),
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
        )

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")

    @property
    def is_start(self) -> bool:
        """/start (the bot sends it to Rasa as /greet)."""
        return self.text == START_PAYLOAD

    def is_command(self) -> bool:
        """Stop, a person, forget me...: a button, or the NLU's command in the person's words."""
        if self.intent not in COMMAND_INTENTS:
            return False
        return self.is_payload or (
            self.confidence >= MIN_CONFIDENCE and answers.mentions_command(self.intent, self.text)
        )

    def interrupts(self) -> bool:
        """Something for the bot rather than an answer: a command, a doubt, or an FAQ that
        reads like a question (or is too long to be a one-word slip)."""
        if self.is_payload and self.intent in QUESTION_INTENTS:
            return True
        if self.is_command():
            return True
        if self.confidence < MIN_CONFIDENCE:
            return False
        if self.intent == "doubt":
            return True
        return self.intent == "faq" and (
            answers.looks_like_question(self.text)
            or answers.word_count(self.text) >= FAQ_STATEMENT_MIN_WORDS
        )

    def yes_no(self) -> str | None:
        """yes/no/unknown from the words, else from a confident affirm/deny intent."""
        answer = answers.parse_yes_no_unknown(self.text)
        if answer is None and self.confidence >= MIN_CONFIDENCE:
            answer = {"affirm": "yes", "deny": "no"}.get(self.intent or "")
        return answer


def call_kind(tracker: Tracker, form_name: str) -> str:
    """Activation, an answer to validate, or the re-run after an interruption was answered."""
    after_user = _events_after_latest_user(tracker)
    if any(e.get("event") == "active_loop" and e.get("name") == form_name for e in after_user):
        return ACTIVATION
    routine = {form_name, "action_listen", "action_extract_slots"}
    actions_run = [e.get("name") for e in after_user if e.get("event") == "action"]
    if any(name not in routine for name in actions_run):
        return RERUN
    return ANSWER


def previous_bot_action(tracker: Tracker) -> str | None:
    """The last action before the user's latest message (e.g. utter_check_stop_confirm)."""
    events = list(tracker.events)
    user_index = _latest_user_index(events)
    for event in reversed(events[:user_index]):
        if event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


def _latest_user_index(events: list[dict[str, Any]]) -> int:
    return next((i for i in range(len(events) - 1, -1, -1) if events[i].get("event") == "user"), 0)


def _events_after_latest_user(tracker: Tracker) -> list[dict[str, Any]]:
    events = list(tracker.events)
    return events[_latest_user_index(events) + 1 :]


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    if language in LANGUAGES:
        return language
    return environment().default_language.value


def slot_events(events: Iterable[EventType]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- what counts as an answer -----------------------------------------------------------


def parse_for(slot: str, message: Message) -> Any:
    """The answer to `slot` in this message, or None (yes/no intents count for yes/no)."""
    text = message.text
    if slot == "first_name":
        return None if _not_a_name(message) else answers.parse_first_name(text)
    if slot == "age":
        return answers.parse_age(text)
    if slot == "campus":
        return answers.parse_campus(text)
    if slot == "situation":
        return answers.parse_situation(text)
    if slot == "experience":
        return answers.parse_experience(text) or {"yes": "some", "no": "none"}.get(
            message.yes_no() or ""
        )
    if slot == "commitment":
        return answers.parse_commitment(text) or _commitment_from(message.yes_no())
    if slot in ("registered", "consent", "handoff_consent"):
        return message.yes_no()
    if slot == "contact":
        return answers.parse_contact(text).value
    if slot == CONFIRM_SLOT:
        return answers.parse_check_field(text) or (
            "edit" if answers.wants_to_edit(text) else message.yes_no()
        )
    if slot == EDIT_SLOT:
        return answers.parse_check_field(text) or ("cancel" if message.yes_no() == "no" else None)
    return None


def _commitment_from(yes_no: str | None) -> str | None:
    return {"yes": "yes", "no": "no", "unknown": "unsure"}.get(yes_no or "")


# Questions whose answers are often statements that sound like a doubt or a topic: "I look
# after my kids" (doubt/family_constraints) is a situation, "no idea what VDAB is" (faq) is a
# registration answer. Here only a real question or a clear command interrupts.
STATEMENT_ANSWERS = ("situation", "registered", "experience", "commitment", "campus")
# A command in a longer motivation is part of the story ("I want to talk to people").
MOTIVATION_COMMAND_MAX_WORDS = 6


# Replies to "what should we call you?" that read as something else, unless they say "my name is".
NOT_NAME_INTENTS = frozenset({"start_check", "affirm", "deny", "greet", "thanks", "goodbye"})


def _not_a_name(message: Message) -> bool:
    return (
        message.intent in NOT_NAME_INTENTS
        and message.confidence >= MIN_CONFIDENCE
        and answers.word_count(message.text) >= 2
        and not answers.has_name_prefix(message.text)
    )


def _is_motivation(message: Message) -> bool:
    """A motivation is free text: only a real question, a short command or a short doubt
    ("ik heb geen diploma") is something else."""
    if message.is_payload:
        return not message.interrupts()
    size = answers.word_count(message.text)
    if message.is_command():
        return size > MOTIVATION_COMMAND_MAX_WORDS
    if not message.interrupts() or size > MOTIVATION_QUESTION_MAX_WORDS:
        return True
    if answers.looks_like_question(message.text):
        return False
    return message.intent == "faq" or size >= MOTIVATION_MIN_WORDS


def is_answer_to(slot: str, message: Message) -> bool:
    """Should this message be validated as the answer to `slot` (see the module docstring)?"""
    if message.is_start:
        return False  # /start in the middle of a form: never an answer
    if slot == "motivation":
        return _is_motivation(message)
    if (
        slot in CHECK_SLOTS
        and not message.is_payload
        and answers.mentions_stop(message.text, strong_only=parse_for(slot, message) is not None)
    ):
        return False  # a pause in their words, not an answer: the NLU's stop confirms first
    if slot == "first_name" and not message.is_payload and _not_a_name(message):
        return True  # a failed attempt: "allez on y va" is no name, the question comes back
    if slot in STATEMENT_ANSWERS and not message.is_payload:
        return not (message.is_command() or answers.looks_like_question(message.text)) or (
            parse_for(slot, message) is not None and not answers.looks_like_question(message.text)
        )
    if parse_for(slot, message) is not None:
        # an answer, whatever the NLU thought ("19" as faq/age), unless it asks something
        return slot in STRONG_ANSWERS or not (
            message.interrupts() and answers.looks_like_question(message.text)
        )
    if slot == "age" and any(char.isdigit() for char in message.text):
        return True  # "12", "150": an age, just not one we can take
    if slot == "contact" and answers.parse_contact(message.text).reason != "missing":
        return True  # a mistyped number or address
    return not message.interrupts()


# --- the summary ------------------------------------------------------------------------

LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "first_name": "Naam",
        "age": "Leeftijd",
        "campus": "Campus",
        "situation": "Situatie",
        "registered": "Ingeschreven {partner}",
        "experience": "Ervaring met code",
        "motivation": "Motivatie",
        "commitment": "{months} maanden voltijds",
        "contact": "Contact",
        "job_seeker": "werkzoekend",
        "student": "student",
        "employed": "aan het werk",
        "other": "iets anders",
        "yes": "ja",
        "no": "nee",
        "unknown": "weet ik niet",
        "unsure": "ik twijfel",
        "none": "nog nooit",
        "some": "een beetje",
        "a_lot": "al veel",
        "other_campus": "andere stad",
    },
    "fr": {
        "first_name": "Prénom",
        "age": "Âge",
        "campus": "Campus",
        "situation": "En ce moment",
        "registered": "Inscription {partner}",
        "experience": "Expérience en code",
        "motivation": "Motivation",
        "commitment": "{months} mois à temps plein",
        "contact": "Contact",
        "job_seeker": "je cherche un emploi",
        "student": "je fais des études",
        "employed": "je travaille",
        "other": "autre chose",
        "yes": "oui",
        "no": "non",
        "unknown": "je ne sais pas",
        "unsure": "j'hésite",
        "none": "jamais",
        "some": "un peu",
        "a_lot": "beaucoup",
        "other_campus": "autre ville",
    },
    "en": {
        "first_name": "Name",
        "age": "Age",
        "campus": "Campus",
        "situation": "Right now",
        "registered": "Registered {partner}",
        "experience": "Coding experience",
        "motivation": "Motivation",
        "commitment": "{months} months full-time",
        "contact": "Contact",
        "job_seeker": "looking for a job",
        "student": "student",
        "employed": "working",
        "other": "something else",
        "yes": "yes",
        "no": "no",
        "unknown": "not sure",
        "unsure": "not sure",
        "none": "never",
        "some": "a bit",
        "a_lot": "a lot",
        "other_campus": "another city",
    },
}
SUMMARY_MOTIVATION_CHARS = 160


def build_summary(values: Mapping[str, Any], language: str) -> str:
    """The answers as short lines in the person's language."""
    labels = LABELS.get(language, LABELS["nl"])
    partner = values.get("check_partner") or content.partner_with(values.get("campus"), language)
    months = content.load_content().training.months
    motivation = str(values.get("motivation") or "")
    if len(motivation) > SUMMARY_MOTIVATION_CHARS:
        motivation = motivation[: SUMMARY_MOTIVATION_CHARS - 1].rstrip() + "…"
    shown = {
        "first_name": values.get("first_name"),
        "age": values.get("age"),
        "campus": campus_name(values.get("campus"), language),
        "situation": labels.get(str(values.get("situation")), values.get("situation")),
        "registered": labels.get(str(values.get("registered")), values.get("registered")),
        "experience": labels.get(str(values.get("experience")), values.get("experience")),
        "motivation": f"“{motivation}”",
        "commitment": labels.get(str(values.get("commitment")), values.get("commitment")),
        "contact": answers.display_contact(str(values.get("contact") or "")),
    }
    colon = content.COLON.get(language, ": ")
    return "\n".join(
        f"• {labels[name].format(partner=partner, months=months)}{colon}{value}"
        for name, value in shown.items()
    )


def campus_name(key: Any, language: str) -> str:
    if key == answers.OTHER_CAMPUS:
        return LABELS.get(language, LABELS["nl"])["other_campus"]
    campus = next((c for c in _campuses() if c.key == key), None)
    return campus.name(language) if campus else str(key)


def _campuses() -> list[content.Campus]:
    try:
        return content.campuses()
    except content.ContentError:
        log.exception("content file unreadable: campus names fall back to their keys")
        return []


def partner_links(campus_key: str | None) -> str:
    """The registration links of the campus's partners (all partners for "other")."""
    campus = next((c for c in _campuses() if c.key == campus_key), None)
    partners = campus.partners if campus else content.load_content().partners
    return " ".join(partner.registration_url for partner in partners)


# --- the check ------------------------------------------------------------------------


class ValidateCheckForm(FormValidationAction):
    """validate_check_form: takes free-text answers, re-asks, summary and edit."""

    def name(self) -> str:
        return "validate_check_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        domain = domain_or_cached(domain)
        kind = call_kind(tracker, self.form_name())
        if kind == ACTIVATION:
            events = self.on_activation(dispatcher, tracker)
        elif kind == RERUN:
            events = [SlotSet(REASK, None)]
        else:
            reply = confirmation_reply(tracker)
            if reply == "yes":
                return []  # rejected: the rule for "yes, stop" takes over
            if reply == "no":
                events = [SlotSet(REASK, None)]
            elif asks_to_resume(tracker):
                dispatcher.utter_message(response="utter_check_resume")  # back to the question
                events = [SlotSet(REASK, None)]
            else:
                events = await super().run(dispatcher, tracker, domain)
                if not any(e["name"] != REQUESTED_SLOT for e in events):
                    return []  # not an answer: rejected, a rule answers it
                if slot_events(events).get(REASK):
                    await review.on_reask(tracker, str(tracker.get_slot(REQUESTED_SLOT)))
        return self.with_next_question(events, tracker)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return check_questions(tracker.slots)

    def on_activation(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Count the start; a completed check starts afresh, a paused one resumes."""
        record_funnel("check_started", tracker)
        if tracker.get_slot("check_done"):
            dispatcher.utter_message(response="utter_check_intro")
            return [SlotSet(name, None) for name in CHECK_SLOTS + HELPER_SLOTS]
        started = any(tracker.get_slot(name) is not None for name in CHECK_SLOTS)
        dispatcher.utter_message(response="utter_check_resume" if started else "utter_check_intro")
        return [SlotSet(REASK, None)]

    def with_next_question(self, events: list[EventType], tracker: Tracker) -> list[EventType]:
        """Set the next question explicitly (the summary is a dynamic slot) and its text."""
        values = {**tracker.slots, **slot_events(events)}
        next_slot = next((s for s in check_questions(values) if values.get(s) is None), None)
        events = [e for e in events if e.get("name") != REQUESTED_SLOT]
        events.append(SlotSet(REQUESTED_SLOT, next_slot))
        if next_slot == CONFIRM_SLOT:
            events.append(SlotSet("check_summary", build_summary(values, language_of(tracker))))
        return events

    # extract_<slot>: Rasa's custom mappings. Only the requested slot is read.

    async def extract_first_name(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("first_name", tracker)

    async def extract_age(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("age", tracker)

    async def extract_campus(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("campus", tracker)

    async def extract_situation(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("situation", tracker)

    async def extract_registered(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("registered", tracker)

    async def extract_experience(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("experience", tracker)

    async def extract_motivation(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("motivation", tracker)

    async def extract_commitment(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("commitment", tracker)

    async def extract_contact(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("contact", tracker)

    async def extract_consent(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer("consent", tracker)

    async def extract_check_confirmed(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer(CONFIRM_SLOT, tracker)

    async def extract_check_edit_field(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_answer(EDIT_SLOT, tracker)

    # validate_<slot>: the raw text → the clean value, or None + why (check_reask).

    def validate_first_name(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = Message.latest(tracker)
        name = parse_for("first_name", message)
        if name is None and missed_before("first_name", tracker):
            name = answers.name_as_typed(message.text)  # asked twice: take it as they wrote it
        return accepted_or_reask("first_name", name)

    def validate_age(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        age = answers.parse_age(str(value))
        if age is not None and age < UNDER_AGE:
            dispatcher.utter_message(response="utter_check_under_18")
        if age is None:
            # "12" or "150": a number they did type, so not "type your age in numbers"
            out_of_range = answers.age_out_of_range(str(value))
            if out_of_range is not None:
                return {
                    "age": None,
                    REASK: "age_low" if out_of_range < answers.MIN_AGE else "age_high",
                }
        return accepted_or_reask("age", age)

    def validate_campus(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        campus = or_second_miss("campus", answers.parse_campus(str(value)), tracker)
        if campus is None:
            return accepted_or_reask("campus", None)
        language = language_of(tracker)
        return {
            "campus": campus,
            "check_partner": content.partner_with(campus, language),
            "check_partner_links": partner_links(campus),
            REASK: None,
        }

    def validate_situation(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # whatever fits no category is "other": the words stay in the transcript for staff
        situation = answers.parse_situation(str(value))
        if situation is None and answers.word_count(str(value)) > 0:
            situation = "other"
        return accepted_or_reask("situation", or_second_miss("situation", situation, tracker))

    def validate_registered(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        registered = or_second_miss(
            "registered", parse_for("registered", Message.latest(tracker)), tracker
        )
        if registered in ("no", "unknown"):
            campus = tracker.get_slot("campus")
            dispatcher.utter_message(
                response="utter_check_registration_howto",
                check_partner=content.partner_with(campus, language_of(tracker)),
                check_partner_links=partner_links(campus),
            )
        return accepted_or_reask("registered", registered)

    def validate_experience(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        experience = parse_for("experience", Message.latest(tracker))
        return accepted_or_reask("experience", or_second_miss("experience", experience, tracker))

    def validate_motivation(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = " ".join(str(value).split())
        if answers.word_count(text) < MOTIVATION_MIN_WORDS and not tracker.get_slot(
            "motivation_nudged"
        ):
            return {"motivation": None, "motivation_nudged": True, REASK: "motivation_short"}
        return {"motivation": text[:MOTIVATION_MAX_CHARS], REASK: None}

    def validate_commitment(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        commitment = parse_for("commitment", Message.latest(tracker))
        return accepted_or_reask("commitment", or_second_miss("commitment", commitment, tracker))

    def validate_contact(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_contact_text(str(value))

    def validate_consent(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = parse_for("consent", Message.latest(tracker))
        if answer not in ("yes", "no"):
            return {"consent": None, REASK: "consent"}
        return {"consent": answer == "yes", REASK: None}

    def validate_check_confirmed(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = Message.latest(tracker)
        changed = direct_edit(message, tracker)
        if changed:
            return {**changed, CONFIRM_SLOT: None, REASK: None}  # the summary comes back
        answer = parse_for(CONFIRM_SLOT, message)
        if answer in CHECK_SLOTS:
            return edit_answer(answer)
        if answer == "yes":
            return {CONFIRM_SLOT: True, REASK: None}
        if answer in ("no", "edit"):
            return {CONFIRM_SLOT: None, "check_editing": True, EDIT_SLOT: None, REASK: None}
        if missed_before(CONFIRM_SLOT, tracker):
            # shown twice, no change asked for (a question would have been answered): sent
            return {CONFIRM_SLOT: True, REASK: None}
        return {CONFIRM_SLOT: None, REASK: CONFIRM_SLOT}

    def validate_check_edit_field(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = parse_for(EDIT_SLOT, Message.latest(tracker))
        if answer in CHECK_SLOTS:
            return edit_answer(answer)
        if answer == "cancel":
            return {EDIT_SLOT: None, "check_editing": None, REASK: None}
        return {EDIT_SLOT: None, REASK: EDIT_SLOT}


def check_questions(values: Mapping[str, Any]) -> list[str]:
    """The check's questions; after consent = yes, the edit question and the summary too."""
    questions = list(CHECK_SLOTS)
    if values.get("consent") is True:
        if values.get("check_editing"):
            questions.append(EDIT_SLOT)
        questions.append(CONFIRM_SLOT)
    return questions


def direct_edit(message: Message, tracker: Tracker) -> dict[str, Any]:
    """At the summary, a new value said outright ("eigenlijk is Gent dichter", "my number is
    0470..."): the answers it changes, or {} when it names none."""
    if message.is_payload:
        return {}
    text = message.text
    changes: dict[str, Any] = {}
    campus = answers.parse_campus(text)
    if campus and campus != answers.OTHER_CAMPUS and campus != tracker.get_slot("campus"):
        changes.update(
            campus=campus,
            check_partner=content.partner_with(campus, language_of(tracker)),
            check_partner_links=partner_links(campus),
        )
    contact = answers.parse_contact(text)
    if contact.ok and contact.value and contact.value != tracker.get_slot("contact"):
        changes["contact"] = contact.value
        changes[CONTACT_DISPLAY] = answers.display_contact(contact.value)
    age = answers.parse_age(text) if contact.kind is None else None
    if age is not None and age != tracker.get_slot("age"):
        changes["age"] = age
    if message.yes_no() != "yes" and not changes:
        situation = answers.parse_situation(text)
        if situation and situation != tracker.get_slot("situation"):
            changes["situation"] = situation
    return changes


def edit_answer(slot: str) -> dict[str, Any]:
    """Clear one answer so the form asks it again, then shows the summary again."""
    cleared: dict[str, Any] = {
        slot: None,
        EDIT_SLOT: None,
        CONFIRM_SLOT: None,
        "check_editing": None,
        REASK: None,
    }
    if slot == "motivation":
        cleared["motivation_nudged"] = None
    return cleared


def extract_answer(slot: str, tracker: Tracker) -> dict[str, Any]:
    """{slot: text} when the message is meant as the answer to the asked `slot`, else {}."""
    if tracker.get_slot(REQUESTED_SLOT) != slot:
        return {}
    message = Message.latest(tracker)
    if is_answer_to(slot, message) or _said_again(message, tracker):
        return {slot: message.text}
    return {}


def _said_again(message: Message, tracker: Tracker) -> bool:
    """The same statement right after it was taken as something else: they mean it."""
    return (
        message.text == previous_user_text(tracker)
        and not message.is_payload
        and not message.is_command()
        and not answers.looks_like_question(message.text)
    )


def previous_user_text(tracker: Tracker) -> str | None:
    users = [e for e in tracker.events if e.get("event") == "user"]
    return answers.clean_text(str(users[-2].get("text") or "")) if len(users) >= 2 else None


# After a second answer that still fits nothing, the most sensible reading, and on we go: a
# question never comes a third time (nobody is trapped). Age, contact and consent have none.
SECOND_MISS = {
    "campus": answers.OTHER_CAMPUS,
    "situation": "other",
    "registered": "unknown",
    "experience": "none",
    "commitment": "unsure",
}


def missed_before(slot: str, tracker: Tracker) -> bool:
    """The previous answer to `slot` could not be used either: this is the second miss."""
    return tracker.get_slot(REASK) == slot


def or_second_miss(slot: str, value: Any, tracker: Tracker) -> Any:
    """`value`, or on a second miss the slot's most sensible reading (SECOND_MISS)."""
    if value is None and missed_before(slot, tracker):
        return SECOND_MISS.get(slot)
    return value


def accepted_or_reask(slot: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {slot: None, REASK: slot}
    return {slot: value, REASK: None}


def validate_contact_text(text: str) -> dict[str, Any]:
    contact = answers.parse_contact(text)
    if contact.ok and contact.value:
        return {
            "contact": contact.value,
            CONTACT_DISPLAY: answers.display_contact(contact.value),
            REASK: None,
        }
    reason = {"email_invalid": "contact_email", "phone_invalid": "contact_phone"}
    return {"contact": None, REASK: reason.get(contact.reason or "", "contact")}


def asks_to_resume(tracker: Tracker) -> bool:
    """/start, or "on reprend ?" while the check is already running: the pending question
    comes back (rejecting it would make the start rule run the check again, in a loop)."""
    message = Message.latest(tracker)
    if message.is_start:
        return True
    slot = tracker.get_slot(REQUESTED_SLOT)
    return message.intent == "start_check" and (slot is None or parse_for(slot, message) is None)


def confirmation_reply(tracker: Tracker) -> str | None:
    """ "yes"/"no" when the message answers the bot's "stop the questions?"."""
    if previous_bot_action(tracker) not in CONFIRMATIONS:
        return None
    answer = Message.latest(tracker).yes_no()
    return answer if answer in ("yes", "no") else None


def record_funnel(kind: str, tracker: Tracker) -> None:
    funnel.record(kind, tracker, language_of(tracker))


# --- the handoff's form -------------------------------------------------------------------


class ValidateHandoffForm(FormValidationAction):
    """validate_handoff_form: a contact, and consent to keep it, before a person is asked.

    Its own consent slot (handoff_consent): agreeing to be contacted by a person is not agreeing
    to keep the check's answers, which the check asks for itself at its end.
    """

    def name(self) -> str:
        return "validate_handoff_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        domain = domain_or_cached(domain)
        kind = call_kind(tracker, self.form_name())
        if kind == ACTIVATION:
            # always asked, so the person confirms where the team may reach them
            contact = tracker.get_slot("contact")
            shown = answers.display_contact(contact) if contact else None
            return [
                SlotSet(REASK, None),
                SlotSet("handoff_consent", None),
                SlotSet(CONTACT_DISPLAY, shown),
            ]
        if kind == RERUN:
            return [SlotSet(REASK, None)]
        events = await super().run(dispatcher, tracker, domain)
        if not any(e["name"] != REQUESTED_SLOT for e in events):
            return []
        return events

    async def extract_contact(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_handoff_answer("contact", tracker)

    async def extract_handoff_consent(
        self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return extract_handoff_answer("handoff_consent", tracker)

    def validate_contact(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_contact_text(str(value))

    def validate_handoff_consent(
        self, value: Any, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = parse_for("handoff_consent", Message.latest(tracker))
        if answer not in ("yes", "no"):
            return {"handoff_consent": None, REASK: "handoff_consent"}
        return {"handoff_consent": answer == "yes", REASK: None}


def extract_handoff_answer(slot: str, tracker: Tracker) -> dict[str, Any]:
    """Like extract_answer; "I want a person" again is not an interruption here."""
    if tracker.get_slot(REQUESTED_SLOT) != slot:
        return {}
    message = Message.latest(tracker)
    if message.intent == "human_handoff" and parse_for(slot, message) is None:
        return {slot: message.text}
    if message.intent == "start_check" and parse_for(slot, message) is None:
        return {}  # "I'd rather answer the questions": a rule starts the check
    return {slot: message.text} if is_answer_to(slot, message) else {}
