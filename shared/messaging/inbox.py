"""The inbox: one row per (handler, event) makes a handler's effects happen once per event.

ON CONFLICT DO NOTHING waits on PostgreSQL for a concurrent insert of the same key to commit or
roll back, so two replicas never both apply an event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.dialects import insert_into
from shared.persistence.tables import inbox

Claim = tuple[str, str]  # (handler name, event id)


async def first_deliveries(
    session: AsyncSession, claims: Iterable[Claim], stream: str, now: datetime
) -> set[Claim]:
    """Record that each handler processes each event; return the claims that are new.

    One statement for a whole batch (SQLite ≥ 3.35 and PostgreSQL both return inserted rows).
    """
    rows = [
        {"handler": handler, "event_id": event_id, "stream": stream, "processed_at": now}
        for handler, event_id in dict.fromkeys(claims)
    ]
    if not rows:
        return set()
    statement = (
        insert_into(session, inbox)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(inbox.c.handler, inbox.c.event_id)
    )
    return {(row.handler, row.event_id) for row in await session.execute(statement)}
