"""actions/server.py: rasa-sdk's executor fitted to Rasa 3.6, which sends no domain."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from rasa_sdk.interfaces import ActionMissingDomainException

from actions.domain import cached_domain
from actions.server import Rasa36ActionExecutor


class RecordDomain(Action):
    """Says which forms the domain it was given holds."""

    def name(self) -> str:
        return "action_record_domain"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={"forms": sorted(domain.get("forms", {}))})
        return []


def rasa36_call(**extra: Any) -> dict[str, Any]:
    """An action call as Rasa 3.6 sends it with enable_selective_domain: no domain, no digest."""
    tracker = {
        "sender_id": "t1",
        "slots": {},
        "latest_message": {},
        "events": [],
        "paused": False,
        "active_loop": {},
        "latest_action_name": None,
    }
    return {
        "next_action": "action_record_domain",
        "sender_id": "t1",
        "tracker": tracker,
        "version": "3.6.21",
        **extra,
    }


async def test_a_call_without_domain_gets_the_domain_of_the_domain_files() -> None:
    executor = Rasa36ActionExecutor()
    executor.register_action(RecordDomain())

    result = await executor.run(rasa36_call())

    assert result is not None
    assert result.responses[0]["custom"] == {"forms": sorted(cached_domain()["forms"])}
    assert "check_form" in result.responses[0]["custom"]["forms"]


async def test_a_domain_rasa_sends_is_the_one_the_action_gets() -> None:
    executor = Rasa36ActionExecutor()
    executor.register_action(RecordDomain())

    result = await executor.run(rasa36_call(domain={"forms": {"sent_form": {}}}))

    assert result is not None
    assert result.responses[0]["custom"] == {"forms": ["sent_form"]}


async def test_rasa_sdk_itself_would_refuse_the_call_rasa_36_sends() -> None:
    # Why actions/server.py exists: the stock executor answers 449, which Rasa 3.6 reads as a
    # failed action. If this starts passing through, the adaptation can go.
    executor = ActionExecutor()
    executor.register_action(RecordDomain())
    with pytest.raises(ActionMissingDomainException):
        await executor.run(rasa36_call())
