"""RasaClient against fake Rasa instances: replies, stickiness, fail-over, outages."""

from __future__ import annotations

import asyncio

import pytest

from bot.rasa_client import RasaClient, RasaUnavailable
from tests.bot.conftest import FakeRasa, free_port

pytestmark = pytest.mark.timeout(30)


async def test_send_posts_to_the_rest_channel_and_returns_the_messages(fake_rasa: FakeRasa) -> None:
    async with RasaClient(fake_rasa.url) as client:
        replies = await client.send("tg-1", "hallo", {"language_code": "fr", "channel": "cli"})
    assert replies == [{"recipient_id": "tg-1", "text": "Salut ! Je peux t'aider ?"}]
    [received] = fake_rasa.received
    assert (received.sender, received.text) == ("tg-1", "hallo")
    assert received.metadata == {"language_code": "fr", "channel": "cli"}


async def test_a_sender_sticks_to_one_instance_and_senders_spread_over_all() -> None:
    instances = [FakeRasa(), FakeRasa(), FakeRasa()]
    for instance in instances:
        await instance.up()
    try:
        async with RasaClient(",".join(i.url for i in instances)) as client:
            for round_ in range(3):
                for sender in range(30):
                    await client.send(f"tg-{sender}", f"m{round_}", {})
        for instance in instances:
            senders = {r.sender for r in instance.received}
            assert senders, "every instance gets some conversations"
            for sender in senders:
                assert instance.texts_from(sender) == ["m0", "m1", "m2"]
    finally:
        for instance in instances:
            await instance.down()


async def test_fail_over_to_the_next_instance_when_one_is_unreachable(fake_rasa: FakeRasa) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with RasaClient([dead, fake_rasa.url]) as client:
        senders = [s for s in (f"tg-{n}" for n in range(20)) if client.instances_for(s)[0] == dead]
        assert senders
        for sender in senders:
            assert await client.send(sender, "hoi", {})
    assert {r.sender for r in fake_rasa.received} == set(senders)


async def test_outages_raise_rasa_unavailable(fake_rasa: FakeRasa) -> None:
    async with RasaClient(fake_rasa.url, timeout=0.5) as client:
        fake_rasa.status = 503
        with pytest.raises(RasaUnavailable):
            await client.send("tg-1", "hoi", {})
        fake_rasa.status, fake_rasa.delay = 200, 1.5
        with pytest.raises(RasaUnavailable):
            await client.send("tg-1", "hoi", {})
        await fake_rasa.down()
        with pytest.raises(RasaUnavailable):
            await client.send("tg-1", "hoi", {})
        assert await client.is_available() is False
        await fake_rasa.up()
        fake_rasa.delay = 0
        assert await client.is_available() is True


async def test_one_client_serves_many_concurrent_conversations(fake_rasa: FakeRasa) -> None:
    fake_rasa.delay = 0.2
    async with RasaClient(fake_rasa.url) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        replies = await asyncio.gather(*(client.send(f"tg-{n}", "hoi", {}) for n in range(60)))
        elapsed = loop.time() - started
    assert len(replies) == 60 and all(replies)
    assert elapsed < 1.5  # pooled and concurrent, not one after another (12 s)
