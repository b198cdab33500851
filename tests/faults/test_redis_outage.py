"""Redis stopped for a while: writes keep succeeding, the outbox grows, and after Redis returns
every event arrives, none twice in effect. The test owns its Redis (AOF, fsync always)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.local_redis import LocalRedis
from tests.support import tally
from tests.support.nodes import counter_bus, settings_for_tests, tally_bus
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def owned_redis(tmp_path: Path) -> Iterator[LocalRedis]:
    server = LocalRedis(tmp_path / "redis", fsync="always")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_writes_survive_a_redis_outage_and_every_event_arrives_once(
    store_kind, make_store, owned_redis, namespace
):
    producer_store = await make_store(store_kind, "counter")
    consumer_store = await make_store(store_kind, "tally")
    settings = settings_for_tests(namespace, "c1")
    producer, uows = counter_bus(producer_store, owned_redis.url, settings)
    consumer = tally_bus(consumer_store, owned_redis.url, settings)
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

        owned_redis.stop()
        await write(range(20, 50))  # the use case does not need Redis
        assert await producer.relay.backlog() == 30

        owned_redis.start()
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
