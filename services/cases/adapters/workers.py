"""Cases' projection of registry's workers: who is the active TKSK of a kecamatan."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.tables import workers
from shared.persistence.projection import Projection


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


class WorkerProjection(Projection[Worker]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, workers, Worker)

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
