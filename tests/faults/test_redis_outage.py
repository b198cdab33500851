"""Redis stopped for a while: writes keep succeeding, the outbox grows, and after Redis returns
every event arrives, none twice in effect. The test owns its Redis (AOF, fsync always, ACLs on:
each side connects as its own user)."""

from __future__ import annotations

import pytest

from shared.messaging.streams import events_stream
from tests.support import tally
from tests.support.nodes import counter_bus, settings_for_tests, tally_bus
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_writes_survive_a_redis_outage_and_every_event_arrives_once(
    store_kind, make_store, owned_redis, namespace
):
    producer_store = await make_store(store_kind, "counter")
    consumer_store = await make_store(store_kind, "tally")
    settings = settings_for_tests(namespace, "c1")
    counter_events, tally_events = (
        events_stream(namespace, "counter"),
        events_stream(namespace, "tally"),
    )
    counter = await owned_redis.users.service("counter", reads=[], writes=[counter_events])
    tally_user = await owned_redis.users.service(
        "tally", reads=[counter_events], writes=[tally_events]
    )
    producer, uows = counter_bus(producer_store, counter.authenticated_url(), settings)
    consumer = tally_bus(consumer_store, tally_user.authenticated_url(), settings)
    await producer.start()
    await consumer.start()

    async def write(values: range) -> None:
        for value in values:
            async with uows() as uow:
                await tally.set_counter(uow, f"k{value % 5}", value)
                await uow.commit()

    try:
        await write(range(0, 20))
        await eventually(
            lambda: _effects_are(consumer_store.engine, 20), message="before the outage"
        )

        owned_redis.server.stop()
        await write(range(20, 50))  # the use case does not need Redis
        assert await producer.relay.backlog() == 30

        owned_redis.server.start()
        await eventually(lambda: _backlog_is(producer, 0), timeout=60, message="outbox drained")
        await eventually(
            lambda: _effects_are(consumer_store.engine, 50), timeout=60, message="all arrive"
        )
        assert await tally.duplicate_effects(consumer_store.engine) == []
        assert await tally.projected(consumer_store.engine) == {
            f"k{k}": (45 + k, 10) for k in range(5)
        }
    finally:
        await consumer.stop()
        await producer.stop()


async def _effects_are(engine, expected: int) -> bool:
    return await tally.effect_count(engine) == expected


async def _backlog_is(bus, expected: int) -> bool:
    return await bus.relay.backlog() == expected
