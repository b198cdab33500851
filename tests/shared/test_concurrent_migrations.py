"""Replicas starting together migrate their one store at the same time (every service migrates
at start): on PostgreSQL they take turns (an advisory lock), so none fails on the other's
tables and the store ends at its heads once. Separate processes, as replicas are."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.cases.app import MIGRATIONS as CASES_MIGRATIONS
from shared.persistence.migrate import alembic_config

pytestmark = pytest.mark.integration


async def migrate_in_a_process(url: str) -> tuple[int, bytes]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shared.cli", "migrate", "cases",
        env={**os.environ, "CASES_DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output


def expected_heads(url: str) -> list[str]:
    """The shared branch's head and cases' own, as the migration scripts say today."""
    config = alembic_config(url, CASES_MIGRATIONS)
    return sorted(ScriptDirectory.from_config(config).get_heads())


async def test_replicas_migrating_one_new_store_at_once_all_succeed(postgres):
    database = await postgres.create("migrate_race")
    url = postgres.url(database)
    try:
        results = await asyncio.gather(*(migrate_in_a_process(url) for _ in range(4)))
        assert [code for code, _ in results] == [0] * 4, [out[-800:] for _, out in results]
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                heads = await connection.execute(text("SELECT version_num FROM alembic_version"))
                assert sorted(heads.scalars()) == expected_heads(url)
        finally:
            await engine.dispose()
    finally:
        await postgres.drop(database)
