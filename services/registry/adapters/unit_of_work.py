"""The registry's unit of work: one transaction for the workers, the outbox and the audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.repositories import WorkerRepository
from services.registry.domain.workers import Worker
from shared.audit import Actor, record_audit
from shared.messaging.outbox import Outbox
from shared.persistence.unit_of_work import UnitOfWork


class RegistryUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.workers = WorkerRepository(session)

    async def audit(
        self, actor: Actor, action: str, worker: Worker, now: datetime, reason: str | None = None
    ) -> None:
        await record_audit(
            self.session, actor, action, record_type="worker", record_id=worker.worker_id,
            wilayah=worker.wilayah, now=now, reason=reason,
        )  # fmt: skip
