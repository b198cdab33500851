"""The training unit of work: one transaction for state, outbox rows and the audit row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.training.adapters.batches import BatchRepository
from services.training.adapters.certificates import CertificateRepository
from services.training.adapters.participants import AttendanceRepository, EnrolmentRepository
from services.training.adapters.reminders import ReminderBook
from services.training.adapters.workers import WorkerProjection
from shared.audit import Actor, audit_row
from shared.messaging.outbox import Outbox
from shared.persistence.tables import audit
from shared.persistence.unit_of_work import UnitOfWork
from shared.security import Principal


class TrainingUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.batches = BatchRepository(session)
        self.enrolments = EnrolmentRepository(session)
        self.attendance = AttendanceRepository(session)
        self.certificates = CertificateRepository(session)
        self.workers = WorkerProjection(session)
        self.reminders = ReminderBook(session)

    async def audit(
        self,
        by: Principal,
        action: str,
        *,
        record_type: str,
        record_id: str,
        wilayah: str | None,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        """Append the write's audit row to this transaction: no write commits without it."""
        self.append(audit, audit_row(
            Actor.of(by), action,
            record_type=record_type, record_id=record_id, wilayah=wilayah, now=now, reason=reason,
        ))  # fmt: skip
