"""The audit trail: who did what to which record, when, why — appended in the write's transaction.

Every write appends a row; reads of sensitive records too. Rows are never updated or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.messaging.context import current_flow
from shared.persistence.tables import audit


@dataclass(frozen=True)
class Actor:
    """Who acts: a token's subject and role (or a service acting on an event)."""

    sub: str
    role: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    record_type: str
    record_id: str
    wilayah: str | None
    reason: str | None
    correlation_id: str | None


async def record_audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    record_type: str,
    record_id: str,
    wilayah: str | None,
    now: datetime,
    reason: str | None = None,
) -> None:
    flow = current_flow()
    await session.execute(
        insert(audit).values(
            at=now,
            actor=actor.sub,
            role=actor.role,
            action=action,
            record_type=record_type,
            record_id=record_id,
            wilayah=wilayah,
            reason=reason,
            correlation_id=flow.correlation_id if flow else None,
        )
    )


async def audit_trail(
    session: AsyncSession, record_type: str, record_id: str, *, after: int = 0, limit: int = 100
) -> list[AuditEntry]:
    """A record's trail, oldest first, `limit` rows after row id `after` (cursor pagination)."""
    query = (
        select(audit)
        .where(audit.c.record_type == record_type, audit.c.record_id == record_id)
        .where(audit.c.id > after)
        .order_by(audit.c.id)
        .limit(limit)
    )
    rows: Any = (await session.execute(query)).mappings().all()
    return [AuditEntry(**row) for row in rows]
