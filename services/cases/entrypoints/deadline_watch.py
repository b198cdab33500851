"""The deadline watch: every few seconds, announce what fell due (use_cases/deadlines.py).

Every replica runs one; on PostgreSQL only the one holding the watch's transaction lock in a
round does the work (`pg_try_advisory_xact_lock`: released with the transaction, so a replica
that dies mid-round leaves nothing held). Correctness does not rest on the lock — each notice
is a compare-and-set in the store — it only keeps two replicas from doing the same work. On
SQLite one process is assumed (DESIGN.md §4).
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Callable
from datetime import datetime

import structlog
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.use_cases.deadlines import announce_due, backfill
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)
WATCH_LOCK = zlib.crc32(b"kesos-cases-deadline-watch")


class DeadlineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASES_DEADLINES_", extra="ignore")

    poll_s: float = Field(30.0, gt=0, description="seconds between rounds")
    batch: int = Field(200, ge=1, description="deadlines per transaction")


class DeadlineWatch:
    def __init__(
        self,
        uows: UnitOfWorkFactory[CasesUnitOfWork],
        settings: DeadlineSettings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uows = uows
        self._settings = settings
        self._clock = clock
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.round()
            except Exception as error:  # the store is down: the next round catches up
                log.warning("deadline_watch_failed", error=repr(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._settings.poll_s)

    async def round(self) -> int:
        """Deadlines for open cases that lack one, then every notice due now, a batch per
        transaction; how many notices this replica announced."""
        total = 0
        while True:
            async with self._uows() as uow:
                if not await _leading(uow.session):
                    return total
                filled = await backfill(uow, self._settings.batch)
                announced = await announce_due(uow, self._clock(), self._settings.batch)
                await uow.commit()
            total += announced
            if announced:
                log.info("deadlines_announced", count=announced)
            if not announced and filled < self._settings.batch:
                return total


async def _leading(session: AsyncSession) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    query = text("SELECT pg_try_advisory_xact_lock(:k)")
    return bool((await session.execute(query, {"k": WATCH_LOCK})).scalar_one())
