"""A watch: a service's own time-driven work, done in rounds every few seconds (deadlines falling
due, a diklat starting tomorrow).

Every replica runs one; on PostgreSQL only the one holding the watch's transaction lock in a
round does the work (`pg_try_advisory_xact_lock`: released with the transaction, so a replica
that dies mid-round leaves nothing held). Correctness must not rest on the lock — the work
records what it announced in the same transaction as its events, so that doing it twice does
nothing — the lock only keeps two replicas from doing the same work. On SQLite one process is
assumed (DESIGN.md §4). A round repeats its work, a transaction at a time, until it finds
nothing to do: a watch that was down catches up on its first round.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Generic, TypeVar

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)
U = TypeVar("U", bound=UnitOfWork)
Work = Callable[[U, datetime], Awaitable[int]]  # one transaction's work; how much it did


class Watch(Generic[U]):
    def __init__(
        self,
        name: str,
        uows: UnitOfWorkFactory[U],
        work: Work[U],
        *,
        poll_s: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.name = name
        self._uows = uows
        self._work = work
        self._poll_s = poll_s
        self._clock = clock
        self._lock = zlib.crc32(f"kesos-watch:{name}".encode())
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.round()
            except Exception as error:  # the store is down: the next round catches up
                log.warning("watch_round_failed", watch=self.name, error=repr(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._poll_s)

    async def round(self) -> int:
        """The work, a transaction at a time, until there is none; how much this replica did."""
        total = 0
        while True:
            async with self._uows() as uow:
                if not await self._leading(uow.session):
                    return total
                done = await self._work(uow, self._clock())
                await uow.commit()
            if not done:
                return total
            total += done
            log.info("watch_worked", watch=self.name, count=done)

    async def _leading(self, session: AsyncSession) -> bool:
        if session.get_bind().dialect.name != "postgresql":
            return True
        query = text("SELECT pg_try_advisory_xact_lock(:k)")
        return bool((await session.execute(query, {"k": self._lock})).scalar_one())
