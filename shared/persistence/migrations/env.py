"""One Alembic environment for every service: the shared kernel branch plus the service's own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from shared.persistence.engine import create_engine

# Replicas starting together all migrate their one store: on PostgreSQL they take turns on this
# lock (held to the end of the transaction), so the second finds the first's work done instead
# of racing it to CREATE the same tables. SQLite's writers already take turns.
MIGRATION_LOCK = 0x6B65736F_6D6967  # "kesomig"


def _run(connection: Connection) -> None:
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL given to the migrations")
if context.is_offline_mode():
    context.configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online(url))
