"""Workers in the registry's store, as domain values."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Select, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.tables import workers
from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.workers import Worker, WorkerRole, WorkerStatus
from services.registry.use_cases.ports import WorkerQuery
from shared.persistence.scope import inside


class WorkerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, worker_id: str) -> Worker | None:
        return await self._one(select(workers).where(workers.c.worker_id == worker_id))

    async def with_nik(self, nik: str) -> Worker | None:
        """The worker holding the NIK — an active one first; never one under review."""
        query = (
            select(workers)
            .where(workers.c.nik == nik, workers.c.nik_review.is_(None))
            .order_by(workers.c.status, workers.c.registered_at)  # 'active' < 'inactive'
        )
        return await self._one(query)

    async def all_with_nik(self, nik: str) -> list[Worker]:
        rows = await self._session.execute(
            select(workers).where(workers.c.nik == nik).order_by(workers.c.registered_at)
        )
        return [_worker(row._mapping) for row in rows]

    async def active_tksk(self, kecamatan: str) -> Worker | None:
        return await self._one(
            select(workers).where(
                workers.c.kecamatan == kecamatan,
                workers.c.role == WorkerRole.TKSK,
                workers.c.status == WorkerStatus.ACTIVE,
            )
        )

    async def add(self, worker: Worker) -> bool:
        # A savepoint, so losing a uniqueness race leaves the transaction usable for the
        # re-check that names the winner (PostgreSQL aborts the whole transaction otherwise).
        try:
            async with self._session.begin_nested():
                await self._session.execute(insert(workers), _row(worker))
        except IntegrityError:
            return False
        return True

    async def save(self, worker: Worker, *, expected_version: int) -> None:
        statement = (
            update(workers)
            .where(workers.c.worker_id == worker.worker_id)
            .where(workers.c.version == expected_version)
            .values(**_row(worker))
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        if result.rowcount != 1:
            raise ConcurrentUpdate()

    async def page(self, query: WorkerQuery, *, after: str | None, limit: int) -> list[Worker]:
        # Whole segments: `63.05.01` covers `63.05.01` and `63.05.01.2003`, never `63.05.010…`.
        statement = select(workers).where(inside(workers.c.wilayah, query.scope))
        for column, wanted in (
            ("role", query.role),
            ("status", query.status),
            ("tier", query.tier),
        ):
            if wanted is not None:
                statement = statement.where(workers.c[column] == str(wanted))
        if after is not None:
            statement = statement.where(workers.c.worker_id > after)
        rows = await self._session.execute(statement.order_by(workers.c.worker_id).limit(limit))
        return [_worker(row._mapping) for row in rows]

    async def _one(self, statement: Select[Any]) -> Worker | None:
        row = (await self._session.execute(statement)).first()
        return None if row is None else _worker(row._mapping)


def _row(worker: Worker) -> dict[str, Any]:
    row = {column.name: getattr(worker, column.name) for column in workers.columns}
    return {**row, "role": str(worker.role), "status": str(worker.status)}


def _worker(row: Any) -> Worker:
    values = dict(row)
    return Worker(
        **{
            **values,
            "role": WorkerRole(values["role"]),
            "status": WorkerStatus(values["status"]),
            "registered_at": values["registered_at"],
            "updated_at": values["updated_at"],
        }
    )
