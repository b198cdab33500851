"""Stream names. The namespace separates installations and test runs sharing one Redis.

Each producer writes `<ns>.<producer>.<channel>`: `events` is its public stream, any other
channel a restricted one (`shared.messaging.topology`). A service's own keys sit beside them:
`.dead` (dead letters), `.retry` (replays, read only by it), `.failures` (last errors).
"""

from __future__ import annotations

from shared.contracts.envelope import Event, producer_of

PUBLIC = "events"


def events_stream(namespace: str, producer: str, channel: str = PUBLIC) -> str:
    """Where a producer publishes on a channel: `<ns>.<producer>.<channel>`."""
    return f"{namespace}.{producer}.{channel}"


def stream_of(namespace: str, event: type[Event]) -> str:
    """The stream an event type travels on."""
    return events_stream(namespace, producer_of(event.type), event.stream_channel)


def producer_and_channel(namespace: str, stream: str) -> tuple[str, str] | None:
    """`<ns>.cases.intake` → (`cases`, `intake`); None for a stream not named that way."""
    prefix = f"{namespace}."
    if not stream.startswith(prefix):
        return None
    parts = stream.removeprefix(prefix).split(".")
    return (parts[0], parts[1]) if len(parts) == 2 else None


def dead_stream(namespace: str, service: str) -> str:
    """Entries a service gave up on, with the error: `<ns>.<service>.dead`."""
    return f"{namespace}.{service}.dead"


def retry_stream(namespace: str, service: str) -> str:
    """Replayed dead letters, read only by that service: `<ns>.<service>.retry`."""
    return f"{namespace}.{service}.retry"


def replays_key(namespace: str, service: str) -> str:
    """Dead letters an operator asked to replay (`kesos dead replay`): the service replays them."""
    return f"{namespace}.{service}.replays"


def failures_key(namespace: str, service: str) -> str:
    """Hash of the last handler error per pending entry (`failure_field` → error)."""
    return f"{namespace}.{service}.failures"


def failure_field(stream: str, entry_id: bytes | str) -> str:
    """An entry's field in the failures hash: `<stream>|<entry id>`."""
    return f"{stream}|{entry_id.decode() if isinstance(entry_id, bytes) else entry_id}"
