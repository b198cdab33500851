"""Connections are not pinged before each use (docs/performance.md): a connection the store
dropped costs the request that meets it a retryable 503, never a 500, and the retry works."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.requests import Request

from shared.web import problems
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


async def test_a_write_the_store_rolled_back_to_break_a_deadlock_is_retryable(make_store):
    """PostgreSQL breaks a deadlock by rolling one transaction back whole: its request answers
    503 store-busy (retry), not 500."""
    store = await make_store("postgresql", "visits")
    engine = create_async_engine(store.url)
    try:
        error = await deadlock(engine)
    finally:
        await engine.dispose()
    request = Request({"type": "http", "method": "POST", "path": "/v1/visits", "headers": []})
    answer = await problems._on_store_error(request, error)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert json.loads(answer.body)["type"] == "urn:kesos:problem:store-busy"


async def deadlock(engine) -> DBAPIError:
    """Two transactions locking two rows in opposite orders: the one PostgreSQL refuses."""
    async with engine.begin() as setup:
        await setup.execute(text("CREATE TABLE locks (id int PRIMARY KEY)"))
        await setup.execute(text("INSERT INTO locks VALUES (1), (2)"))
    both_hold_one = asyncio.Barrier(2)

    async def lock(first: int, then: int) -> None:
        async with engine.begin() as connection:
            await connection.execute(text(f"SELECT 1 FROM locks WHERE id = {first} FOR UPDATE"))
            await both_hold_one.wait()
            await connection.execute(text(f"SELECT 1 FROM locks WHERE id = {then} FOR UPDATE"))

    results = await asyncio.gather(lock(1, 2), lock(2, 1), return_exceptions=True)
    [refused] = [result for result in results if isinstance(result, DBAPIError)]
    return refused
