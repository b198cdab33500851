"""Planner statistics for tables grown in bulk: an import, a projection catching up.

PostgreSQL plans a query from a table's statistics, which only ANALYZE gathers: autovacuum runs
it after a table grew by a tenth where it is on, never where it is off (this project's test
machine). A table grown from empty has none, and the planner guesses: a lookup of a hundred keys
becomes a sequential scan of the whole table, once per batch, and a load turns quadratic (cases'
households at 200,000 persons: a sixth of the server's time). So the bulk writers of
`shared.persistence.driver` count the rows they add to each table (`count_rows`), a unit of
work hands the counts of what it committed to its factory, and the factory analyses a table
each time this process has added 5,000, 10,000, 20,000 … rows to it: after the commit, in a
task and a transaction of its own (the work that grew the table does not wait for it), holding
no lock a writer of the table waits for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from contextlib import suppress

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = structlog.get_logger(__name__)

FIRST_ANALYSIS = 5_000  # rows added; then at every doubling
_COUNTED = "kesos_rows_added"  # the session's counts since its last commit (`session.info`)


def count_rows(session: AsyncSession, table: str, rows: int) -> None:
    """Rows a statement added to (or changed in) `table`, in the session's transaction."""
    counts: Counter[str] = session.info.setdefault(_COUNTED, Counter())
    counts[table] += rows


def take_counts(session: AsyncSession) -> Counter[str]:
    """The counts gathered since the last call (what a commit made durable)."""
    return session.info.pop(_COUNTED, Counter())


class Growth:
    """Rows this process added to each table, and when a table is due to be analysed."""

    def __init__(self) -> None:
        self._added: Counter[str] = Counter()

    def due(self, counts: Mapping[str, int]) -> list[str]:
        """Add `counts`; the tables that passed 5,000, 10,000, 20,000 … rows with them."""
        passed = []
        for table, rows in counts.items():
            before = self._added[table]
            self._added[table] = before + rows
            if _threshold_between(before, before + rows):
                passed.append(table)
        return sorted(passed)


def _threshold_between(before: int, after: int) -> bool:
    threshold = FIRST_ANALYSIS
    while threshold <= after:
        if before < threshold:
            return True
        threshold *= 2
    return False


async def analyse(session: AsyncSession, tables: list[str]) -> None:
    """ANALYZE the tables in a transaction of their own (PostgreSQL; SQLite plans without).
    A failure is logged, never raised: the work before it is committed, and its caller must
    not take it for failed."""
    if not tables or session.get_bind().dialect.name != "postgresql":
        return
    quote = session.get_bind().dialect.identifier_preparer.quote
    try:
        await session.execute(text(f"ANALYZE {', '.join(map(quote, tables))}"))
        await session.commit()
    except Exception as error:
        log.warning("statistics_not_refreshed", tables=tables, error=type(error).__name__)
        with suppress(Exception):
            await session.rollback()


async def analyse_apart(sessions: async_sessionmaker[AsyncSession], tables: list[str]) -> None:
    """`analyse` in a session of its own (a task of its own, after a commit): nothing is
    raised, a failure to end the session (a connection the server dropped) is logged too."""
    try:
        async with sessions() as session:
            await analyse(session, tables)
    except Exception as error:
        log.warning("statistics_not_refreshed", tables=tables, error=type(error).__name__)
