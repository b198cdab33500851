"""schemathesis against the sample service's OpenAPI: no 5xx, no answer off its schema."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.shared.web.conftest import SECRET, bearer
from tests.support.fuzz import fuzz_service
from tests.support.processes import start_sample_service, stop
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_the_sample_service_survives_fuzzing(make_store, redis_url, namespace):
    store = await make_store("postgresql", "visits")
    process, base = start_sample_service(store.url, redis_url, namespace, SECRET)
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            await eventually(lambda: _ready(client), timeout=60, message="service up")
        fuzzed = await asyncio.to_thread(
            fuzz_service, base, bearer("operator", "63.05"), max_examples=25
        )
        assert "POST /v1/visits" in fuzzed and "GET /v1/visits/{visit_id}" in fuzzed
    finally:
        stop(process)


async def _ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False
