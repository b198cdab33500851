"""Consumers: duplicates, sharing a group, late starts, order and dead letters (real Redis)."""

from __future__ import annotations

import asyncio
import json

import pytest
import structlog
from redis.asyncio import Redis
from sqlalchemy import select

from shared.messaging.streams import dead_stream, events_stream, retry_stream
from shared.persistence.tables import outbox
from tests.support import tally
from tests.support.entries import envelope_of, publish
from tests.support.nodes import settings_for_tests, tally_bus
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def count_is(engine, expected: int) -> bool:
    return await tally.effect_count(engine) == expected


async def nothing_pending(redis: Redis, stream: str, group: str = "tally") -> bool:
    return int((await redis.xpending(stream, group))["pending"]) == 0


@pytest.fixture
async def store(make_store):
    return await make_store("postgresql", "tally")


async def test_the_same_event_added_twice_has_one_effect(store, redis_url, redis, namespace):
    envelope = envelope_of(tally.CounterSet(counter_id="a", value=1), sequence=1)
    await publish(redis, namespace, envelope)
    await publish(redis, namespace, envelope)
    bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    await bus.start()
    try:
        stream = events_stream(namespace, "counter")
        await eventually(lambda: nothing_pending(redis, stream), message="both entries acked")
        await eventually(lambda: tally.effect_count(store.engine))
        assert await tally.effect_count(store.engine) == 1
    finally:
        await bus.stop()


async def test_two_consumers_of_one_group_process_every_entry_once(
    store, redis_url, redis, namespace
):
    buses = [
        tally_bus(store, redis_url, settings_for_tests(namespace, name, max_records=20))
        for name in ("c1", "c2")
    ]
    for bus in buses:
        await bus.start()
    try:
        for value in range(400):
            await publish(
                redis,
                namespace,
                envelope_of(tally.CounterSet(counter_id=f"k{value}", value=value), sequence=1),
            )
        await eventually(lambda: count_is(store.engine, 400), timeout=60, message="400 effects")
        assert await tally.duplicate_effects(store.engine) == []
        await eventually(lambda: nothing_pending(redis, events_stream(namespace, "counter")))
        # Counted right after the XACK the line above saw: wait for the count too.
        await eventually(lambda: sum(bus.runner.handled for bus in buses) == 400)
    finally:
        for bus in buses:
            await bus.stop()


async def test_a_service_started_late_or_restarted_receives_every_event(
    store, redis_url, redis, namespace
):
    for value in range(10):
        await publish(
            redis,
            namespace,
            envelope_of(tally.CounterSet(counter_id="a", value=value), sequence=value + 1),
        )
    settings = settings_for_tests(namespace, "c1")
    first = tally_bus(store, redis_url, settings)
    await first.start()
    await eventually(lambda: count_is(store.engine, 10), message="history received on first start")
    await first.stop()

    for value in range(10, 25):
        await publish(
            redis,
            namespace,
            envelope_of(tally.CounterSet(counter_id="a", value=value), sequence=value + 1),
        )
    restarted = tally_bus(store, redis_url, settings)
    await restarted.start()
    try:
        await eventually(lambda: count_is(store.engine, 25), message="missed events received")
        assert await tally.projected(store.engine) == {"a": (24, 25)}
    finally:
        await restarted.stop()


async def test_a_projection_fed_out_of_order_ends_in_the_newest_state(
    store, redis_url, redis, namespace
):
    bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    stream = events_stream(namespace, "counter")
    envelopes = [
        envelope_of(tally.CounterSet(counter_id="a", value=v * 10), sequence=v)
        for v in (3, 1, 4, 2)
    ]
    entries = [(f"{i + 1}-0".encode(), _as_entry(e.to_fields())) for i, e in enumerate(envelopes)]
    await bus.runner.process(stream, entries[:2])
    await bus.runner.process(stream, entries[2:])
    assert await tally.projected(store.engine) == {"a": (40, 4)}
    await bus.redis.aclose()


async def test_poison_and_failing_entries_are_dead_lettered_while_others_flow(
    store, redis_url, redis, namespace
):
    tally.Faults.fail_values = {99}
    stream = events_stream(namespace, "counter")
    agency = "agency"  # another group reading the same stream must never see a replay
    await redis.xgroup_create(stream, agency, id="0", mkstream=True)
    poison = envelope_of(tally.CounterSet(counter_id="p", value=1)).to_fields()
    poison["data"] = json.dumps({"counter_id": "p", "value": "not a number"})
    await redis.xadd(stream, poison)
    await publish(
        redis, namespace, envelope_of(tally.CounterSet(counter_id="f", value=99), sequence=1)
    )
    for value in range(20):
        await publish(
            redis,
            namespace,
            envelope_of(tally.CounterSet(counter_id=f"g{value}", value=value), sequence=1),
        )

    bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    await bus.start()
    try:
        await eventually(
            lambda: count_is(store.engine, 20), message="good entries flow past the bad"
        )
        await eventually(
            lambda: _equals(bus.dead_letters.count(), 2), timeout=30, message="2 dead letters"
        )
        letters = {letter.fields["subject"]: letter for letter in await bus.dead_letters.list()}
        assert "poison" in letters["p"].error and "not a number" not in letters["p"].error
        assert letters["p"].deliveries == 1  # at once: retrying cannot mend it
        assert "tally refuses value 99" in letters["f"].error
        assert letters["f"].deliveries == 3 and letters["f"].stream == stream
        await eventually(lambda: nothing_pending(redis, stream), message="nothing left pending")

        tally.Faults.fail_values = set()  # the fault is fixed
        await bus.dead_letters.replay(letters["f"].id)
        await eventually(lambda: count_is(store.engine, 21), message="replay applied")
        assert await tally.duplicate_effects(store.engine) == []
        assert await bus.dead_letters.count() == 1
        await bus.dead_letters.discard(letters["p"].id)
        assert await bus.dead_letters.count() == 0
        await eventually(lambda: nothing_pending(redis, retry_stream(namespace, "tally")))
    finally:
        await bus.stop()
    assert await redis.xlen(stream) == 22  # the replay went to the tally's retry stream only
    assert await redis.xlen(retry_stream(namespace, "tally")) == 1
    assert await redis.exists(dead_stream(namespace, "tally")) in (0, 1)


async def test_a_handler_failing_after_it_queued_rows_and_events_leaves_none(
    store, redis_url, redis, namespace
):
    """In the careful path its savepoint rolls back, and what it queued for the next flush —
    an event, an appended row — goes with it, while the batch's other entries commit."""
    tally.Faults.fail_late_values = {98}
    try:
        for counter_id, value in (("ok-1", 1), ("late", 98), ("ok-2", 2)):
            event = tally.CounterSet(counter_id=counter_id, value=value)
            await publish(redis, namespace, envelope_of(event, sequence=1))
        bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1"))
        await bus.start()
        try:
            await eventually(lambda: count_is(store.engine, 2), message="the good ones applied")
            await eventually(
                lambda: _equals(bus.dead_letters.count(), 1), timeout=30, message="a dead letter"
            )
        finally:
            await bus.stop()
    finally:
        tally.Faults.fail_late_values = set()
    async with store.engine.connect() as connection:
        queued = await connection.execute(
            select(outbox.c.subject).where(outbox.c.type.like("%counter_audited%"))
        )
        assert sorted(queued.scalars()) == ["ok-1", "ok-2"]
    assert await tally.effect_count(store.engine) == 2


async def test_replaying_an_already_applied_dead_letter_has_no_second_effect(
    store, redis_url, redis, namespace
):
    envelope = envelope_of(tally.CounterSet(counter_id="a", value=5), sequence=1)
    bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    await publish(redis, namespace, envelope)
    await bus.start()
    try:
        await eventually(lambda: count_is(store.engine, 1))
        fields = envelope.to_fields()
        dead_id = await redis.xadd(dead_stream(namespace, "tally"), {**fields, "dead_error": "x"})
        await bus.dead_letters.replay(dead_id.decode())
        await eventually(lambda: nothing_pending(redis, retry_stream(namespace, "tally")))
        await eventually(lambda: _equals(redis.xlen(retry_stream(namespace, "tally")), 1))
        await asyncio.sleep(0)  # the retry entry is acked: the inbox turned it into a no-op
        assert await tally.effect_count(store.engine) == 1
    finally:
        await bus.stop()


async def test_handler_logs_and_produced_events_carry_the_flow(store, redis_url, redis, namespace):
    envelope = envelope_of(
        tally.CounterSet(counter_id="a", value=1), sequence=1, correlation="flow-42"
    )
    bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as logs:
        await bus.runner.process(
            events_stream(namespace, "counter"), [(b"1-0", _as_entry(envelope.to_fields()))]
        )
    projected = [line for line in logs if line["event"] == "counter_projected"]
    assert projected and projected[0]["correlation_id"] == "flow-42"
    assert projected[0]["event_id"] == str(envelope.id)
    await bus.relay.publish_pending()
    ((_, audited),) = await redis.xrange(events_stream(namespace, "tally"))
    assert audited[b"correlationid"] == b"flow-42"
    assert audited[b"causationid"] == str(envelope.id).encode()
    await bus.redis.aclose()


def _as_entry(fields: dict[str, str]) -> dict[bytes, bytes]:
    return {k.encode(): v.encode() for k, v in fields.items()}


async def _equals(value, expected) -> bool:
    return (await value) == expected


async def test_idle_consumers_holding_nothing_are_removed(store, redis_url, redis, namespace):
    bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1", idle_consumer_s=0.05))
    stream = events_stream(namespace, "counter")
    await bus.start()
    try:
        await redis.xgroup_createconsumer(stream, "tally", "gone-replica")
        await eventually(lambda: _idle_over(redis, stream, "gone-replica", 100), message="idle")
        await bus.reclaimer.tick()
        names = [c["name"] for c in await redis.xinfo_consumers(stream, "tally")]
        assert b"gone-replica" not in names
    finally:
        await bus.stop()


async def _idle_over(redis: Redis, stream: str, name: str, ms: int) -> bool:
    consumers = {c["name"].decode(): c for c in await redis.xinfo_consumers(stream, "tally")}
    return name not in consumers or consumers[name]["idle"] > ms  # the bus may remove it first


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_a_batch_handler_applies_each_fresh_event_once_and_a_failure_falls_back_per_entry(
    make_store, redis_url, redis, namespace, kind
):
    """The batch form sees a whole batch at once (repeats and older versions included) and
    ends where entry-by-entry handling ends; when it raises, the batch runs entry by entry
    and only the failing entry stays pending."""
    store = await make_store(kind, "tally")
    stream = events_stream(namespace, "counter")
    first = envelope_of(tally.CounterSet(counter_id="k0", value=0), sequence=1)
    entries = [first]
    for value in range(1, 60):  # ten counters, each set six times, newest last
        counter = tally.CounterSet(counter_id=f"k{value % 10}", value=value)
        entries.append(envelope_of(counter, sequence=value // 10 + 1))
    for envelope in [*reversed(entries), first]:  # oldest versions last; one event twice
        await publish(redis, namespace, envelope)
    tally.Faults.batches = []
    bus = tally_bus(
        store, redis_url, settings_for_tests(namespace, "c1", max_records=100), tally.BATCHED
    )
    await bus.start()
    try:
        await eventually(lambda: count_is(store.engine, 60), message="every event applied")
        assert sum(tally.Faults.batches) == 60  # by the batch form
        tally.Faults.fail_values = {77}
        for counter_id, value in (("k7", 77), ("k8", 88)):
            counter = tally.CounterSet(counter_id=counter_id, value=value)
            await publish(redis, namespace, envelope_of(counter, sequence=9))
        await eventually(lambda: count_is(store.engine, 61), message="all but the refused one")
        await eventually(lambda: bus.runner.failed >= 1, message="the refused entry failed")
        assert await tally.duplicate_effects(store.engine) == []
        projected = await tally.projected(store.engine)
        assert projected["k8"] == (88, 9) and projected["k7"] == (57, 6)  # 77 was refused
        assert projected["k0"] == (50, 6)
        assert int((await redis.xpending(stream, "tally"))["pending"]) == 1
    finally:
        tally.Faults.fail_values = set()
        await bus.stop()
