"""The registry's store: the migration matches the tables, the version is an optimistic lock,
and the uniqueness rules hold under concurrent requests."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.registry.adapters.tables import TABLES
from services.registry.domain.duplicates import Pair
from services.registry.domain.errors import ConcurrentUpdate
from services.registry.domain.persons import Person, PersonForm
from services.registry.domain.reviews import Review
from services.registry.use_cases.reviews import duplicate_review
from shared.ids import new_id
from tests.registry.integration.conftest import BINUANG, bearer, new_worker, nik

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_the_migration_creates_exactly_the_tables(make_registry, kind):
    registry = await make_registry(kind)
    ours = set(TABLES.tables)  # the kernel's and the test templates' tables are someone else's

    def differences(connection):
        def include(name, kind, _parents):
            return kind != "table" or name in ours

        options = {"compare_type": True, "include_name": include}
        return compare_metadata(MigrationContext.configure(connection, opts=options), TABLES)

    async with registry.app.state.bus.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_a_stale_version_is_a_concurrent_update(make_registry, kind):
    registry = await make_registry(kind)
    worker_id = (await registry.register())["worker_id"]
    await registry.post(f"/v1/workers/{worker_id}/contact", {"phone": "081311112222"})
    async with registry.app.state.uows() as uow:
        stale = await uow.workers.get(worker_id)
        assert stale is not None and stale.version == 2
        renamed = replace(stale, name="Ahmad", version=2, updated_at=datetime.now(UTC))
        with pytest.raises(ConcurrentUpdate):
            await uow.workers.save(renamed, expected_version=1)


async def test_concurrent_registrations_of_one_nik_register_one_worker(make_registry):
    registry = await make_registry("postgresql")
    answers = await asyncio.gather(
        *(registry.post("/v1/workers", new_worker(name=f"Ahmad {i}")) for i in range(6))
    )
    assert sorted(answer.status_code for answer in answers) == [201] + [409] * 5
    winner = next(answer.json() for answer in answers if answer.status_code == 201)
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["type"] == "urn:kesos:problem:nik-already-registered"
            assert answer.json()["worker_id"] == winner["worker_id"]


async def test_concurrent_tksk_registrations_in_one_kecamatan_register_one(make_registry):
    registry = await make_registry("postgresql")
    answers = await asyncio.gather(
        *(
            registry.post("/v1/workers", new_worker(role="tksk", wilayah=BINUANG, nik=nik(i)))
            for i in range(1, 7)
        )
    )
    assert sorted(answer.status_code for answer in answers) == [201] + [409] * 5
    refused = {answer.json()["type"] for answer in answers if answer.status_code == 409}
    assert refused == {"urn:kesos:problem:tksk-already-active"}
    listed = await registry.client.get("/v1/workers", params={"role": "tksk"}, headers=bearer())
    assert len(listed.json()["items"]) == 1


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_persons_are_found_by_their_duplicate_blocks(make_registry, kind):
    """A block is a desa, a sex and a birth year (or no birth date); records merged away are
    no one's duplicates. PostgreSQL joins the blocks as arrays, SQLite ORs them: same answer."""
    registry = await make_registry(kind)
    now = datetime.now(UTC)

    def person(name: str, sex: str, born: date | None, desa: str = "6305012003") -> Person:
        typed = PersonForm(nik=None, name=name, sex=sex, birth_date=born, desa=desa,
                           categories=("lut",))  # fmt: skip
        return Person.register(new_id(), typed, now)

    siti, aminah = person("Siti", "P", date(1990, 8, 17)), person("Aminah", "P", date(1990, 1, 1))
    masriah = person("Masriah", "P", None)
    others = [
        person("Siti", "P", date(1991, 1, 1)),  # another year
        person("Udin", "L", date(1990, 5, 5)),  # another sex
        person("Siti", "P", date(1990, 8, 17), desa="6305011001"),  # another desa
        person("Rahmat", "L", None),  # another sex, no birth date
        replace(person("St. Aminah", "P", date(1990, 3, 3)), merged_into=siti.person_id),
    ]
    async with registry.app.state.uows() as uow:
        await uow.persons.add_many([siti, aminah, masriah, *others])
        await uow.commit()
    async with registry.app.state.uows() as uow:
        found = await uow.persons.in_blocks({(siti.desa, "P", 1990), (siti.desa, "P", None)})
        assert sorted(p.name for p in found) == ["Aminah", "Masriah", "Siti"]
        assert await uow.persons.in_blocks(set()) == []
        alone = await uow.persons.in_block(siti.desa, "P", None)
        assert [p.person_id for p in alone] == [masriah.person_id]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_a_batch_of_reviews_leaves_those_put_before_as_they_are(make_registry, kind):
    """An import puts its batch's look-alike pairs in one statement; a pair put before (by a
    scan, or an earlier run) keeps its review, and the rest are added."""
    registry = await make_registry(kind)
    now = datetime.now(UTC)
    typed = PersonForm(nik=None, name="Siti", sex="P", birth_date=date(1990, 8, 17),
                       desa="6305012003", categories=("lut",))  # fmt: skip
    siti, st, sity = (Person.register(new_id(), typed, now) for _ in range(3))
    persons = {p.person_id: p for p in (siti, st, sity)}

    def review(older: Person, newer: Person, found_by: str) -> Review:
        first, second = sorted((older.person_id, newer.person_id))
        pair = Pair(first, second, 95.0)
        return duplicate_review(pair, persons, now, found_by, newer=newer.person_id)

    async with registry.app.state.uows() as uow:
        await uow.persons.add_many([siti, st, sity])
        await uow.reviews.add_many([review(siti, st, "scan")])
        await uow.reviews.add_many([review(siti, st, "import"), review(siti, sity, "import")])
        await uow.commit()
    async with registry.app.state.uows() as uow:
        held = await uow.reviews.page("63", None, after=None, limit=10)
    assert sorted((r.record_id, r.details["found_by"]) for r in held) == sorted(
        [(st.person_id, "scan"), (sity.person_id, "import")]
    )
