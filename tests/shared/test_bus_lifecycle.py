"""Starting and stopping: the shared parser, graceful stop, and the wire format agencies read."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from jsonschema import Draft202012Validator

from shared.contracts.schemas import data_schema
from shared.messaging.streams import events_stream
from shared.messaging.subscriber import create_groups, parse_entries, subscribe
from tests.support import tally
from tests.support.entries import envelope_of, publish
from tests.support.nodes import counter_bus, settings_for_tests, tally_bus
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

DOCS = Path(__file__).parents[2] / "docs" / "events"


async def test_the_parser_takes_ids_from_a_plain_xadd_entry(redis_url, redis, namespace):
    stream = events_stream(namespace, "counter")
    await create_groups(redis, [stream], "probe")
    broker = RedisBroker(redis_url)
    seen: list[tuple[str, str | None, dict[str, str]]] = []

    @broker.subscriber(
        stream=StreamSub(
            stream, group="probe", consumer="p1", batch=True, max_records=10, last_id=">"
        ),
        parser=parse_entries,
    )
    async def probe(message: RedisBatchStreamMessage) -> None:
        seen.append((message.message_id, message.correlation_id, message.headers))

    envelope = envelope_of(tally.CounterSet(counter_id="a", value=1), correlation="corr-7")
    await redis.xadd(stream, envelope.to_fields())
    await broker.start()
    try:
        await eventually(lambda: seen, message="entry consumed")
    finally:
        await broker.stop()
    message_id, correlation_id, headers = seen[0]
    assert message_id == str(envelope.id)
    assert correlation_id == "corr-7"
    assert headers["type"] == "kesos.counter.counter_set.v1"


async def test_a_graceful_stop_finishes_the_batch_in_flight(
    make_store, redis_url, redis, namespace
):
    store = await make_store("sqlite", "tally")
    tally.Faults.gate = asyncio.Event()
    for value in range(5):
        await publish(
            redis,
            namespace,
            envelope_of(tally.CounterSet(counter_id=f"k{value}", value=value), sequence=1),
        )
    bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    await bus.start()
    await eventually(lambda: tally.Faults.held, message="a batch in flight")
    stopping = asyncio.create_task(bus.stop())
    await eventually(lambda: not bus.subscribers_running(), message="stop begun")
    assert not stopping.done()
    tally.Faults.gate.set()
    await asyncio.wait_for(stopping, timeout=30)
    assert await tally.effect_count(store.engine) == 5
    pending = await redis.xpending(events_stream(namespace, "counter"), "tally")
    assert pending["pending"] == 0


async def test_entries_read_with_plain_redis_validate_against_the_published_schema(
    make_store, redis_url, redis, namespace
):
    schema = json.loads((DOCS / "entry.schema.json").read_text())
    store = await make_store("sqlite", "counter")
    bus, uows = counter_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    async with uows() as uow:
        await tally.set_counter(uow, "a", 1)
        await uow.commit()
    await bus.relay.publish_pending()
    await bus.redis.aclose()
    ((_, raw),) = await redis.xrange(events_stream(namespace, "counter"))
    fields = {k.decode(): v.decode() for k, v in raw.items()}
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        fields
    )
    Draft202012Validator(data_schema(tally.CounterSet)).validate(json.loads(fields["data"]))


class Recording:
    """What a batch handed to the runner: the subscriber's side only, no store."""

    group = "probe"

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    async def process(self, stream: str, entries: list[tuple[bytes, object]]) -> list[bytes]:
        self.seen += [entry_id for entry_id, _ in entries]
        return []


async def test_a_batch_waits_until_every_subscriber_of_the_bus_has_started(
    redis_url, redis, namespace
):
    # A subscriber working through a backlog while the next one still starts kept that one's
    # PING waiting past FastStream's 3 s (a replica failed to start under load): batches read
    # before the bus has started every subscriber wait at the gate.
    stream = events_stream(namespace, "counter")
    await create_groups(redis, [stream], Recording.group)
    await publish(redis, namespace, envelope_of(tally.CounterSet(counter_id="a", value=1)))
    runner, all_started = Recording(), asyncio.Event()
    broker = RedisBroker(redis_url)
    subscribe(
        broker, runner, stream=stream, consumer="c1", max_records=10, block_ms=100,  # type: ignore[arg-type]
        all_started=all_started,
    )  # fmt: skip
    await broker.start()
    try:
        await asyncio.sleep(1.0)  # the entry was waiting: it is read within the first poll
        assert runner.seen == []
        all_started.set()
        await eventually(lambda: runner.seen, message="the batch let through")
    finally:
        await broker.stop()


async def test_a_failed_start_stops_the_subscribers_it_had_started(
    make_store, redis_url, redis, namespace
):
    # FastStream's read loop survives a cancel: a subscriber started before a later one failed
    # would keep the process alive and never ready, instead of exiting for its supervisor to
    # restart it.
    store = await make_store("sqlite", "tally")
    await publish(
        redis, namespace, envelope_of(tally.CounterSet(counter_id="a", value=1), sequence=1)
    )
    bus = tally_bus(store, redis_url, settings_for_tests(namespace, "c1"))
    start = bus.broker.start

    async def start_then_fail() -> None:
        await start()  # every subscriber of this bus started and reading
        raise TimeoutError("a later subscriber's PING")  # as FastStream's 3 s limit raises

    bus.broker.start = start_then_fail  # type: ignore[method-assign]
    with pytest.raises(TimeoutError):
        await bus.start()
    await eventually(lambda: not bus.subscribers_running(), message="subscribers stopped")
    # Nothing lost: the entry was applied, or it is still pending for the reclaimer of the
    # restarted process (the inbox applies it once either way).
    pending = await redis.xpending(events_stream(namespace, "counter"), "tally")
    assert await tally.effect_count(store.engine) == 1 or pending["pending"] == 1
    await bus.redis.aclose()
