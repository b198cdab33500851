"""Which diklat batches are about to start, who takes part, and which were reminded."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.tables import batches, enrolments, reminders
from services.training.domain.batches import BatchStatus
from services.training.domain.enrolments import EnrolmentStatus
from shared.persistence.dialects import insert_into


@dataclass(frozen=True, slots=True)
class Starting:
    batch_id: str
    tier: str
    title: str
    starts_on: date
    ends_on: date
    venue: str


class ReminderBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def not_reminded(self, days: Collection[date], limit: int) -> list[Starting]:
        """Scheduled batches starting on one of `days` whose participants were not reminded."""
        reminded = and_(
            reminders.c.batch_id == batches.c.batch_id, reminders.c.starts_on == batches.c.starts_on
        )
        query = (
            select(batches.c.batch_id, batches.c.tier, batches.c.title, batches.c.starts_on,
                   batches.c.ends_on, batches.c.venue)
            .outerjoin(reminders, reminded)
            .where(batches.c.starts_on.in_(sorted(days)), reminders.c.batch_id.is_(None),
                   batches.c.status == BatchStatus.SCHEDULED.value)
            .order_by(batches.c.starts_on, batches.c.batch_id).limit(limit)
        )  # fmt: skip
        return [Starting(*row) for row in await self._session.execute(query)]

    async def participants(self, batch_id: str) -> list[str]:
        query = select(enrolments.c.worker_id).where(
            enrolments.c.batch_id == batch_id,
            enrolments.c.status == EnrolmentStatus.ENROLLED.value,
        )
        return sorted((await self._session.execute(query)).scalars())

    async def remember(self, batch: Starting, now: datetime) -> bool:
        """Record the batch's reminder; False when it was recorded already (another replica)."""
        statement = insert_into(self._session, reminders).values(
            batch_id=batch.batch_id, starts_on=batch.starts_on, reminded_at=now
        ).on_conflict_do_nothing()  # fmt: skip
        result = cast(CursorResult[Any], await self._session.execute(statement))
        return result.rowcount == 1
