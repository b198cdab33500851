"""`upsert_many` on both stores — on PostgreSQL one `unnest` statement sent by the driver
(shared/persistence/driver.py) — must end where one `upsert` per row ends, and name the rows it
changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.projection import upsert_many
from tests.support.tally import TABLES, projection

pytestmark = pytest.mark.integration

OWN = MetaData()
seen = Table(  # every column a key: a row is there or not
    "test_seen",
    OWN,
    Column("a", String(8), primary_key=True),
    Column("b", String(8), primary_key=True),
)
stamped = Table(
    "test_stamped", OWN, Column("key", String(8), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)  # fmt: skip
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def opened(make_store, store_kind: str):
    store = await make_store(store_kind, "upserts")
    async with store.engine.begin() as connection:
        await connection.run_sync(TABLES.create_all)
        await connection.run_sync(OWN.create_all)
    return store


def row(counter: str, sequence: int) -> dict[str, object]:
    return {"counter_id": counter, "value": sequence * 10, "sequence": sequence}


async def test_only_newer_rows_change_and_are_named(make_store, store_kind):
    store = await opened(make_store, store_kind)
    async with AsyncSession(store.engine) as session:
        first = await upsert_many(
            session, projection, [row("a", 2), row("b", 1)], newer_by="sequence"
        )
        assert sorted(first) == ["a", "b"]
        # a is older than held, b newer, c new; c twice in the batch: its newest counts
        batch = [row("a", 1), row("b", 3), row("c", 5), row("c", 4)]
        assert sorted(await upsert_many(session, projection, batch, newer_by="sequence")) == [
            "b",
            "c",
        ]
        await session.commit()
        held = {
            r.counter_id: (r.value, r.sequence) for r in await session.execute(select(projection))
        }
    assert held == {"a": (20, 2), "b": (30, 3), "c": (50, 5)}


async def test_without_an_order_the_last_row_wins(make_store, store_kind):
    store = await opened(make_store, store_kind)
    async with AsyncSession(store.engine) as session:
        await upsert_many(session, projection, [row("a", 7)])
        assert await upsert_many(session, projection, [row("a", 1), row("a", 3)]) == ["a"]
        await session.commit()
        assert (await session.execute(select(projection.c.sequence))).scalar_one() == 3


async def test_a_timestamp_orders_rows_and_keys_alone_are_kept_once(make_store, store_kind):
    store = await opened(make_store, store_kind)
    async with AsyncSession(store.engine) as session:
        await upsert_many(session, stamped, [{"key": "k", "at": T0}], newer_by="at")
        earlier, later = T0 - timedelta(hours=1), T0 + timedelta(hours=1)
        assert (
            await upsert_many(session, stamped, [{"key": "k", "at": earlier}], newer_by="at") == []
        )
        assert await upsert_many(session, stamped, [{"key": "k", "at": later}], newer_by="at") == [
            "k"
        ]
        pairs = [{"a": "x", "b": "y"}, {"a": "x", "b": "z"}]
        assert sorted(await upsert_many(session, seen, pairs)) == ["x", "x"]
        assert await upsert_many(session, seen, pairs) == []  # held already: nothing changes
        await session.commit()
        at = (await session.execute(select(stamped.c.at))).scalar_one()
        count = len((await session.execute(select(seen))).all())
    assert (at.replace(tzinfo=UTC) if at.tzinfo is None else at, count) == (later, 2)
