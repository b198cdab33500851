"""The Alembic branch creates exactly the tables the service's MetaData describes."""

from __future__ import annotations

import asyncio
from functools import partial

from alembic import command
from sqlalchemy import select, text

from services.cases.adapters.tables import TABLES, case_categories, rekap_counts
from services.cases.app import MIGRATIONS
from shared.persistence.migrate import alembic_config, migrate_async
from tests.support.migrations import differences


async def test_the_migration_mirrors_the_tables(make_store, store_kind: str) -> None:
    store = await make_store(store_kind, "cases")
    await migrate_async(store.url, MIGRATIONS)
    await migrate_async(store.url, MIGRATIONS)  # idempotent: a restart migrates again

    async with store.engine.connect() as connection:
        found = await connection.run_sync(partial(differences, tables=TABLES))

    assert found == []


async def test_cases0002_fills_the_rekap_categories_of_existing_cases(
    make_store, store_kind: str
) -> None:
    store = await make_store(store_kind, "cases")
    await asyncio.to_thread(command.upgrade, alembic_config(store.url, MIGRATIONS), "cases0001")
    async with store.engine.begin() as connection:
        for case_id, categories in (("case-1", '["LUT", "PD"]'), ("case-2", '["FM"]')):
            await connection.execute(text(INSERT_CASE), {"id": case_id, "categories": categories})

    await migrate_async(store.url, MIGRATIONS)

    async with store.engine.connect() as connection:
        query = select(case_categories).order_by(case_categories.c.case_id)
        rows = (await connection.execute(query)).all()
    assert sorted(map(tuple, rows)) == [("case-1", "LUT"), ("case-1", "PD"), ("case-2", "FM")]


async def test_cases0003_counts_the_existing_cases_for_the_rekap(
    make_store, store_kind: str
) -> None:
    store = await make_store(store_kind, "cases")
    await asyncio.to_thread(command.upgrade, alembic_config(store.url, MIGRATIONS), "cases0002")
    async with store.engine.begin() as connection:
        for case_id, categories in (
            ("case-1", '["LUT", "PD"]'), ("case-2", '["LUT"]'), ("case-3", '["ODHA", "NAPZA"]'),
        ):  # fmt: skip
            await connection.execute(text(INSERT_CASE), {"id": case_id, "categories": categories})

    await migrate_async(store.url, MIGRATIONS)

    async with store.engine.connect() as connection:
        for depth, area in ((3, "63.05.01"), (4, "63.05.01.2003")):
            query = select(
                rekap_counts.c.area, rekap_counts.c.category, rekap_counts.c.status,
                rekap_counts.c.cases,
            ).where(rekap_counts.c.depth == depth)  # fmt: skip
            rows = sorted(map(tuple, (await connection.execute(query)).all()))
            assert rows == [
                (area, "*protected", "reported", 1),  # case-3 once, for 2 protected codes
                (area, "LUT", "reported", 2),
                (area, "NAPZA", "reported", 1),
                (area, "ODHA", "reported", 1),
                (area, "PD", "reported", 1),
            ]


# A case row as cases0001 stored it (the columns the backfill reads, the rest just filled).
INSERT_CASE = """
INSERT INTO cases_cases (case_id, categories, desa, kecamatan, status, reported_by,
  reporter_role, person_ref, person, description, needs, referrals, follow_ups, version,
  reported_at, updated_at)
VALUES (:id, :categories, '63.05.01.2003', '63.05.01', 'reported', 'psm-1', 'psm', 'ref-1',
  '{"name": "Budi", "sex": "L"}', '', '[]', '[]', 0, 1, '2026-11-28T00:00:00+00:00',
  '2026-11-28T00:00:00+00:00')
"""
