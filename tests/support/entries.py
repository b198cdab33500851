"""Writing entries the way an outbox relay (or a stranger) would: plain XADD of envelope fields."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from redis.asyncio import Redis

from shared.contracts.envelope import Envelope, Event
from shared.messaging.streams import stream_of


def envelope_of(
    event: Event, *, sequence: int | None = None, correlation: str | None = None
) -> Envelope:
    return Envelope.wrap(
        event,
        source="/kesos/test",
        time=datetime.now(UTC),
        sequence=sequence,
        correlation_id=correlation,
        event_id=uuid4(),
    )


async def publish(redis: Redis, namespace: str, envelope: Envelope) -> bytes:
    stream = stream_of(namespace, envelope.type)
    return await redis.xadd(stream, envelope.to_fields())  # type: ignore[arg-type]
