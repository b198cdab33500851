"""The registry's unit of work: one transaction for workers, persons, the outbox and the audit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.adapters.families import FamilyRepository
from services.registry.adapters.imports import ImportRepository
from services.registry.adapters.institutions import InstitutionRepository
from services.registry.adapters.persons import PersonRepository
from services.registry.adapters.repositories import WorkerRepository
from services.registry.adapters.reviews import ReviewRepository
from services.registry.domain.families import Family
from services.registry.domain.imports import ImportJob
from services.registry.domain.persons import Person
from services.registry.domain.workers import Worker
from shared.audit import Actor, audit_row, record_audit, record_reads
from shared.glass import GlassGrant, break_glass, open_grants
from shared.messaging.outbox import Outbox
from shared.persistence.tables import audit
from shared.persistence.unit_of_work import UnitOfWork
from shared.security.disclosure import mask_nik


class RegistryUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.workers = WorkerRepository(session)
        self.persons = PersonRepository(session)
        self.reviews = ReviewRepository(session)
        self.families = FamilyRepository(session)
        self.imports = ImportRepository(session)
        self.institutions = InstitutionRepository(session)

    async def audit(
        self,
        actor: Actor,
        action: str,
        record: Worker | Person | Family,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        kind, record_id, wilayah = audited(record)
        self.append(audit, audit_row(
            actor, action, record_type=kind, record_id=record_id, wilayah=wilayah, now=now,
            reason=reason,
        ))  # fmt: skip

    async def audit_import(self, actor: Actor, action: str, job: ImportJob, now: datetime) -> None:
        self.append(audit, audit_row(
            actor, action, record_type="import", record_id=job.import_id, wilayah=job.wilayah,
            now=now, reason=job.filename,
        ))  # fmt: skip

    async def audit_reads(
        self,
        actor: Actor,
        action: str,
        reads: Sequence[tuple[Worker | Person | Family, str]],
        now: datetime,
    ) -> None:
        for kind in ("person", "worker", "family"):
            named = [(audited(record), why) for record, why in reads]
            rows = [
                (record_id, wilayah, why) for (k, record_id, wilayah), why in named if k == kind
            ]
            await record_reads(self.session, actor, action, record_type=kind, records=rows, now=now)

    async def audit_search(
        self, actor: Actor, action: str, nik: str, wilayah: str, now: datetime
    ) -> None:
        await record_audit(
            self.session, actor, action, record_type="nik", record_id=mask_nik(nik),
            wilayah=wilayah, now=now, reason="no match",
        )  # fmt: skip

    async def glass_grants(
        self, sub: str, record_type: str, record_ids: Iterable[str], now: datetime
    ) -> dict[str, str]:
        return await open_grants(self.session, sub, record_type, record_ids, now)

    async def break_glass(
        self, actor: Actor, record: Person, reason: str, now: datetime, ttl_s: int
    ) -> GlassGrant:
        kind, record_id, wilayah = audited(record)
        return await break_glass(
            self.session, actor, record_type=kind, record_id=record_id, wilayah=wilayah,
            reason=reason, now=now, ttl_s=ttl_s,
        )  # fmt: skip


def audited(record: Worker | Person | Family) -> tuple[str, str, str]:
    """What an audit row names: the record's type, id and wilayah (a person's or family's desa)."""
    if isinstance(record, Person):
        return "person", record.person_id, record.desa
    if isinstance(record, Family):
        return "family", record.family_id, record.desa
    return "worker", record.worker_id, record.wilayah
