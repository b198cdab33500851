"""What the API reads: deliveries with their recipient's wilayah (from the contacts projection)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.tables import contacts, deliveries
from shared.persistence.scope import inside

COLUMNS = (*(c for c in deliveries.c if c.name != "variables"), contacts.c.wilayah)


@dataclass(frozen=True)
class DeliveryFilter:
    """`area`: only recipients whose contact lies in this wilayah; `recipient_id`: only theirs."""

    area: str | None = None
    recipient_id: str | None = None
    status: str | None = None
    after: int | None = None  # the cursor: the last row's id


async def find_deliveries(
    session: AsyncSession, where: DeliveryFilter, limit: int
) -> list[dict[str, Any]]:
    query = _joined().order_by(deliveries.c.id).limit(limit)
    if where.area is not None:
        # Whole segments, never a bare prefix: `63.05` covers `63.05.01`, not `63.050…`.
        area = contacts.c.wilayah
        query = query.where(inside(area, where.area))
    if where.recipient_id is not None:
        query = query.where(deliveries.c.recipient_id == where.recipient_id)
    if where.status is not None:
        query = query.where(deliveries.c.status == where.status)
    if where.after is not None:
        query = query.where(deliveries.c.id > where.after)
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def find_delivery(session: AsyncSession, delivery_id: str) -> dict[str, Any] | None:
    query = _joined().where(deliveries.c.delivery_id == delivery_id)
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


def _joined() -> Select[Any]:
    # An outer join: a recipient's own deliveries are visible before their contact arrives.
    return select(*COLUMNS).outerjoin(contacts, contacts.c.worker_id == deliveries.c.recipient_id)
