"""The production topology on this machine: PostgreSQL for leads and Rasa trackers, a Redis
lock store, one action server and TWO Rasa instances on the same model.

One conversation whose messages alternate between the instances must behave exactly like
one served by a single Rasa: the form goes on, the lead is saved once with the right values,
the tracker events are in order. Messages of one conversation arriving at both instances at
once must wait for the lock they share in Redis and run in turn (with per-instance locks
one instance's save drops the other's message). The bot's RasaClient with both URLs must keep
going when one instance stops.

Each run gets two fresh PostgreSQL databases (dropped at the end) and its own Redis db.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NoReturn

import httpx
import psycopg
import pytest
import redis
from sqlalchemy import text

from bot.rasa_client import RasaClient
from leads.db import dispose_engines, get_engine
from tests.conversations import CHECK, MOTIVATION
from tests.test_check_integration import expected_score, metadata
from tools.scratch_postgres import create_databases, drop_databases
from tools.stack import PY, ROOT, Stack, free_port, trained_model

pytestmark = pytest.mark.timeout(900)

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
# Rasa's lock keys live in their own Redis db, away from anything else on this server.
REDIS_DB = 9
LOCK_PREFIX = "lock:"  # Rasa's RedisLockStore key prefix (DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX)
HOLD_S = 6.0


def redis_client() -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_timeout=3)


def unavailable(message: str) -> NoReturn:
    """Skip on a developer machine without the service; under CI=true it is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases: (lead store URL, Rasa tracker store URL)."""
    base = f"passerelle_scale_{os.getpid()}_{secrets.token_hex(3)}"
    names = [base, f"{base}_rasa"]
    try:
        create_databases(*names)
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL at {PG['host']}:{PG['port']} unreachable: {error}")
    try:
        where = f"{PG['user']}@{PG['host']}:{PG['port']}"
        yield f"postgresql+psycopg://{where}/{names[0]}", f"postgresql://{where}/{names[1]}"
    finally:
        dispose_engines()
        drop_databases(*names)


@dataclass
class Topology:
    stack: Stack
    rasa_a: str
    rasa_b: str

    @property
    def urls(self) -> list[str]:
        return [self.rasa_a, self.rasa_b]


@pytest.fixture(scope="module")
def topology(
    tmp_path_factory: pytest.TempPathFactory, databases: tuple[str, str]
) -> Iterator[Topology]:
    try:
        redis_client().ping()
    except redis.RedisError as error:
        unavailable(f"Redis at 127.0.0.1:6379 unreachable: {error}")
    leads_url, tracker_url = databases
    stack = Stack(
        workdir=tmp_path_factory.mktemp("scale-out"),
        model=trained_model(),
        database_url=leads_url,
        tracker_url=tracker_url,
        lock_store="redis",
        redis_db=REDIS_DB,
    )
    try:
        stack.start()  # migrations, the action server, Rasa A
        # B only after A: the first instance creates the tracker table, as in docker-compose.yml.
        rasa_b = stack.start_rasa("rasa-b", free_port())
    except Exception as error:
        stack.close()
        pytest.fail(f"could not start the scale-out topology: {error}\n{stack.logs()}")
    yield Topology(stack, stack.rasa_url, rasa_b)
    stack.close()


def new_sender() -> str:
    return f"tg-{uuid.uuid4().int % 10**12}"


def reply_text(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def tracker_events(topology: Topology, sender: str) -> list[dict]:
    """The conversation's rows in the PostgreSQL tracker store, in insertion order."""
    with get_engine(topology.stack.tracker_url).connect() as connection:
        rows = (
            connection.execute(
                text(
                    "SELECT id, type_name, action_name, timestamp, data FROM events "
                    "WHERE sender_id = :sender ORDER BY id"
                ),
                {"sender": sender},
            )
            .mappings()
            .all()
        )
    return [dict(row) for row in rows]


def user_texts(events: list[dict]) -> list[str]:
    return [json.loads(e["data"]).get("text") for e in events if e["type_name"] == "user"]


def assert_turns_are_whole(events: list[dict]) -> None:
    """Every user message is followed by its own bot turn, ending in action_listen, before
    the next user message: no two turns interleaved, none half-saved."""
    timestamps = [e["timestamp"] for e in events]
    assert timestamps == sorted(timestamps)
    user_positions = [i for i, e in enumerate(events) if e["type_name"] == "user"]
    for start, end in zip(user_positions, user_positions[1:] + [len(events)], strict=True):
        turn = events[start + 1 : end]
        actions = [e["action_name"] for e in turn if e["type_name"] == "action"]
        assert actions and actions[-1] == "action_listen", (start, actions)
        assert actions.count("action_listen") == 1, (start, actions)


def leads_of(stack: Stack, sender: str) -> list[dict]:
    done = subprocess.run(
        [str(PY), "-m", "leads", "export", "--jsonl"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    leads = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return [lead for lead in leads if lead["sender_id"] == sender]


def test_a_conversation_alternating_between_two_rasa_instances_stays_consistent(
    topology: Topology,
) -> None:
    stack, sender = topology.stack, new_sender()
    meta = metadata("nl", uuid.uuid4().int % 10**9)
    transcript: list[str] = []
    for turn, (message, expected) in enumerate(CHECK["nl"]):
        url = topology.urls[turn % 2]  # A, B, A, B, ...
        reply = reply_text(stack.send(sender, message, meta, rasa_url=url))
        transcript.append(f"[{'AB'[turn % 2]}] > {message}\n    < {reply}")
        assert expected in reply, "\n".join(transcript)

    [lead] = leads_of(stack, sender)
    points, breakdown = expected_score(
        age=19,
        campus="ghent",
        situation="job_seeker",
        registered="yes",
        experience="some",
        motivation=MOTIVATION["nl"],
        commitment="yes",
    )
    assert {
        k: lead[k]
        for k in (
            "first_name",
            "age",
            "campus",
            "situation",
            "registered",
            "experience",
            "motivation",
            "commitment",
            "contact_kind",
            "contact",
            "consent",
            "qualified",
            "status",
            "language",
        )
    } == {
        "first_name": "Lotte",
        "age": 19,
        "campus": "ghent",
        "situation": "job_seeker",
        "registered": "yes",
        "experience": "some",
        "motivation": MOTIVATION["nl"],
        "commitment": "yes",
        "contact_kind": "phone",
        "contact": "+32470123456",
        "consent": True,
        "qualified": True,
        "status": "new",
        "language": "nl",
    }, "\n".join(transcript)
    assert (lead["score"], lead["score_breakdown"]) == (points, breakdown)
    with get_engine(stack.database_url).connect() as connection:
        rows = connection.execute(
            text("SELECT count(*) FROM leads WHERE sender_id = :s"), {"s": sender}
        ).scalar()
    assert rows == 1

    events = tracker_events(topology, sender)
    assert user_texts(events) == [message for message, _ in CHECK["nl"]]
    assert_turns_are_whole(events)
    # Both instances read the same conversation from the shared store.
    seen_by_a = stack.tracker(sender, rasa_url=topology.rasa_a)
    seen_by_b = stack.tracker(sender, rasa_url=topology.rasa_b)
    assert seen_by_a["events"] == seen_by_b["events"]
    assert seen_by_a["slots"]["first_name"] == "Lotte"


def lock_tickets(sender: str) -> list[int]:
    """The ticket numbers in Rasa's Redis lock of this conversation (Rasa's own format)."""
    stored = redis_client().get(LOCK_PREFIX + sender)
    if stored is None:
        return []
    return [json.loads(ticket)["number"] for ticket in json.loads(stored)["tickets"]]


def send_waiting(rasa_url: str, sender: str, message: str, meta: dict) -> list[dict]:
    """Like Stack.send, with room for a lock wait: a waiting instance polls every second,
    and a lost race inside Rasa's lock store can keep a ticket until it expires (60 s)."""
    response = httpx.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": message, "metadata": meta},
        timeout=90,
    )
    response.raise_for_status()
    return response.json()


def wait_for_tickets(sender: str, count: int, deadline: float) -> None:
    while len(lock_tickets(sender)) < count:
        assert time.monotonic() < deadline, f"no ticket {count} in Redis: {lock_tickets(sender)}"
        time.sleep(0.02)


def test_both_instances_wait_for_the_shared_redis_lock_and_serve_in_ticket_order(
    topology: Topology,
) -> None:
    """A third party (this test) holds the conversation's lock in Redis, the way a Rasa
    instance busy with an earlier message does. A message to A and then one to B must both
    wait for it, then run one after the other in ticket order, each turn saved whole.
    With a per-instance (in-memory) lock store both would run at once, and one instance's
    save would drop the other's message.

    The test waits for each ticket before sending the next message: Rasa 3.6's
    RedisLockStore issues tickets by a read-modify-write that is not atomic (RasaHQ/rasa
    #9213), so two messages of one conversation arriving at the very same moment can both
    get in. The bot never does that: it sends one message per chat at a time.
    """
    stack, sender = topology.stack, new_sender()
    meta = metadata("nl", uuid.uuid4().int % 10**9)
    stack.send(sender, "hallo", meta, rasa_url=topology.rasa_a)
    before = len(tracker_events(topology, sender))
    first, second = "hoeveel kost de opleiding?", "waar zijn jullie campussen?"

    held_until = time.time() + HOLD_S  # the held ticket expires by itself: no release race
    try:
        redis_client().set(
            LOCK_PREFIX + sender,
            json.dumps(
                {
                    "conversation_id": sender,
                    "tickets": [json.dumps({"number": 0, "expires": held_until})],
                }
            ),
        )
        deadline = time.monotonic() + HOLD_S - 1
        with ThreadPoolExecutor(max_workers=2) as pool:
            to_a = pool.submit(send_waiting, topology.rasa_a, sender, first, meta)
            wait_for_tickets(sender, 2, deadline)
            to_b = pool.submit(send_waiting, topology.rasa_b, sender, second, meta)
            wait_for_tickets(sender, 3, deadline)
            assert lock_tickets(sender) == [0, 1, 2]
            time.sleep(max(0.0, held_until - time.time() - 0.5))
            # Still held: neither instance has touched the conversation.
            assert not to_a.done() and not to_b.done()
            assert len(tracker_events(topology, sender)) == before
            replies = [to_a.result(timeout=120), to_b.result(timeout=120)]
        assert all(reply_text(r) for r in replies), replies

        events = tracker_events(topology, sender)
        assert user_texts(events) == ["hallo", first, second]
        assert_turns_are_whole(events)
        assert events[before]["timestamp"] >= held_until
        assert redis_client().get(LOCK_PREFIX + sender) is None  # nothing left locked behind
    finally:
        redis_client().delete(LOCK_PREFIX + sender)  # whatever happened


async def test_the_bots_rasa_client_fails_over_when_an_instance_stops(topology: Topology) -> None:
    """Last in this module: it stops instance B."""
    stack = topology.stack
    meta = metadata("nl", uuid.uuid4().int % 10**9)
    async with RasaClient(topology.urls, timeout=30) as client:
        # A conversation that RasaClient sends to B while B is up.
        sender = next(
            s
            for s in (new_sender() for _ in range(100))
            if client.instances_for(s)[0] == topology.rasa_b
        )
        assert "10 korte vragen" in reply_text(
            await client.send(sender, "ik wil me aanmelden", meta)
        )

        await asyncio.to_thread(stack.stop, "rasa-b")

        assert "Lotte" in reply_text(await client.send(sender, "ik ben Lotte", meta))
        assert "dichtst" in reply_text(await client.send(sender, "negentien", meta))
    events = tracker_events(topology, sender)
    assert user_texts(events) == ["ik wil me aanmelden", "ik ben Lotte", "negentien"]
    assert_turns_are_whole(events)
