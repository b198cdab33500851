"""The audit trail: who did what to which record, when, why — appended in the write's transaction.

Every write appends a row; reads of sensitive records too. Rows are never updated or deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.messaging.context import current_flow
from shared.persistence.scope import inside
from shared.persistence.tables import audit
from shared.security.principal import Principal


@dataclass(frozen=True)
class Actor:
    """Who acts: a token's subject and role (or a service acting on an event)."""

    sub: str
    role: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(sub=principal.sub, role=str(principal.role))


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
    """Insert one audit row now (a unit of work appends its rows instead: `audit_row`)."""
    row = audit_row(
        actor, action, record_type=record_type, record_id=record_id, wilayah=wilayah, now=now,
        reason=reason,
    )  # fmt: skip
    await session.execute(insert(audit), row)  # values at execution: the statement is cached


def audit_row(
    actor: Actor,
    action: str,
    *,
    record_type: str,
    record_id: str,
    wilayah: str | None,
    now: datetime,
    reason: str | None = None,
) -> dict[str, Any]:
    """An audit row, carrying the correlation id of the request or event being handled."""
    flow = current_flow()
    return dict(
        at=now, actor=actor.sub, role=actor.role, action=action, record_type=record_type,
        record_id=record_id, wilayah=wilayah, reason=reason,
        correlation_id=flow.correlation_id if flow else None,
    )  # fmt: skip


async def record_reads(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    record_type: str,
    records: Sequence[tuple[str, str | None, str | None]],
    now: datetime,
) -> None:
    """One row per record read (id, wilayah, why), in one statement: who looked at this person
    is answered per person, even when a list showed fifty."""
    if not records:
        return
    flow = current_flow()
    await session.execute(
        insert(audit),
        [
            {
                "at": now, "actor": actor.sub, "role": actor.role, "action": action,
                "record_type": record_type, "record_id": record_id, "wilayah": wilayah,
                "reason": reason, "correlation_id": flow.correlation_id if flow else None,
            }
            for record_id, wilayah, reason in records
        ],
    )  # fmt: skip


@dataclass(frozen=True)
class AuditQuery:
    """The trail an auditor asks for, inside their wilayah, newest first."""

    scope: str
    record_type: str | None = None
    record_id: str | None = None
    actor: str | None = None
    action: str | None = None
    before: int | None = None  # cursor: the id of the last row of the previous page
    limit: int = 50


async def audit_entries(session: AsyncSession, query: AuditQuery) -> list[AuditEntry]:
    rows: Any = (
        (
            await session.execute(
                select(audit)
                .where(*_conditions(query))
                .order_by(audit.c.id.desc())
                .limit(query.limit)
            )
        )
        .mappings()
        .all()
    )
    return [AuditEntry(**row) for row in rows]


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions = [inside(audit.c.wilayah, query.scope)]
    for column, value in (
        (audit.c.record_type, query.record_type),
        (audit.c.record_id, query.record_id),
        (audit.c.actor, query.actor),
        (audit.c.action, query.action),
    ):
        if value is not None:
            conditions.append(column == value)
    if query.before is not None:
        conditions.append(audit.c.id < query.before)
    return conditions


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
