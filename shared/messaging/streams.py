"""Stream names. The namespace separates installations and test runs sharing one Redis."""

from __future__ import annotations

from shared.contracts.envelope import producer_of


def events_stream(namespace: str, producer: str) -> str:
    """Where a producer publishes: `<ns>.<producer>.events`."""
    return f"{namespace}.{producer}.events"


def stream_of(namespace: str, event_type: str) -> str:
    return events_stream(namespace, producer_of(event_type))


def dead_stream(namespace: str, service: str) -> str:
    """Entries a service gave up on, with the error: `<ns>.<service>.dead`."""
    return f"{namespace}.{service}.dead"


def retry_stream(namespace: str, service: str) -> str:
    """Replayed dead letters, read only by that service: `<ns>.<service>.retry`."""
    return f"{namespace}.{service}.retry"


def failures_key(namespace: str, service: str) -> str:
    """Hash of the last handler error per pending entry (`<stream>|<entry id>` → error)."""
    return f"{namespace}.{service}.failures"
