"""Order-tolerant projections: a row changes only when the incoming sequence is newer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import CursorResult, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.dialects import insert_into
from shared.persistence.driver import upsert_rows

R = TypeVar("R")


async def upsert_if_newer(
    session: AsyncSession,
    table: Table,
    values: dict[str, Any],
    *,
    sequence_column: str = "sequence",
) -> bool:
    """Insert the row, or update it when `values[sequence_column]` is higher than the stored one.

    Replicas, reclaims and retries may deliver an aggregate's events out of order; the projection
    ends in the newest state whatever the order. Returns whether the row changed.
    """
    return await upsert(session, table, values, newer_by=sequence_column)


async def upsert(
    session: AsyncSession, table: Table, values: dict[str, Any], *, newer_by: str | None = None
) -> bool:
    """Insert the row, or update it (only when `values[newer_by]` is higher than the stored one,
    when given); whether the row changed."""
    keys = [column.name for column in table.primary_key.columns]
    statement = insert_into(session, table).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    newer = None if newer_by is None else table.c[newer_by] < statement.excluded[newer_by]
    statement = statement.on_conflict_do_update(index_elements=keys, set_=changed, where=newer)
    result = cast(CursorResult[Any], await session.execute(statement))
    return bool(result.rowcount)


async def upsert_many(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    newer_by: str | None = None,
) -> list[Any]:
    """`upsert` for a whole batch in one statement; the keys (first key column) of the rows
    that changed. Rows for one key are folded first — the newest by `newer_by`, else the last —
    as one statement may not touch a row twice."""
    if not rows:
        return []
    keys = [column.name for column in table.primary_key.columns]
    folded: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        held = folded.get(key)
        if held is None or newer_by is None or held[newer_by] < row[newer_by]:
            folded[key] = row
    if session.get_bind().dialect.name == "postgresql":
        return await upsert_rows(session, table, list(folded.values()), newer_by=newer_by)
    statement = insert_into(session, table).values(list(folded.values()))
    changed = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    newer = None if newer_by is None else table.c[newer_by] < statement.excluded[newer_by]
    if changed:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=changed, where=newer)
    else:  # every column a key: a row held is held already
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    result = await session.execute(statement.returning(table.c[keys[0]]))
    return list(result.scalars())


class Projection(Generic[R]):
    """Another service's records as this one keeps them: one table, one row per record (a
    dataclass whose fields are the table's columns, the first being the key), plus the
    `sequence` that keeps it at the newest state whatever the delivery order."""

    def __init__(self, session: AsyncSession, table: Table, record: type[R]) -> None:
        self._session = session
        self._table = table
        self._record = record
        self._columns = [table.c[field.name] for field in fields(cast(Any, record))]

    async def apply(self, record: R, sequence: int) -> bool:
        """Record `record` unless a newer state (higher sequence) is held; whether it changed."""
        values = {**asdict(cast(Any, record)), "sequence": sequence}
        return await upsert_if_newer(self._session, self._table, values)

    async def apply_many(self, records: Sequence[tuple[R, int]]) -> int:
        """`apply` for a batch, in one statement; how many rows changed."""
        rows = [{**asdict(cast(Any, record)), "sequence": sequence} for record, sequence in records]
        return len(await upsert_many(self._session, self._table, rows, newer_by="sequence"))

    async def get(self, key: str) -> R | None:
        query = select(*self._columns).where(self._columns[0] == key)
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else self._record(**row)
