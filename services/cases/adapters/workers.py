"""Cases' projection of registry's workers: who is the active TKSK of a kecamatan."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.tables import workers
from shared.persistence.projection import upsert_if_newer


@dataclass(frozen=True, slots=True)
class Worker:
    worker_id: str
    role: str  # psm | tksk
    wilayah: str  # PSM: home desa; TKSK: kecamatan
    kecamatan: str
    status: str  # active | inactive

    @property
    def is_active_tksk(self) -> bool:
        return self.role == "tksk" and self.status == "active"


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
            row["worker_id"], row["role"], row["wilayah"], row["kecamatan"], row["status"]
        )

    async def active_tksk(self, kecamatan: str) -> str | None:
        """The kecamatan's active TKSK (Permensos 28/2018: one at a time), if known."""
        query = (
            select(workers.c.worker_id)
            .where(
                workers.c.kecamatan == kecamatan,
                workers.c.role == "tksk",
                workers.c.status == "active",
            )
            .order_by(workers.c.worker_id)
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()
