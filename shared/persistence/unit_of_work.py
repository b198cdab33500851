"""One unit of work = one SQL transaction carrying the state change and its outbox rows.

HTTP entrypoints open one per request and commit; the consumer runner opens one per batch, with
a savepoint per event, and commits once. After a commit that wrote outbox rows the relay is woken.

Rows only ever appended and never read back in the same transaction — audit rows, a case's
timeline steps, an idempotent answer — are queued with `append` and written with the outbox rows
at the next flush, one statement per table: each round trip to the store costs a request more
than the work it carries (docs/performance.md). Counts added to with an upsert are queued the
same way and written last, in key order: a row lock other writers wait for is held from there to
the commit only, and two single-flush transactions (a request's) never lock in opposite orders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from shared.contracts.envelope import source_of
from shared.messaging.outbox import Clock, Outbox, utcnow


class UnitOfWork:
    """Services subclass it to add their repositories, built from `self.session`."""

    def __init__(self, session: AsyncSession, outbox: Outbox):
        self.session = session
        self.outbox = outbox
        self.events_written = 0
        self._appended: dict[Table | Insert, list[dict[str, Any]]] = {}

    def append(self, target: Table | Insert, row: dict[str, Any]) -> None:
        """Queue an append-only row of a table, or a row for an upsert (a count to add to); it
        is written with the next flush or commit."""
        self._appended.setdefault(target, []).append(row)

    def discard_unflushed(self) -> None:
        """Drop what was queued since the last flush: the work that queued it failed (its
        savepoint rolled back), so neither its rows nor its events may be written."""
        self._appended = {}
        self.outbox.discard()

    async def flush(self) -> None:
        appended, self._appended = self._appended, {}
        upserts = {t: rows for t, rows in appended.items() if not isinstance(t, Table)}
        for table, rows in appended.items():
            if isinstance(table, Table):
                await self.session.execute(insert(table), rows)
        self.events_written += await self.outbox.flush()
        for upsert, rows in upserts.items():
            keys = [column.name for column in cast(Table, upsert.table).primary_key.columns]
            ordered = sorted(rows, key=lambda row: [str(row[key]) for key in keys])
            await self.session.execute(upsert, ordered)
        await self.session.flush()

    async def commit(self) -> None:
        await self.flush()
        await self.session.commit()


U = TypeVar("U", bound=UnitOfWork)


class UnitOfWorkFactory(Generic[U]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        namespace: str,
        service: str,
        make: Callable[[AsyncSession, Outbox], U],
        clock: Clock = utcnow,
    ):
        self._sessions = sessions
        self._namespace = namespace
        self._source = source_of(service)
        self._make = make
        self._clock = clock
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Called after every commit that wrote outbox rows (the relay's wake-up)."""
        self._after_commit.append(callback)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[U]:
        async with self._sessions() as session:
            outbox = Outbox(
                session, namespace=self._namespace, source=self._source, clock=self._clock
            )
            uow = self._make(session, outbox)
            yield uow  # leaving without commit() rolls back when the session closes
            if uow.events_written and not session.in_transaction():
                for callback in self._after_commit:
                    callback()
