"""The transactional outbox: events are rows written in the same transaction as the state change.

A use case never publishes; it calls `uow.outbox.add(event)`. The relay publishes committed rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import Envelope, Event
from shared.messaging.context import current_flow
from shared.messaging.streams import stream_of
from shared.persistence.tables import outbox as outbox_table

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Outbox:
    def __init__(
        self, session: AsyncSession, *, namespace: str, source: str, clock: Clock = utcnow
    ):
        self._session = session
        self._namespace = namespace
        self._source = source
        self._clock = clock
        self._pending: list[dict[str, Any]] = []

    def add(self, event: Event, *, sequence: int | None = None) -> Envelope:
        """Queue an event; it is written with the unit of work's next flush or commit."""
        flow = current_flow()
        envelope = Envelope.wrap(
            event,
            source=self._source,
            time=self._clock(),
            sequence=sequence,
            correlation_id=flow.correlation_id if flow else None,
            causation_id=flow.causation_id if flow else None,
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

    async def flush(self) -> int:
        """Insert queued rows in the session's current transaction (or savepoint)."""
        if not self._pending:
            return 0
        rows, self._pending = self._pending, []
        await self._session.execute(insert(outbox_table), rows)
        return len(rows)
