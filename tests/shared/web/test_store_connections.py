"""Connections are not pinged before each use (docs/performance.md): a connection the store
dropped costs the request that meets it a retryable 503, never a 500, and the retry works."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.shared.web.conftest import TUNGKAP, bearer
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

OTHERS = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


async def drop_connections(url: str) -> None:
    """What a restart or a failover does to the service's pooled connections."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f"SELECT pg_terminate_backend(pid) {OTHERS}"))

            async def gone() -> bool:
                return (await connection.execute(text(f"SELECT count(*) {OTHERS}"))).scalar() == 0

            await eventually(gone, message="the service's connections dropped")
    finally:
        await engine.dispose()


async def test_a_dropped_store_connection_answers_a_retryable_problem(make_sample):
    sample = await make_sample("postgresql")
    await sample.record()  # a pooled connection now exists
    await drop_connections(sample.store_url)

    def post():
        headers = {**bearer(), "Idempotency-Key": "after-the-drop"}
        return sample.client.post(
            "/v1/visits", json={"desa": TUNGKAP, "note": "lansia"}, headers=headers
        )

    lost = await post()  # meets the dead connection: the pool discards it
    assert lost.status_code == 503 and lost.headers["retry-after"] == "1"
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.json()["type"] == "urn:kesos:problem:store-unavailable"
    assert (await post()).status_code == 201
    listed = await sample.client.get("/v1/visits", headers=bearer())
    assert len(listed.json()["items"]) == 2
