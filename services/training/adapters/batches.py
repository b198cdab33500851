"""Batches and their sessions in the store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.tables import batches, sessions
from services.training.domain.batches import Batch, BatchStatus, CompletionRule, Session
from services.training.domain.organisers import NATIONAL, enclosing
from shared.persistence.scope import inside


@dataclass(frozen=True)
class BatchFilter:
    """A list query: what the caller may see, narrowed by what it asked for."""

    caller_wilayah: str
    tier: str | None = None
    status: str | None = None
    organiser_wilayah: str | None = None  # batches organised inside this code
    after: tuple[date, str] | None = None  # the cursor: (starts_on, batch_id) of the last item


class BatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, batch: Batch, now: datetime) -> None:
        await self._session.execute(insert(batches), {**_row(batch), "scheduled_at": now})
        rows = [_session_row(batch.batch_id, i, s) for i, s in enumerate(batch.sessions)]
        await self._session.execute(insert(sessions), rows)

    async def get(self, batch_id: str, *, lock: bool = False) -> Batch | None:
        """The batch; `lock` holds its row (PostgreSQL FOR UPDATE) until the unit of work ends,
        so seat counts and completion are decided one command at a time. SQLite needs no lock:
        its write transactions begin IMMEDIATE and already run one at a time."""
        query = select(batches).where(batches.c.batch_id == batch_id)
        if lock:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        return _batch(row, (await self._sessions_of([batch_id]))[batch_id])

    async def save(self, batch: Batch, now: datetime) -> None:
        completed = now if batch.status is BatchStatus.COMPLETED else None
        await self._session.execute(
            update(batches)
            .where(batches.c.batch_id == batch.batch_id)
            .values(
                status=str(batch.status),
                enrolled=batch.enrolled,
                version=batch.version,
                completed_at=completed,
            )
        )

    async def matching(self, wanted: BatchFilter, limit: int) -> list[Batch]:
        query = select(batches).where(*_conditions(wanted))
        query = query.order_by(batches.c.starts_on, batches.c.batch_id).limit(limit)
        rows = (await self._session.execute(query)).mappings().all()
        by_batch = await self._sessions_of([row["batch_id"] for row in rows])
        return [_batch(row, by_batch[row["batch_id"]]) for row in rows]

    async def _sessions_of(self, batch_ids: list[str]) -> dict[str, list[Session]]:
        found: dict[str, list[Session]] = defaultdict(list)
        if not batch_ids:
            return found
        query = (
            select(sessions)
            .where(sessions.c.batch_id.in_(batch_ids))
            .order_by(sessions.c.batch_id, sessions.c.position)
        )
        for row in (await self._session.execute(query)).mappings():
            found[row["batch_id"]].append(
                Session(row["session_id"], row["kind"], row["date"], row["title"], row["location"])
            )
        return found


def _conditions(wanted: BatchFilter) -> list[ColumnElement[bool]]:
    organiser = batches.c.organiser_wilayah
    scope = wanted.caller_wilayah
    conditions = [or_(organiser.like(f"{scope}.%"), organiser.in_(enclosing(scope)))]
    if wanted.tier:
        conditions.append(batches.c.tier == wanted.tier)
    if wanted.status:
        conditions.append(batches.c.status == wanted.status)
    area = wanted.organiser_wilayah
    if area and area != NATIONAL:
        conditions.append(inside(organiser, area))
    if wanted.after is not None:
        starts_on, batch_id = wanted.after
        conditions.append(
            or_(
                batches.c.starts_on > starts_on,
                and_(batches.c.starts_on == starts_on, batches.c.batch_id > batch_id),
            )
        )
    return conditions


def _row(batch: Batch) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id,
        "tier": batch.tier,
        "organiser_wilayah": batch.organiser_wilayah,
        "organiser": batch.organiser,
        "title": batch.title,
        "starts_on": batch.starts_on,
        "ends_on": batch.ends_on,
        "venue": batch.venue,
        "capacity": batch.capacity,
        "completion_rule": batch.completion_rule.as_data(),
        "status": str(batch.status),
        "enrolled": batch.enrolled,
        "version": batch.version,
    }


def _session_row(batch_id: str, position: int, session: Session) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "batch_id": batch_id,
        "position": position,
        "kind": session.kind,
        "date": session.date,
        "title": session.title,
        "location": session.location,
    }


def _batch(row: Any, batch_sessions: list[Session]) -> Batch:
    return Batch(
        batch_id=row["batch_id"],
        tier=row["tier"],
        organiser_wilayah=row["organiser_wilayah"],
        organiser=row["organiser"],
        title=row["title"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        venue=row["venue"],
        capacity=row["capacity"],
        sessions=tuple(batch_sessions),
        completion_rule=CompletionRule.from_data(row["completion_rule"]),
        status=BatchStatus(row["status"]),
        enrolled=row["enrolled"],
        version=row["version"],
    )
