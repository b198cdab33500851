"""Whatever order an aggregate's events arrive in, the projection ends in the newest state."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.engine import create_engine
from shared.persistence.projection import upsert_if_newer
from tests.support.tally import TABLES, projection


async def replay(sequences: list[int]) -> tuple[int, int]:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(TABLES.create_all)
        async with AsyncSession(engine) as session:
            for sequence in sequences:
                values = {"counter_id": "a", "value": sequence * 10, "sequence": sequence}
                await upsert_if_newer(session, projection, values)
            await session.commit()
            row = (await session.execute(select(projection))).one()
        return row.value, row.sequence
    finally:
        await engine.dispose()


@settings(max_examples=40, deadline=None)
@given(order=st.permutations(list(range(1, 9))), repeats=st.lists(st.integers(1, 8), max_size=4))
def test_any_delivery_order_ends_in_the_newest_state(order, repeats):
    assert asyncio.run(replay([*order, *repeats])) == (80, 8)  # redeliveries included
