"""The registry as a service: health and its documented API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

PATHS = {
    "/v1/regions",
    "/v1/regions/{code}",
    "/v1/pmks-categories",
    "/v1/training-tiers",
    "/v1/workers",
    "/v1/workers/search",
    "/v1/workers/{worker_id}",
    "/v1/workers/{worker_id}/contact",
    "/v1/workers/{worker_id}/deactivate",
    "/v1/persons",
    "/v1/persons/search",
    "/v1/persons/{person_id}",
}


async def test_it_is_ready_with_its_subscribers_on_the_training_and_cases_streams(registry):
    response = await registry.client.get("/readyz")
    assert response.json()["checks"] == {"store": True, "redis": True, "subscribers": True}
    streams = registry.app.state.bus.streams
    assert {f"{registry.namespace}.{producer}.events" for producer in ("training", "cases")} <= set(
        streams
    )


async def test_the_openapi_document_lists_the_registry_api(registry):
    document = (await registry.client.get("/openapi.json")).json()
    assert set(document["paths"]) >= PATHS
    register = document["paths"]["/v1/workers"]["post"]
    assert "201" in register["responses"]
