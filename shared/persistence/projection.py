"""Order-tolerant projections: a row changes only when the incoming sequence is newer."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


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
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    keys = [column.name for column in table.primary_key.columns]
    statement = dialect.insert(table).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_=changed,
        where=table.c[sequence_column] < statement.excluded[sequence_column],
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    return bool(result.rowcount)
