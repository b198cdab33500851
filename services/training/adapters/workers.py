"""Training's projection of registry's workers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.tables import workers
from services.training.domain.eligibility import Worker
from shared.persistence.projection import Projection


class WorkerProjection(Projection[Worker]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, workers, Worker)
