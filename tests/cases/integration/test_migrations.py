"""The Alembic branch creates exactly the tables the service's MetaData describes."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from services.cases.adapters.tables import TABLES
from services.cases.app import MIGRATIONS
from shared.persistence.migrate import migrate_async


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [diff for diff in compare_metadata(context, TABLES) if _table_of(diff) in TABLES.tables]


def _table_of(diff: Any) -> str | None:
    change = diff[0] if isinstance(diff, list) else diff
    for part in change[1:]:
        if isinstance(part, str) and part in TABLES.tables:
            return part
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if getattr(part, "name", None) in TABLES.tables:
            return str(part.name)
    return None


async def test_the_migration_mirrors_the_tables(make_store, store_kind: str) -> None:
    store = await make_store(store_kind, "cases")
    await migrate_async(store.url, MIGRATIONS)
    await migrate_async(store.url, MIGRATIONS)  # idempotent: a restart migrates again

    async with store.engine.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []
