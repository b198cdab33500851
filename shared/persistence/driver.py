"""Rows a unit of work only writes, sent on PostgreSQL's driver instead of the ORM session.

Through SQLAlchemy's session an insert costs about 170 µs of CPU, on asyncpg itself about 70
(docs/performance.md), and a report writes seven of them: the case, its categories, its steps,
its audit row, its idempotent answer, its outbox rows and its rekap counts. So on PostgreSQL the
rows a unit of work queued are written here: each statement compiled by SQLAlchemy once per
column set (its SQL, the order of its values and each column type's own conversion), and sent by
asyncpg on the session's own connection, in its transaction or savepoint.

A failure comes back as the session would have raised it (`DBAPIError`, e.g. `IntegrityError`
with the server's SQLSTATE), and a connection found closed is invalidated, so the chassis answers
503 and the pool does not hand it out again (`shared.web.problems`).

SQLite keeps the session's path: there is no second driver to speak to, and one connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import Insert

from shared.observability.tracing import statement_span
from shared.persistence.statistics import count_rows

Target = Table | Insert  # a table appended to, or an upsert built once (a count added to)
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    keys: tuple[str, ...]  # the row's value for each $n, in order
    processors: tuple[Callable[[Any], Any] | None, ...]  # the column type's bind conversion

    def values(self, row: Row) -> tuple[Any, ...]:
        return tuple(
            row[key] if convert is None else convert(row[key])
            for key, convert in zip(self.keys, self.processors, strict=True)
        )


@lru_cache(maxsize=256)
def compiled(target: Target, columns: tuple[str, ...], dialect: Dialect) -> Compiled:
    """The statement for rows holding exactly `columns`, as the session would have sent it."""
    statement = insert(target) if isinstance(target, Table) else target
    result = statement.compile(dialect=dialect, column_keys=list(columns))
    keys = tuple(result.positiontup or ())
    unfilled = set(keys) - set(columns)
    if unfilled:  # a Python-side default the session would compute: not supported here
        raise ValueError(f"rows for {result} lack {sorted(unfilled)}")
    processors = tuple(
        result.binds[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys
    )
    return Compiled(str(result), keys, processors)


async def write_rows(session: AsyncSession, writes: Sequence[tuple[Target, list[Row]]]) -> None:
    """Write each target's rows in order, one statement (pipelined) per run of rows holding the
    same columns, in the session's current transaction."""
    connection = await session.connection()
    driver = await _driver_in_transaction(connection)
    for target, rows in writes:
        for columns, group in groupby(rows, key=_columns):
            run = list(group)
            if isinstance(target, Table):
                count_rows(session, target.name, len(run))
            if isinstance(target, Table) and len(run) > 1:  # a batch: one statement, not n
                arrays = insert_statement(target, columns, connection.dialect)
                sent = driver.execute(arrays.sql, *arrays.arrays(run))
                await _send(connection, arrays.sql, sent, rows=len(run))
                continue
            statement = compiled(target, columns, connection.dialect)
            values = [statement.values(row) for row in run]
            sent = (
                driver.execute(statement.sql, *values[0]) if len(values) == 1
                else driver.executemany(statement.sql, values)
            )  # fmt: skip
            await _send(connection, statement.sql, sent, rows=len(values))


async def _send(connection: AsyncConnection, sql: str, call: Awaitable[Any], *, rows: int) -> Any:
    """Await a driver call under its span; its error as the session would have raised it."""
    try:
        with statement_span(sql, rows=rows):
            return await call
    except Exception as error:
        raise await _as_session_error(connection, sql, error) from error


def _columns(row: Row) -> tuple[str, ...]:
    return tuple(row)


@dataclass(frozen=True, slots=True)
class ArrayStatement:
    """An INSERT (or upsert) whose values are one array per column: a batch of any size in one
    statement of fixed text."""

    sql: str
    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def arrays(self, rows: Sequence[Row]) -> list[list[Any]]:
        """The rows as one array per column, each value converted as its column binds it."""
        return [
            [row[name] if convert is None else convert(row[name]) for row in rows]
            for name, convert in zip(self.columns, self.processors, strict=True)
        ]


@lru_cache(maxsize=64)
def insert_statement(table: Table, columns: tuple[str, ...], dialect: Dialect) -> ArrayStatement:
    """`INSERT … SELECT … FROM unnest(one array per column)`: a batch of any size in one
    statement of fixed text, prepared once — where SQLAlchemy's executemany sends a multi-row
    VALUES compiled, parsed and planned again for every batch size."""
    sql = f"INSERT INTO {_columns_from_arrays(table, columns, dialect)}"
    return ArrayStatement(sql, columns, _processors(table, columns, dialect))


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[Row]) -> None:
    """The rows (each holding the same columns) in one statement, on PostgreSQL's driver in the
    session's transaction; elsewhere through the session. Errors as the session raises them."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        await write_rows(session, [(table, list(rows))])
    else:
        await session.execute(insert(table), list(rows))


def _columns_from_arrays(table: Table, columns: tuple[str, ...], dialect: Dialect) -> str:
    """`table (a, b) SELECT a, b FROM unnest($1::type[], $2::type[]) … ORDER BY` the rows'
    order: a serial key (the outbox's id, which the relay publishes by) follows it."""
    quote = dialect.identifier_preparer.quote
    types = [table.c[name].type.compile(dialect=dialect) for name in columns]
    arrays = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(types, start=1))
    named = ", ".join(map(quote, columns))
    return (
        f"{dialect.identifier_preparer.format_table(table)} ({named}) SELECT {named} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS batch({named}, batch_row) ORDER BY batch_row"
    )


def _processors(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[Callable[[Any], Any] | None, ...]:
    return tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    )


@lru_cache(maxsize=64)
def upsert_statement(
    table: Table, columns: tuple[str, ...], newer_by: str | None, dialect: Dialect
) -> ArrayStatement:
    """`INSERT … SELECT … FROM unnest(one array per column) ON CONFLICT … DO UPDATE [WHERE
    newer] RETURNING key`: a batch of any size is one statement of fixed text, prepared once
    (a multi-row VALUES is compiled again for every batch: most of a consumer's time)."""
    quote = dialect.identifier_preparer.quote
    keys = [column.name for column in table.primary_key.columns]
    updated = [name for name in columns if name not in keys]
    on_conflict = "DO NOTHING"
    if updated:
        on_conflict = "DO UPDATE SET " + ", ".join(
            f"{quote(n)} = excluded.{quote(n)}" for n in updated
        )
        if newer_by is not None:
            target = dialect.identifier_preparer.format_table(table)
            on_conflict += f" WHERE {target}.{quote(newer_by)} < excluded.{quote(newer_by)}"
    sql = (
        f"INSERT INTO {_columns_from_arrays(table, columns, dialect)} "
        f"ON CONFLICT ({', '.join(map(quote, keys))}) {on_conflict} RETURNING {quote(keys[0])}"
    )
    return ArrayStatement(sql, columns, _processors(table, columns, dialect))


async def upsert_rows(
    session: AsyncSession, table: Table, rows: Sequence[Row], *, newer_by: str | None
) -> list[Any]:
    """Insert the rows, or update those held (only where `newer_by` grows, when given), in one
    statement on the session's connection and transaction; the first key of each row changed.
    The rows hold the same columns, one row per key."""
    connection = await session.connection()
    driver = await _driver_in_transaction(connection)
    statement = upsert_statement(table, tuple(rows[0]), newer_by, connection.dialect)
    sent = driver.fetch(statement.sql, *statement.arrays(rows))
    records = await _send(connection, statement.sql, sent, rows=len(rows))
    count_rows(session, table.name, len(records))
    return [record[0] for record in records]


async def _driver_in_transaction(connection: AsyncConnection) -> Any:
    """The asyncpg connection under the session's, its transaction begun: SQLAlchemy's adapter
    sends BEGIN lazily, with its first statement, which may not have been sent yet."""
    fairy = await connection.get_raw_connection()
    adapted = fairy.dbapi_connection
    if adapted._transaction is None:  # type: ignore[union-attr]
        await adapted._start_transaction()  # type: ignore[union-attr]
    return fairy.driver_connection


async def _as_session_error(connection: AsyncConnection, sql: str, error: Exception) -> Exception:
    """The error SQLAlchemy raises for `error` on this connection (and the same invalidation)."""
    fairy = await connection.get_raw_connection()
    adapted = fairy.dbapi_connection
    try:
        adapted._handle_exception(error)  # type: ignore[union-attr]  # raises it translated
    except Exception as translated:
        error = translated
    dialect = connection.dialect
    closed = dialect.is_disconnect(error, adapted, None)  # type: ignore[arg-type]
    if closed:
        await connection.invalidate(error)
    return DBAPIError.instance(
        sql, None, error, dialect.loaded_dbapi.Error,
        hide_parameters=True, connection_invalidated=closed, dialect=dialect,
    )  # fmt: skip
