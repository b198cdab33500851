"""One unit of work = one SQL transaction carrying the state change and its outbox rows.

HTTP entrypoints open one per request and commit; the consumer runner opens one per batch, with
a savepoint per event, and commits once. After a commit that wrote outbox rows the relay is woken.

Rows only ever appended and never read back in the same transaction — audit rows, a case's
timeline steps, an idempotent answer, a new case — are queued with `append` and written with the
outbox rows at the next flush, one statement per table: each round trip to the store costs a
request more than the work it carries (docs/performance.md); on PostgreSQL they are sent by the
driver itself (`shared.persistence.driver`). Counts added to with an upsert are queued the
same way and written last, in key order: a row lock other writers wait for is held from there to
the commit only, and two single-flush transactions (a request's) never lock in opposite orders.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from shared.contracts.envelope import source_of
from shared.messaging.outbox import Clock, Outbox, utcnow
from shared.persistence.driver import Row, Target, write_rows
from shared.persistence.statistics import Growth, analyse_apart, take_counts
from shared.persistence.tables import outbox as outbox_table


class UnitOfWork:
    """Services subclass it to add their repositories, built from `self.session`."""

    def __init__(self, session: AsyncSession, outbox: Outbox):
        self.session = session
        self.outbox = outbox
        self.events_written = 0
        self.rows_added: Counter[str] = Counter()  # committed, by table (`statistics`)
        self._appended: dict[Target, list[Row]] = {}

    def append(self, target: Target, row: Row) -> None:
        """Queue an append-only row of a table, or a row for an upsert (a count to add to); it
        is written with the next flush or commit."""
        self._appended.setdefault(target, []).append(row)

    def discard_unflushed(self) -> None:
        """Drop what was queued since the last flush: the work that queued it failed (its
        savepoint rolled back), so neither its rows nor its events may be written."""
        self._appended = {}
        self.outbox.discard()

    async def flush(self) -> None:
        """Write what was queued: append-only rows in the order their tables were first queued,
        then the outbox rows, then the upserts, each in key order."""
        appended, self._appended = self._appended, {}
        events = self.outbox.take()
        writes: list[tuple[Target, list[Row]]] = [
            (t, rows) for t, rows in appended.items() if isinstance(t, Table)
        ]
        writes += [(outbox_table, events)] if events else []
        writes += [
            (t, _in_key_order(t, rows)) for t, rows in appended.items() if isinstance(t, Insert)
        ]
        if self.session.get_bind().dialect.name == "postgresql":
            await write_rows(self.session, writes)
        else:
            for target, rows in writes:
                statement = insert(target) if isinstance(target, Table) else target
                await self.session.execute(statement, rows)
        self.events_written += len(events)

    async def commit(self) -> None:
        await self.flush()
        await self.session.commit()
        self.rows_added.update(take_counts(self.session))


def _in_key_order(upsert: Insert, rows: list[Row]) -> list[Row]:
    keys = [column.name for column in cast(Table, upsert.table).primary_key.columns]
    return sorted(rows, key=lambda row: [str(row[key]) for key in keys])


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
        self._growth = Growth()
        self._analysing: set[asyncio.Task[None]] = set()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Called after every commit that wrote outbox rows (the relay's wake-up)."""
        self._after_commit.append(callback)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[U]:
        async with self._sessions() as session:
            outbox = Outbox(namespace=self._namespace, source=self._source, clock=self._clock)
            uow = self._make(session, outbox)
            yield uow  # leaving without commit() rolls back when the session closes
            if uow.events_written and not session.in_transaction():
                for callback in self._after_commit:
                    callback()
            if uow.rows_added and not session.in_transaction():
                self._analyse_later(self._growth.due(uow.rows_added))

    def _analyse_later(self, tables: list[str]) -> None:
        """ANALYZE the tables in a task and a session of their own: the work that grew them
        (a request, an import's batch, a consumer's batch) does not wait for it."""
        if not tables:
            return
        task = asyncio.create_task(analyse_apart(self._sessions, tables))
        self._analysing.add(task)
        task.add_done_callback(self._analysing.discard)

    async def statistics_settled(self) -> None:
        """Wait for the analyses under way, those started meanwhile too (a stopping service,
        before its engine closes)."""
        while self._analysing:
            await asyncio.gather(*self._analysing, return_exceptions=True)
