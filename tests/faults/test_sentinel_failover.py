"""The primary of a Sentinel-watched Redis killed under load: the Sentinel promotes the replica,
the services find it through the Sentinel URL, and every event arrives once. The relay marks a
batch published only once the replica holds it (`KESOS_RELAY_REPLICAS`), so the failover cannot
lose what the outbox let go of."""

from __future__ import annotations

import pytest

from shared.messaging.relay import NotReplicated
from shared.messaging.streams import events_stream
from shared.messaging.users import new_password, service_user
from tests.support import tally
from tests.support.nodes import counter_bus, settings_for_tests, tally_bus
from tests.support.sentinel import SentinelGroup
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_failover_loses_no_event_and_duplicates_no_effect(make_store, tmp_path, namespace):
    counter_events = events_stream(namespace, "counter")
    counter = service_user(namespace, "counter", reads=[], writes=[counter_events])
    tally_user = service_user(
        namespace, "tally", reads=[counter_events], writes=[events_stream(namespace, "tally")]
    )
    passwords = {counter.name: new_password(), tally_user.name: new_password()}
    group = SentinelGroup(
        tmp_path / "redis", [(u, passwords[u.name]) for u in (counter, tally_user)]
    )
    group.start()
    # PostgreSQL, as a province runs it: what fails over is Redis, and the stores' part in
    # delivering once is held on both stores by the other fault tests.
    producer_store = await make_store("postgresql", "counter")
    consumer_store = await make_store("postgresql", "tally")
    settings = settings_for_tests(namespace, "c1", relay_replicas=1)
    producer, uows = counter_bus(
        producer_store, group.url(counter.name, passwords[counter.name]), settings
    )
    consumer = tally_bus(
        consumer_store, group.url(tally_user.name, passwords[tally_user.name]), settings
    )
    await producer.start()
    await consumer.start()

    async def write(values: range) -> None:
        for value in values:
            async with uows() as uow:
                await tally.set_counter(uow, f"k{value % 5}", value)
                await uow.commit()

    try:
        await write(range(0, 30))
        await eventually(lambda: _effects_are(consumer_store.engine, 30), timeout=30)

        group.kill_primary_and_wait_for_failover()
        await write(range(30, 60))
        await eventually(lambda: _backlog_is(producer, 0), timeout=60, message="outbox drained")
        await eventually(
            lambda: _effects_are(consumer_store.engine, 60), timeout=60, message="all arrive"
        )
        assert await tally.duplicate_effects(consumer_store.engine) == []
        assert await tally.projected(consumer_store.engine) == {
            f"k{k}": (55 + k, 12) for k in range(5)
        }
        assert await consumer.redis.ping()  # the client speaks to whichever node is primary now
        with group.admin(group.primary_port()) as admin:
            assert admin.info("replication")["role"] == "master"
            assert admin.xpending(counter_events, "tally")["pending"] == 0
    finally:
        await consumer.stop()
        await producer.stop()
        group.stop()


async def test_the_relay_holds_a_batch_no_replica_acknowledged(make_store, tmp_path, namespace):
    """With the replica gone, nothing is marked published: the rows wait (and are published
    again once a replica holds them), never lost to a later failover."""
    counter_events = events_stream(namespace, "counter")
    counter = service_user(namespace, "counter", reads=[], writes=[counter_events])
    password = new_password()
    group = SentinelGroup(tmp_path / "redis", [(counter, password)])
    group.start()
    store = await make_store("sqlite", "counter")  # the relay's part: any store will do
    settings = settings_for_tests(namespace, "c1", relay_replicas=1, relay_replica_timeout_ms=100)
    producer, uows = counter_bus(store, group.url(counter.name, password), settings)
    try:
        group.replica.stop()
        async with uows() as uow:
            await tally.set_counter(uow, "k", 1)
            await uow.commit()
        with pytest.raises(NotReplicated):  # the primary refuses (NOREPLICAS) or WAIT says 0
            await producer.relay.publish_pending()
        assert await producer.relay.backlog() == 1

        group.replica.start()
        await eventually(
            lambda: _published_all(producer), timeout=30, message="published once held"
        )
    finally:
        await producer.redis.aclose()
        group.stop()


async def _published_all(bus) -> bool:
    try:
        await bus.relay.publish_pending()
    except Exception:
        return False
    return await bus.relay.backlog() == 0


async def _effects_are(engine, expected: int) -> bool:
    return await tally.effect_count(engine) == expected


async def _backlog_is(bus, expected: int) -> bool:
    return await bus.relay.backlog() == expected
