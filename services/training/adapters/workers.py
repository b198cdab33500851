"""Training's projection of registry's workers."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.tables import workers
from services.training.domain.eligibility import Worker
from shared.persistence.projection import upsert_if_newer


class WorkerProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, worker: Worker, sequence: int) -> bool:
        """Record the worker's state unless a newer one (higher registry version) is held."""
        return await upsert_if_newer(
            self._session, workers, {**asdict(worker), "sequence": sequence}
        )

    async def get(self, worker_id: str) -> Worker | None:
        query = select(workers).where(workers.c.worker_id == worker_id)
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        return Worker(
            row["worker_id"], row["role"], row["wilayah"], row["kecamatan"], row["status"],
            row["tier"],
        )  # fmt: skip
