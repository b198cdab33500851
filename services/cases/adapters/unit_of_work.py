"""The cases unit of work: one transaction for state, steps, outbox rows and the audit row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.cases import CaseRepository
from services.cases.adapters.deadlines import DeadlineBook
from services.cases.adapters.households import HouseholdProjection
from services.cases.adapters.institutions import InstitutionProjection
from services.cases.adapters.persons import PersonProjection
from services.cases.adapters.profiles import ProfileProjection
from services.cases.adapters.workers import WorkerProjection
from shared.audit import Actor, audit_row
from shared.messaging.outbox import Outbox
from shared.persistence.tables import audit
from shared.persistence.unit_of_work import UnitOfWork


class CasesUnitOfWork(UnitOfWork):
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        super().__init__(session, outbox)
        self.cases = CaseRepository(session, append=self.append)
        self.workers = WorkerProjection(session)
        self.persons = PersonProjection(session)
        self.households = HouseholdProjection(session)
        self.deadlines = DeadlineBook(session)
        self.institutions = InstitutionProjection(session)
        self.profiles = ProfileProjection(session)

    async def audit(
        self,
        sub: str,
        role: str,
        action: str,
        *,
        record_id: str,
        wilayah: str | None,
        now: datetime,
        reason: str | None = None,
        record_type: str = "case",
    ) -> None:
        """Append the write's audit row to this transaction: no write commits without it.

        Takes the actor's sub and role rather than a Principal: the service itself (`system`)
        assigns cases from a consumer, where no token exists."""
        self.append(audit, audit_row(
            Actor(sub=sub, role=role), action,
            record_type=record_type, record_id=record_id, wilayah=wilayah, now=now, reason=reason,
        ))  # fmt: skip
