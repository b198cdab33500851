"""Connections are not pinged before each use (docs/performance.md): a connection the store
dropped costs the request that meets it a retryable 503, never a 500, and the retry works."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.shared.web.conftest import SECRET, TUNGKAP, bearer
from tests.support import sample_service

pytestmark = pytest.mark.integration

OTHERS = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


async def drop_connections(url: str) -> None:
    """What a restart or a failover does to the service's pooled connections."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            pids = (await connection.execute(text(f"SELECT pid {OTHERS}"))).scalars().all()
            assert pids, "the service holds a pooled connection"
            for pid in pids:
                await connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    finally:
        await engine.dispose()


async def test_a_dropped_store_connection_answers_a_retryable_problem(
    make_store, redis_url, namespace
):
    # The API alone, its bus not started: no relay may meet the dead connection first (the
    # pool then discards them all, and no request would meet one).
    store = await make_store("postgresql", "visits")
    app = sample_service.build_app(store.url, redis_url, namespace, SECRET)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://visits.test") as client:

        def post(key: str):
            headers = {**bearer(), "Idempotency-Key": key}
            return client.post("/v1/visits", json={"desa": TUNGKAP, "note": "x"}, headers=headers)

        try:
            assert (await post("before")).status_code == 201  # a pooled connection now exists
            await drop_connections(store.url)
            lost = await post("after")  # meets the dead connection: the pool discards it
            assert lost.status_code == 503 and lost.headers["retry-after"] == "1"
            assert lost.headers["content-type"] == "application/problem+json"
            assert lost.json()["type"] == "urn:kesos:problem:store-unavailable"
            assert (await post("after")).status_code == 201
            listed = await client.get("/v1/visits", headers=bearer())
            assert len(listed.json()["items"]) == 2
        finally:
            await app.state.engine.dispose()
