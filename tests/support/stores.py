"""Test stores made from a template migrated once per session: a copy per test is cheap.

A template holds the kernel migrations and every test table (the tally domain and the sample
service); SQLite copies the file, PostgreSQL creates the database `TEMPLATE` it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import text

from shared.persistence.engine import create_engine
from shared.persistence.migrate import migrate_async
from tests.support import sample_service, tally
from tests.support.infra import PostgresDatabases

TEST_TABLES = (tally.TABLES, sample_service.TABLES)


async def prepare_template(url: str) -> None:
    await migrate_async(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for tables in TEST_TABLES:
                await connection.run_sync(tables.create_all)
    finally:
        await engine.dispose()  # PostgreSQL copies a template only while nobody is connected


async def scalar(url: str, query: str) -> Any:
    """One value from a store, read on a connection of its own (for checks from outside)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(query))).scalar()
    finally:
        await engine.dispose()


class Templates:
    def __init__(self, directory: Path):
        self._directory = directory
        self._sqlite: Path | None = None

    async def sqlite_copy(self, target: Path) -> str:
        if self._sqlite is None:
            path = self._directory / "template.db"
            await prepare_template(f"sqlite+aiosqlite:///{path}")
            self._sqlite = path
        shutil.copy(self._sqlite, target)
        return f"sqlite+aiosqlite:///{target}"

    async def postgres_copy(self, databases: PostgresDatabases, name: str) -> tuple[str, str]:
        if databases.template is None:
            template = await databases.create("template")
            await prepare_template(databases.url(template))
            databases.template = template  # dropped with the server's other test databases
        database = await databases.create(name, template=databases.template)
        return database, databases.url(database)
