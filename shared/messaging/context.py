"""The flow an event or request belongs to: bound into structlog and onto every outbox row.

A handler runs inside `handling(envelope, stream)`; every event it adds to the outbox carries the
same correlation id and the handled event's id as causation id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import structlog

from shared.contracts.envelope import Envelope


@dataclass(frozen=True)
class Flow:
    correlation_id: str
    causation_id: str | None = None


_current: ContextVar[Flow | None] = ContextVar("kesos_flow", default=None)


def current_flow() -> Flow | None:
    return _current.get()


@contextmanager
def flow(
    correlation_id: str, causation_id: str | None = None, **log_context: str
) -> Iterator[Flow]:
    """Run a block as part of a flow: logs and produced events carry its ids."""
    value = Flow(correlation_id, causation_id)
    token = _current.set(value)
    bound = {"correlation_id": correlation_id, **log_context}
    with structlog.contextvars.bound_contextvars(**bound):
        try:
            yield value
        finally:
            _current.reset(token)


@contextmanager
def handling(envelope: Envelope, stream: str) -> Iterator[Flow]:
    """Context of a consumed event: its correlation, itself as the cause of what it produces."""
    correlation = envelope.correlationid or str(envelope.id)
    with flow(
        correlation,
        str(envelope.id),
        event_id=str(envelope.id),
        event_type=envelope.type,
        stream=stream,
    ) as value:
        yield value
