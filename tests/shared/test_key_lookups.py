"""Many keys looked up at once (shared/persistence/keys.py): the same rows on both stores, for
any number of keys (none, repeated, more than a batch), by one statement of fixed text on
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.keys import one_of

pytestmark = pytest.mark.integration

OWN = MetaData()
held = Table("test_keyed", OWN, Column("key", String(20), primary_key=True))


async def test_one_of_finds_the_keys_held_whatever_their_number(make_store, store_kind):
    store = await make_store(store_kind, "keys")
    async with store.engine.begin() as connection:
        await connection.run_sync(OWN.create_all)
        await connection.execute(insert(held), [{"key": f"k{n}"} for n in range(1_200)])
    async with AsyncSession(store.engine) as session:

        async def found(keys: list[str]) -> list[str]:
            query = select(held.c.key).where(one_of(session, held.c.key, keys))
            return sorted((await session.scalars(query)).all())

        assert await found([]) == []
        assert await found(["k1", "k1", "nobody", "k7"]) == ["k1", "k7"]
        assert len(await found([f"k{n}" for n in range(0, 2_400, 2)])) == 600
        if store_kind == "postgresql":
            rendered = str(select(held.c.key).where(one_of(session, held.c.key, ["a", "b"])))
            assert "ANY" in rendered and "IN" not in rendered
