"""Nudges for people who leave the check unfinished, or go quiet right after the bot
offered it: at most two gentle messages, 24 h and 72 h after their last message (env
NUDGE_AFTER_HOURS="24,72"), in their language, with a button that resumes the check.

Followed on every message (action_validate_slot_mappings): while the check is pending the
two nudges are (re)queued in the outbox from this message on; once it is done, declined,
stopped, or the person asked for no more messages, the waiting ones are cancelled. Never
between 21:00 and 09:00 Brussels time: those move to 09:00. The outbox never sends them to
a chat that opted out or blocked the bot; /forget erases them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from rasa_sdk import Tracker

from actions.outbound_texts import render
from leads.outbox import out_of_quiet_hours
from passerelle_settings import environment

log = logging.getLogger(__name__)

DEFAULT_HOURS = (24.0, 72.0)
CHECK_FORM = "check_form"
ENDS_THE_CHECK = frozenset({"stop", "forget_me", "stop_messages"})


def nudge_hours() -> tuple[float, ...]:
    configured = environment().nudge_after_hours or ""
    try:
        hours = tuple(float(h) for h in configured.split(",") if h.strip())
    except ValueError:
        log.error("NUDGE_AFTER_HOURS=%r is not a list of hours; using 24,72", configured)
        return DEFAULT_HOURS
    return hours[:2] if hours and all(h > 0 for h in hours) else DEFAULT_HOURS


def check_pending(tracker: Tracker, offer: str | None) -> bool:
    """The check is running, or the bot's last message offered it."""
    if tracker.get_slot("check_done"):
        return False
    return tracker.active_loop_name == CHECK_FORM or offer == "check"


def follow_now(tracker: Tracker, language: str, offer: str | None) -> None:
    """Queue, move or cancel this person's nudges after their latest message (run by
    actions/store's background pool, never on the event loop)."""
    from actions.booking import chat_id_of

    chat_id = chat_id_of(tracker.sender_id)
    if chat_id is None:
        return
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    declined = intent == "deny" and offer == "check"
    try:
        if intent in ENDS_THE_CHECK or declined or not check_pending(tracker, offer):
            cancel(chat_id, "nothing to resume")
        else:
            started = tracker.active_loop_name == CHECK_FORM or intent == "start_check"
            schedule(tracker.sender_id, chat_id, language, None, started)
    except Exception as error:  # a nudge is a nicety: the conversation goes on without it
        log.warning("nudges not updated (%s)", type(error).__name__)


def schedule(
    sender_id: str,
    chat_id: int,
    language: str,
    now: datetime | None = None,
    started: bool = True,
) -> None:
    """(Re)queue the nudges from `now`; the first one says "you'd started the check" when
    the person had, else it invites to it."""
    from leads import outbox
    from leads.models import utcnow

    now = now or utcnow()
    for number, hours in enumerate(nudge_hours(), start=1):
        due = out_of_quiet_hours(now + timedelta(hours=hours))
        response = "utter_nudge_offer" if number == 1 and not started else f"utter_nudge_{number}"
        outbox.reschedule(
            "nudge",
            chat_id,
            f"nudge:{number}",
            render(response, language),
            due,
            sender_id=sender_id,
        )


def cancel(chat_id: int, reason: str) -> int:
    from leads import outbox

    return outbox.cancel_pending("nudge", chat_id, reason)
