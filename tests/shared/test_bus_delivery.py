"""The bus delivers every committed event once in effect, on real Redis, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from shared.messaging.streams import events_stream
from tests.support import tally
from tests.support.nodes import counter_bus, settings_for_tests, tally_bus
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def pending(redis: Redis, stream: str, group: str) -> int:
    return int((await redis.xpending(stream, group))["pending"])


async def test_committed_events_reach_the_projection_once(
    store_kind, make_store, redis_url, redis, namespace
):
    producer_store = await make_store(store_kind, "counter")
    consumer_store = await make_store(store_kind, "tally")
    settings = settings_for_tests(namespace, "c1")
    producer, uows = counter_bus(producer_store, redis_url, settings)
    consumer = tally_bus(consumer_store, redis_url, settings)
    await producer.start()
    await consumer.start()
    try:
        for value in range(1, 31):
            async with uows() as uow:
                await tally.set_counter(uow, f"c{value % 3}", value)
                await uow.commit()
        await eventually(lambda: tally.effect_count(consumer_store.engine), message="30 effects")
        await eventually(
            lambda: _equals(tally.effect_count(consumer_store.engine), 30), message="all 30 effects"
        )
        assert await tally.duplicate_effects(consumer_store.engine) == []
        assert await tally.projected(consumer_store.engine) == {
            "c0": (30, 10),
            "c1": (28, 10),
            "c2": (29, 10),
        }
        stream = events_stream(namespace, "counter")
        await eventually(
            lambda: _equals(pending(redis, stream, "tally"), 0), message="none pending"
        )
    finally:
        await consumer.stop()
        await producer.stop()


async def test_a_use_case_that_fails_after_writing_publishes_nothing(
    store_kind, make_store, redis_url, redis, namespace
):
    store = await make_store(store_kind, "counter")
    producer, uows = counter_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    await producer.start()
    try:
        with pytest.raises(tally.SetCounterFailed):
            async with uows() as uow:
                await tally.set_counter(uow, "a", 1, fail_after_write=True)
                await uow.commit()
        async with uows() as uow:
            await tally.set_counter(uow, "b", 2)
            await uow.commit()
        stream = events_stream(namespace, "counter")
        await eventually(lambda: redis.xlen(stream), message="the good event published")
        entries = await redis.xrange(stream)
        assert [fields[b"subject"] for _, fields in entries] == [b"b"]
        assert await producer.relay.backlog() == 0
    finally:
        await producer.stop()


async def test_an_event_committed_before_the_relay_ran_is_published_after_restart(
    store_kind, make_store, redis_url, redis, namespace
):
    store = await make_store(store_kind, "counter")
    settings = settings_for_tests(namespace, "c1")
    _, uows = counter_bus(store, redis_url, settings)  # the process "dies" before its relay runs
    async with uows() as uow:
        await tally.set_counter(uow, "a", 1)
        await uow.commit()
    stream = events_stream(namespace, "counter")
    assert await redis.xlen(stream) == 0

    restarted, _ = counter_bus(store, redis_url, settings)
    await restarted.start()
    try:
        await eventually(lambda: redis.xlen(stream), message="published after restart")
        assert await restarted.relay.backlog() == 0
    finally:
        await restarted.stop()
    assert await redis.xlen(stream) == 1


async def _equals(value, expected) -> bool:
    return (await value) == expected
