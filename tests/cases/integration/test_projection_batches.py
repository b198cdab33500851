"""The batch forms of cases' projections (`apply_many`, the runner's fast path) end where
applying the same events one by one ends, whatever the order and the repeats in a batch."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cases.adapters.households import HouseholdProjection
from services.cases.adapters.persons import KnownPerson, PersonProjection
from services.cases.adapters.tables import household_members, households, persons
from services.cases.app import MIGRATIONS
from shared.persistence.migrate import migrate_async

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PEOPLE = [f"p{n}" for n in range(12)]
FAMILIES = [f"f{n}" for n in range(4)]

Members = list[tuple[str, datetime]]


def family_histories(rng: random.Random) -> list[tuple[str, Members, int]]:
    """Each family's states as the registry publishes them: people join and move over time."""
    where: dict[str, tuple[str, datetime]] = {}
    states: list[tuple[str, Members, int]] = []
    versions = dict.fromkeys(FAMILIES, 0)
    for step in range(30):
        person, family = rng.choice(PEOPLE), rng.choice(FAMILIES)
        now = T0 + timedelta(hours=step)
        left = where.get(person)
        where[person] = (family, now)
        for changed in {family, left[0] if left else family}:
            versions[changed] += 1
            members = [(p, at) for p, (f, at) in where.items() if f == changed]
            states.append((changed, members, versions[changed]))
    return states


async def contents(store) -> tuple[list, list, list]:
    async with store.engine.connect() as connection:
        return (
            sorted((await connection.execute(select(households))).all()),
            sorted((await connection.execute(select(household_members))).all()),
            sorted((await connection.execute(select(persons))).all()),
        )


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_batches_end_where_one_by_one_ends(make_store, kind):
    one_by_one, batched = await make_store(kind, "cases"), await make_store(kind, "cases")
    for store in (one_by_one, batched):
        await migrate_async(store.url, MIGRATIONS)
    rng = random.Random(12)
    for _ in range(5):  # five rounds of shuffled, repeated deliveries, cut into batches
        states = family_histories(rng)
        delivered = states + rng.sample(states, 10)
        rng.shuffle(delivered)
        people = [(KnownPerson(p, "63.05.01.2003", "63.05.01"), rng.randint(1, 5)) for p in PEOPLE]
        async with AsyncSession(one_by_one.engine) as session:
            for family_id, members, sequence in delivered:
                await HouseholdProjection(session).apply(family_id, members, sequence)
            for person, sequence in people:
                await PersonProjection(session).apply(person, sequence)
            await session.commit()
        async with AsyncSession(batched.engine) as session:
            for start in range(0, len(delivered), 7):
                await HouseholdProjection(session).apply_many(delivered[start : start + 7])
            await PersonProjection(session).apply_many(people)
            await session.commit()
        assert await contents(batched) == await contents(one_by_one)
