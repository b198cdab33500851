"""schemathesis against the sample service's OpenAPI: no 5xx, no answer off its schema."""

from __future__ import annotations

import asyncio

import pytest

from tests.shared.web.conftest import SECRET, bearer
from tests.support.fuzz import fuzz_service
from tests.support.processes import start_sample_service, stop, wait_until_ready

pytestmark = pytest.mark.integration


async def test_the_sample_service_survives_fuzzing(make_store, redis_url, namespace):
    store = await make_store("postgresql", "visits")
    process, base = start_sample_service(store.url, redis_url, namespace, SECRET)
    try:
        await wait_until_ready(base)
        fuzzed = await asyncio.to_thread(
            fuzz_service, base, bearer("operator", "63.05"), max_examples=25
        )
        assert "POST /v1/visits" in fuzzed and "GET /v1/visits/{visit_id}" in fuzzed
    finally:
        stop(process)
