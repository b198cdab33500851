"""The registry's unit of work: one transaction for workers, persons, the outbox and the audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.persons import PersonRepository
from services.registry.adapters.repositories import WorkerRepository
from services.registry.domain.persons import Person
from services.registry.domain.workers import Worker
from shared.audit import Actor, record_audit
from shared.messaging.outbox import Outbox
from shared.persistence.unit_of_work import UnitOfWork


class RegistryUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.workers = WorkerRepository(session)
        self.persons = PersonRepository(session)

    async def audit(
        self,
        actor: Actor,
        action: str,
        record: Worker | Person,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        kind, record_id, wilayah = audited(record)
        await record_audit(
            self.session, actor, action, record_type=kind, record_id=record_id,
            wilayah=wilayah, now=now, reason=reason,
        )  # fmt: skip


def audited(record: Worker | Person) -> tuple[str, str, str]:
    """What an audit row names: the record's type, id and wilayah (a person's desa)."""
    if isinstance(record, Person):
        return "person", record.person_id, record.desa
    return "worker", record.worker_id, record.wilayah
