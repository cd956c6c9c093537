"""What happens after the check, a request for a person, and forget-me (PRODUCT.md §5.1, §6, §7).

- action_save_lead: score the confirmed check, save the lead (only with consent: without it
  nothing personal is stored, only anonymous funnel counts) and say what happens next.
- action_request_handoff: after handoff_form collected a contact and consent, flag the lead for
  a person and say when to expect an answer.
- action_forget: erase the lead and reset the conversation's slots; a custom payload
  {"passerelle": "erase_tracker"} asks the front end to erase the Rasa tracker too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import store
from actions.check_form import (
    CHECK_SLOTS,
    HELPER_SLOTS,
    REASK,
    UNDER_AGE,
    language_of,
    record_funnel,
)
from actions.language import dominant_language
from actions.review import on_consent_refused, on_forget
from actions.scoring import ScoreResult, score
from leads.log_privacy import pseudonym

log = logging.getLogger(__name__)

ERASE_TRACKER_PAYLOAD = {"passerelle": "erase_tracker"}


def contact_kind(contact: str | None) -> str | None:
    if not contact:
        return None
    return "email" if "@" in contact else "phone"


def telegram_user_id(tracker: Tracker) -> int | None:
    """The Telegram user id from the most recent message metadata that has one."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        value = (event.get("metadata") or {}).get("telegram_user_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None


def campaign_of(tracker: Tracker) -> str | None:
    campaign = tracker.get_slot("campaign")
    if campaign:
        return str(campaign)
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get("campaign")
    return str(value) if value else None


def lead_language(tracker: Tracker) -> str:
    """The language the person wrote most in; the reply language when nothing tells."""
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    return dominant_language(texts, language_of(tracker))


def check_answers(tracker: Tracker) -> dict[str, Any]:
    return {name: tracker.get_slot(name) for name in CHECK_SLOTS}


def cleared(names: tuple[str, ...] | list[str]) -> list[EventType]:
    return [SlotSet(name, None) for name in names]


class ActionSaveLead(Action):
    """Runs when the check is complete (and confirmed, when there was consent)."""

    def name(self) -> str:
        return "action_save_lead"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        answers = check_answers(tracker)
        result = score(answers)
        record_funnel("check_completed", tracker)
        if answers["consent"] is not True:
            dispatcher.utter_message(response="utter_check_no_consent")
            await on_consent_refused(tracker.sender_id)
            await forget_nudges(tracker)
            # nothing personal stays behind, not even in the conversation's slots
            return cleared(CHECK_SLOTS + HELPER_SLOTS)
        lead_id = await save(tracker, answers, result)
        if result.qualified:
            record_funnel("qualified", tracker)
            dispatcher.utter_message(response="utter_check_qualified")
            notify_staff(dispatcher, "qualified", lead_id)
        elif _age(answers["age"]) < UNDER_AGE:
            dispatcher.utter_message(response="utter_check_nurture_young")
        else:
            dispatcher.utter_message(response="utter_check_nurture")
        await follow_up_check(dispatcher, tracker)
        return [SlotSet("check_done", True), SlotSet(REASK, None)]


async def forget_nudges(tracker: Tracker) -> None:
    """No consent at the end of the check: not even a queued nudge keeps the chat's id."""
    from leads import outbox

    try:
        await asyncio.to_thread(outbox.drop, "nudge", tracker.sender_id)
    except Exception:
        log.exception("queued nudges not erased")


async def follow_up_check(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After the check: no more nudges to finish it; the next info sessions are offered."""
    from actions import booking, nudges

    chat_id = booking.chat_id_of(tracker.sender_id)
    if chat_id is not None:
        try:
            await asyncio.to_thread(nudges.cancel, chat_id, "the check is done")
        except Exception:
            log.exception("nudges not cancelled")
    await booking.offer_sessions(dispatcher, tracker)


async def save(tracker: Tracker, answers: dict[str, Any], result: ScoreResult) -> int | None:
    """Store the lead; its id, or None when it was spooled (database down) or failed."""
    lead = dict(
        sender_id=tracker.sender_id,
        telegram_user_id=telegram_user_id(tracker),
        first_name=answers["first_name"],
        age=_age(answers["age"]) or None,
        campus=answers["campus"],
        situation=answers["situation"],
        registered=answers["registered"],
        experience=answers["experience"],
        motivation=answers["motivation"],
        commitment=answers["commitment"],
        contact_kind=contact_kind(answers["contact"]),
        contact=answers["contact"],
        consent=True,
        score=result.score,
        score_breakdown=dict(result.breakdown),
        qualified=result.qualified,
        status=result.status,
        language=lead_language(tracker),
        campaign=campaign_of(tracker),
    )
    try:
        saved = await store.save_lead(**lead)
    except Exception:  # a bug must not leave the young person without an answer
        log.exception("lead of %s not saved", pseudonym(tracker.sender_id))
        return None
    log.info("lead saved=%s spooled=%s id=%s", saved.saved, saved.spooled, saved.lead_id)
    return saved.lead_id


def notify_staff(dispatcher: CollectingDispatcher, kind: str, lead_id: int | None) -> None:
    """Ask the front end to tell the admissions team's chat (the action server cannot reach
    Telegram). A spooled lead has no id yet: the team finds it in the dashboard's queue."""
    if lead_id is None:
        log.info("no staff notification for a %s lead without an id (spooled)", kind)
        return
    dispatcher.utter_message(
        json_message={"passerelle": "notify_staff", "kind": kind, "lead_id": lead_id}
    )


def _age(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class ActionRequestHandoff(Action):
    """Runs when handoff_form is complete: contact + handoff_consent are known."""

    def name(self) -> str:
        return "action_request_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        contact = tracker.get_slot("contact")
        if tracker.get_slot("handoff_consent") is not True or not contact:
            dispatcher.utter_message(response="utter_handoff_no_consent")
            if tracker.get_slot("handoff_consent") is False:
                await on_consent_refused(tracker.sender_id)
            keep_contact = tracker.get_slot("consent") is True
            kept = [] if keep_contact else ["contact", "contact_display"]
            return cleared(["handoff_consent", REASK, *kept])
        try:
            saved = await store.request_handoff(
                tracker.sender_id,
                language=lead_language(tracker),
                campaign=campaign_of(tracker),
                contact_kind=contact_kind(contact),
                contact=contact,
                first_name=tracker.get_slot("first_name"),
                telegram_user_id=telegram_user_id(tracker),
                consent=True,
            )
            record_funnel("handoff", tracker)
            notify_staff(dispatcher, "handoff", saved.lead_id)
        except Exception:  # a bug must not leave the young person without an answer
            log.exception("handoff of %s not recorded", pseudonym(tracker.sender_id))
        dispatcher.utter_message(response="utter_handoff_done")
        events = cleared(["handoff_consent", REASK])
        if check_in_progress(tracker):
            # as an action of its own, so the rule "yes → finish the check" can follow it
            events.append(FollowupAction("utter_handoff_continue_check"))
        return events


def check_in_progress(tracker: Tracker) -> bool:
    """Some answers of a check that is not finished yet."""
    if tracker.get_slot("check_done"):
        return False
    return any(tracker.get_slot(name) is not None for name in CHECK_SLOTS if name != "contact")


class ActionForget(Action):
    """GDPR erase after the person confirmed (utter_forget_confirm → affirm)."""

    def name(self) -> str:
        return "action_forget"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            await store.erase_lead(tracker.sender_id, actor="user")
        except Exception:
            log.exception("erase of %s failed", pseudonym(tracker.sender_id))
            raise  # Rasa then answers with its fallback; the person can ask again
        await on_forget(tracker.sender_id)
        dispatcher.utter_message(response="utter_forget_done")
        dispatcher.utter_message(json_message=ERASE_TRACKER_PAYLOAD)
        events: list[EventType] = []
        if tracker.active_loop_name:
            events.append(ActiveLoop(None))
        events += cleared([REQUESTED_SLOT, "handoff_consent", *CHECK_SLOTS, *HELPER_SLOTS])
        return events
