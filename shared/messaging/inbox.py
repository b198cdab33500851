"""The inbox: one row per (handler, event) makes a handler's effects happen once per event."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.tables import inbox


async def first_delivery(
    session: AsyncSession, handler: str, event_id: str, stream: str, now: datetime
) -> bool:
    """Record that `handler` processes `event_id`; False when it already has.

    ON CONFLICT DO NOTHING waits on PostgreSQL for a concurrent insert of the same key to commit
    or roll back, so two replicas never both apply an event.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(inbox)
        .values(handler=handler, event_id=event_id, stream=stream, processed_at=now)
        .on_conflict_do_nothing()
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    return bool(result.rowcount)
