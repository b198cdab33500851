"""A service process reports what is down on /readyz, and exits non-zero when a subscriber
stops for good (Redis lost its data), so the launcher or Kubernetes restarts it."""

from __future__ import annotations

import signal

import httpx
import pytest

from shared.messaging.streams import events_stream
from tests.shared.web.conftest import SECRET, bearer
from tests.support.processes import start_sample_service, stop
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_readyz_turns_red_without_redis_and_the_process_exits_when_a_subscriber_stops(
    make_store, owned_redis, namespace
):
    store = await make_store("sqlite", "visits")
    counted = events_stream(namespace, "counter")
    visits = await owned_redis.users.service(
        "visits", reads=[counted], writes=[events_stream(namespace, "visits")]
    )
    process, base = start_sample_service(
        store.url, visits.authenticated_url(), namespace, SECRET,
        {"KESOS_STOPPED_SUBSCRIBER_GRACE_S": "0.5"},
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            await eventually(lambda: _status(client, "/readyz", 200), timeout=60, message="ready")

            owned_redis.server.stop()
            body = await eventually(lambda: _problem_body(client), message="red without Redis")
            assert body["checks"]["redis"] is False and body["checks"]["store"] is True
            owned_redis.server.start()
            await eventually(
                lambda: _status(client, "/readyz", 200), timeout=30, message="ready again"
            )

            from redis.asyncio import Redis

            redis = Redis.from_url(owned_redis.admin_url)
            await redis.delete(events_stream(namespace, "counter"))  # as if Redis lost its data
            await redis.aclose()
            code = await eventually(lambda: process.poll(), timeout=30, message="process exits")
            assert code == 3
    finally:
        stop(process)


async def _status(client: httpx.AsyncClient, path: str, expected: int) -> bool:
    try:
        return (await client.get(path)).status_code == expected
    except httpx.TransportError:
        return False


async def _problem_body(client: httpx.AsyncClient) -> dict | None:
    response = await client.get("/readyz")
    return response.json() if response.status_code == 503 else None


async def test_sigterm_stops_the_service_cleanly_with_nothing_left_unpublished(
    make_store, redis_url, redis, namespace
):
    store = await make_store("sqlite", "visits")
    process, base = start_sample_service(store.url, redis_url, namespace, SECRET)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            await eventually(lambda: _status(client, "/readyz", 200), timeout=60, message="ready")
            for note in ("satu", "dua", "tiga"):
                response = await client.post(
                    "/v1/visits", json={"desa": "63.05.01.2003", "note": note}, headers=bearer()
                )
                assert response.status_code == 201
        process.send_signal(signal.SIGTERM)
        code = await eventually(lambda: _exited(process), timeout=30, message="stopped")
        # uvicorn re-raises the SIGTERM it handled once shutdown is done: death by that signal
        # (or 0) is a clean stop for a supervisor; 3 would be the watchdog's, 1 a crash.
        assert code[1] in (0, -signal.SIGTERM)
    finally:
        stop(process)
    assert await redis.xlen(events_stream(namespace, "visits")) == 3


def _exited(process) -> tuple[str, int] | None:
    code = process.poll()
    return None if code is None else ("exit", code)
