"""The deadline watch: every few seconds, give open cases without one their deadline and
announce what fell due (use_cases/deadlines.py), on the one replica whose round it is
(shared/persistence/watch.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.use_cases.deadlines import announce_due, backfill
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.persistence.watch import Watch


class DeadlineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASES_DEADLINES_", extra="ignore")

    poll_s: float = Field(30.0, gt=0, description="seconds between rounds")
    batch: int = Field(200, ge=1, description="deadlines per transaction")


def deadline_watch(
    uows: UnitOfWorkFactory[CasesUnitOfWork],
    settings: DeadlineSettings,
    clock: Callable[[], datetime] = utcnow,
) -> Watch[CasesUnitOfWork]:
    async def work(uow: CasesUnitOfWork, now: datetime) -> int:
        return await backfill(uow, settings.batch) + await announce_due(uow, now, settings.batch)

    return Watch("cases-deadlines", uows, work, poll_s=settings.poll_s, clock=clock)
