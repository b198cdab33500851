"""The transactional outbox: events are rows written in the same transaction as the state change.

A use case never publishes; it calls `uow.outbox.add(event)`. The relay publishes committed rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.contracts.envelope import Envelope, Event
from shared.messaging.context import current_flow
from shared.messaging.streams import stream_of
from shared.observability.tracing import current_trace

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Outbox:
    def __init__(self, *, namespace: str, source: str, clock: Clock = utcnow):
        self._namespace = namespace
        self._source = source
        self._clock = clock
        self._pending: list[dict[str, Any]] = []

    def add(self, event: Event, *, sequence: int | None = None) -> Envelope:
        """Queue an event; the unit of work writes it with its next flush or commit."""
        flow = current_flow()
        envelope = Envelope.wrap(
            event,
            source=self._source,
            time=self._clock(),
            sequence=sequence,
            correlation_id=flow.correlation_id if flow else None,
            causation_id=flow.causation_id if flow else None,
            trace=current_trace(),
        )
        self._pending.append(
            {
                "event_id": str(envelope.id),
                "stream": stream_of(self._namespace, type(event)),
                "type": envelope.type,
                "subject": envelope.subject,
                "fields": json.dumps(envelope.to_fields(), ensure_ascii=False),
                "created_at": envelope.time,
            }
        )
        return envelope

    def discard(self) -> None:
        """Forget the queued events (the work that queued them failed)."""
        self._pending = []

    def take(self) -> list[dict[str, Any]]:
        """The queued rows, to be written now (`UnitOfWork.flush`)."""
        rows, self._pending = self._pending, []
        return rows
