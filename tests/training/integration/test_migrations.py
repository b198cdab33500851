"""The Alembic branch creates exactly the tables the service's MetaData describes."""

from __future__ import annotations

from functools import partial

from services.training.adapters.tables import TABLES
from services.training.app import MIGRATIONS
from shared.persistence.migrate import migrate_async
from tests.support.migrations import differences


async def test_the_migration_mirrors_the_tables(make_store, store_kind: str) -> None:
    store = await make_store(store_kind, "training")
    await migrate_async(store.url, MIGRATIONS)
    await migrate_async(store.url, MIGRATIONS)  # idempotent: a restart migrates again

    async with store.engine.connect() as connection:
        found = await connection.run_sync(partial(differences, tables=TABLES))

    assert found == []
