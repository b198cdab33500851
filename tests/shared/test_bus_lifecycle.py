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
from shared.messaging.subscriber import create_groups, parse_entries
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
