"""Writing entries the way an outbox relay (or a stranger) would: plain XADD of envelope fields."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from redis.asyncio import Redis

from shared.contracts.envelope import Envelope, Event, producer_of, source_of
from shared.messaging.streams import PUBLIC, events_stream


def envelope_of(
    event: Event, *, sequence: int | None = None, correlation: str | None = None
) -> Envelope:
    """The envelope the event's producer would write (its own `source`)."""
    return Envelope.wrap(
        event,
        source=source_of(producer_of(event.type)),
        time=datetime.now(UTC),
        sequence=sequence,
        correlation_id=correlation,
        event_id=uuid4(),
    )


async def publish(redis: Redis, namespace: str, envelope: Envelope, channel: str = PUBLIC) -> bytes:
    stream = events_stream(namespace, producer_of(envelope.type), channel)
    return await redis.xadd(stream, envelope.to_fields())  # type: ignore[arg-type]
