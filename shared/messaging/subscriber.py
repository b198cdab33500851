"""FastStream wiring: one batch subscriber per source stream, reading with the service's group.

Entries are plain field maps (not FastStream's `__data__` frame), so one shared parser builds the
message from the whole field map: `message_id` = `id`, `correlation_id` = `correlationid`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.messaging.runner import ConsumerRunner


async def create_groups(redis: Redis, streams: list[str], group: str) -> None:
    """Create the group at id 0 before any subscriber starts: a first start, or a start after
    Redis lost its data, reads every entry already in the stream (never FastStream's `$`)."""
    for stream in streams:
        try:
            await redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise


async def parse_entries(message: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """Keep FastStream's ack wiring, then take ids and headers from the entries' own fields."""
    parsed = await original(message)
    entries: list[dict[bytes, bytes]] = message["data"]
    first = {k.decode(): v.decode() for k, v in entries[0].items()} if entries else {}
    headers = {k: v for k, v in first.items() if k != "data"}
    parsed.headers = headers
    parsed.message_id = headers.get("id", parsed.message_id)
    parsed.correlation_id = headers.get("correlationid", parsed.message_id)
    return parsed


def subscribe(
    broker: RedisBroker,
    runner: ConsumerRunner,
    *,
    stream: str,
    consumer: str,
    max_records: int,
    block_ms: int,
    all_started: asyncio.Event | None = None,
) -> Any:
    """`all_started`: set once every subscriber of the broker has started; a batch waits for it.
    FastStream gives each stream subscriber 3 s to answer a PING as it starts, and they start
    one after another: a first subscriber already working through a backlog kept a later one's
    PING waiting past that on a loaded machine, and the replica failed to start."""
    subscriber = broker.subscriber(
        stream=StreamSub(
            stream,
            group=runner.group,
            consumer=consumer,
            batch=True,
            max_records=max_records,
            polling_interval=block_ms,
            last_id=">",
        ),
        parser=parse_entries,
        ack_policy=AckPolicy.MANUAL,  # the runner XACKs exactly the committed entries
    )

    @subscriber
    async def consume(message: RedisBatchStreamMessage) -> None:
        if all_started is not None:
            await all_started.wait()
        raw = message.raw_message
        await runner.process(stream, list(zip(raw["message_ids"], raw["data"], strict=True)))

    return subscriber
