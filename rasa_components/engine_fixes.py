"""CPU hot spots of the Rasa 3.6.21 engine, done once instead of on every message.

Profiled under `make bench` (BENCHMARKS.md "Load", py-spy on the Rasa process), per message:
- ~15 % of Rasa's CPU went to checking the action-response JSON schema against the JSON
  Schema meta-schema: Rasa validates every reply of the action server with
  `jsonschema.validate()`, which re-checks the (constant) schema itself on each call;
- ~8 % went to `Event.resolve_by_type()`, which walks every Event subclass (with an
  `inspect.isabstract` test each) for each of the ~150 events of a tracker loaded from the
  tracker store;
- ~12 % went to each custom-action call's HTTP set-up and body: Rasa opens a new aiohttp
  session, connector and TCP connection to the action server for every call, and encodes the
  whole tracker with the standard json module.
The first two answers never change while Rasa runs: the schema is checked once and its
validator kept, and an event type name's class is remembered once found. What is validated,
the error raised for an invalid reply and the classes returned are Rasa's own
(tests/test_engine_fixes.py). For the third, endpoint sessions share one connection pool per
event loop (aiohttp's `connector_owner=False`: keep-alive connections to the action server)
and encode JSON bodies with ujson (already a Rasa dependency); headers, auth and timeout are
Rasa's.

Rasa imports this package when it loads a model (config.yml names our classifier), so every
Rasa process applies the fixes before its first message. They are written against 3.6.21
(requirements/rasa.txt pins it); any other version is left as it is, with a warning.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

FOR_RASA_VERSION = "3.6.21"

_applied = False


def apply() -> bool:
    """Apply the fixes once; True when they are in place."""
    global _applied
    if _applied:
        return True
    import rasa

    if rasa.__version__ != FOR_RASA_VERSION:
        log.warning(
            "engine_fixes are written for Rasa %s, this is %s: not applied",
            FOR_RASA_VERSION,
            rasa.__version__,
        )
        return False
    _validate_action_replies_with_one_validator()
    _remember_event_classes()
    _reuse_connections_to_endpoints()
    _applied = True
    return True


def _validate_action_replies_with_one_validator() -> None:
    from jsonschema import ValidationError, exceptions, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    @cache
    def validator() -> Any:
        schema = RemoteAction.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)  # what jsonschema.validate() repeats on every call
        return cls(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        # Rasa's own method, with jsonschema.validate() unrolled to reuse the validator.
        error = exceptions.best_match(validator().iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result


def _remember_event_classes() -> None:
    from rasa.shared.core.events import Event

    resolve_by_scanning = Event.resolve_by_type
    known: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        event_class = known.get(type_name)
        if event_class is None:
            event_class = resolve_by_scanning(type_name, default)
            # only a real match is remembered, never the default or "topic" -> None
            if event_class is not None and getattr(event_class, "type_name", None) == type_name:
                known[type_name] = event_class
        return event_class

    Event.resolve_by_type = staticmethod(resolve_by_type)


def _reuse_connections_to_endpoints() -> None:
    import asyncio

    import aiohttp
    import ujson
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    connectors: dict[asyncio.AbstractEventLoop, aiohttp.TCPConnector] = {}

    def shared_connector() -> aiohttp.TCPConnector:
        loop = asyncio.get_running_loop()
        connector = connectors.get(loop)
        if connector is None or connector.closed:
            connector = connectors[loop] = aiohttp.TCPConnector(limit=100)
        return connector

    def session(self: EndpointConfig) -> aiohttp.ClientSession:
        # Rasa's EndpointConfig.session(), on the shared pool and with ujson
        auth = None
        if self.basic_auth:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=shared_connector(),
            connector_owner=False,
            json_serialize=ujson.dumps,
        )

    EndpointConfig.session = session
