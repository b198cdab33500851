"""Batches of rows written as one `unnest` statement on PostgreSQL (shared/persistence/driver.py)
— a unit of work's appended rows, the import's persons and families — on both stores: every row
once, in the order given (the outbox's serial id is the order the relay publishes in), and a
broken rule raised as the session raises it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.driver import insert_rows, write_rows

pytestmark = pytest.mark.integration

OWN = MetaData()
entries = Table(
    "test_entries", OWN,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("name", String(20), nullable=False, unique=True),
    Column("at", DateTime(timezone=True), nullable=False),
)  # fmt: skip
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def opened(make_store, store_kind: str):
    store = await make_store(store_kind, "inserts")
    async with store.engine.begin() as connection:
        await connection.run_sync(OWN.create_all)
    return store


def named(*names: str) -> list[dict[str, object]]:
    return [{"name": name, "at": AT} for name in names]


async def held(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(entries.c.name).order_by(entries.c.id))).all())


async def test_a_batch_is_written_once_in_the_order_given(make_store, store_kind):
    store = await opened(make_store, store_kind)
    names = [f"e{n:03d}" for n in range(300, 0, -1)]  # not in any sorted order
    async with AsyncSession(store.engine) as session:
        await insert_rows(session, entries, named(*names[:150]))
        if store_kind == "postgresql":  # the unit of work's path: the driver, in its transaction
            await write_rows(session, [(entries, named(*names[150:]))])
        else:
            await insert_rows(session, entries, named(*names[150:]))
        await session.commit()
        assert await held(session) == names


async def test_a_broken_rule_is_raised_as_the_session_raises_it(make_store, store_kind):
    store = await opened(make_store, store_kind)
    async with AsyncSession(store.engine) as session:
        await insert_rows(session, entries, named("a", "b"))
        await session.commit()
        with pytest.raises(IntegrityError):
            await insert_rows(session, entries, named("c", "a"))
        await session.rollback()
        assert await held(session) == ["a", "b"]  # nothing of the refused batch
