"""Training's projection of registry's workers, and what it tells of their training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.tables import batches, certificates, enrolments, workers
from services.training.domain.coverage import TrainedPsm
from services.training.domain.eligibility import Worker
from shared.persistence.projection import Projection
from shared.persistence.scope import inside


class WorkerProjection(Projection[Worker]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, workers, Worker)

    async def active_psm_in(self, scope: str) -> list[TrainedPsm]:
        """The active PSM of the wilayah, each with the tiers they hold: those certified here
        and the one the registry records (a tier held from before Kesos)."""
        psm = (
            select(workers.c.worker_id, workers.c.kecamatan, workers.c.tier)
            .where(workers.c.role == "psm", workers.c.status == "active",
                   inside(workers.c.wilayah, scope))
        )  # fmt: skip
        found = [
            (row.worker_id, row.kecamatan, row.tier) for row in await self._session.execute(psm)
        ]
        held: dict[str, set[str]] = {
            worker_id: {tier} if tier else set() for worker_id, _, tier in found
        }
        certified = select(certificates.c.worker_id, certificates.c.tier).where(
            inside(certificates.c.worker_wilayah, scope)
        )
        for worker_id, tier in await self._session.execute(certified):
            held.get(worker_id, set()).add(tier)
        return [TrainedPsm(w, k, frozenset(held[w])) for w, k, _ in found]

    async def history_of(self, worker_id: str) -> Sequence[Any]:
        """The worker's enrolments, oldest batch first, with their batch and any certificate."""
        query = (
            select(
                enrolments.c.enrolment_id, enrolments.c.status, enrolments.c.enrolled_at,
                enrolments.c.closed_at, batches.c.batch_id, batches.c.title, batches.c.tier,
                batches.c.starts_on, batches.c.ends_on, batches.c.organiser,
                certificates.c.number.label("certificate_number"), certificates.c.issued_on,
            )
            .join(batches, batches.c.batch_id == enrolments.c.batch_id)
            .outerjoin(certificates, certificates.c.enrolment_id == enrolments.c.enrolment_id)
            .where(enrolments.c.worker_id == worker_id)
            .order_by(batches.c.starts_on, enrolments.c.enrolled_at)
        )  # fmt: skip
        return list((await self._session.execute(query)).mappings())
