"""rasa_components/engine_fixes.py changes how fast Rasa validates action replies and parses
events, never what comes out: compared here with Rasa's own code, inside .venv-rasa."""

from __future__ import annotations

import json
import subprocess

from tools.stack import RASA, ROOT

# Runs in .venv-rasa: Rasa's originals first, then the same calls with the fixes applied.
SCRIPT = r"""
import json, jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

action = RemoteAction.__new__(RemoteAction)
replies = [
    {"events": [{"event": "slot", "name": "language", "value": "fr", "timestamp": None}],
     "responses": [{"response": "utter_greet"}]},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": 3}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [42]},
]
names = sorted({cls.type_name for cls in all_subclasses(Event)}) + ["topic", "no_such_event"]

def outcomes():
    validated = []
    for reply in replies:
        try:
            validated.append(["ok", action._validate_action_result(reply)])
        except jsonschema.ValidationError as error:
            validated.append(["invalid", error.message, list(error.path)])
    resolved = []
    for name in names * 2:  # twice: the second round is answered from memory
        try:
            found = Event.resolve_by_type(name)
            resolved.append(found.__name__ if found else None)
        except ValueError as error:
            resolved.append("ValueError: " + str(error))
        resolved.append(Event.resolve_by_type(name, Event).__name__ if name != "topic" else "-")
    return {"validated": validated, "resolved": resolved}

before = outcomes()
import rasa_components  # applies the fixes, as when Rasa loads our model
from rasa_components import engine_fixes

import asyncio
from rasa.utils.endpoints import EndpointConfig

async def sessions():
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook", headers={"X-Test": "1"})
    async with endpoint.session() as first:
        pool = first.connector
    async with endpoint.session() as second:
        body = second._json_serialize({"text": "é/x", "n": 1.5})
        shared, headers = second.connector is pool, dict(second.headers)
    return {"shared_pool": shared, "pool_open": not pool.closed, "headers": headers,
            "body": json.loads(body)}

print(json.dumps({"applied": engine_fixes.apply(), "before": before, "after": outcomes(),
                  "sessions": asyncio.run(sessions())}))
"""


def test_engine_fixes_keep_rasas_behaviour() -> None:
    done = subprocess.run(
        [str(RASA.parent / "python"), "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["applied"] is True
    assert result["after"] == result["before"]
    validated = result["after"]["validated"]
    assert [v[0] for v in validated] == ["ok", "ok", "invalid", "invalid", "invalid", "invalid"]
    assert "Failed to validate Action server response" in validated[2][1]
    assert "SlotSet" in result["after"]["resolved"]
    # action-server calls: one keep-alive pool, Rasa's headers, the same JSON
    assert result["sessions"] == {
        "shared_pool": True,
        "pool_open": True,
        "headers": {"X-Test": "1"},
        "body": {"text": "é/x", "n": 1.5},
    }
