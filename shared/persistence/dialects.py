"""What differs between the two stores' SQL: an upsert's ON CONFLICT comes with the dialect's
own INSERT (PostgreSQL's or SQLite's), which both spell alike."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_into(session: AsyncSession, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The INSERT of the session's store for `table`, which takes `on_conflict_do_…`."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
