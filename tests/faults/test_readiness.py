"""A service process reports what is down on /readyz, and exits non-zero when a subscriber
stops for good (Redis lost its data), so the launcher or Kubernetes restarts it."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from shared.messaging.streams import events_stream
from tests.shared.web.conftest import SECRET, bearer
from tests.support.processes import start_sample_service, stop
from tests.support.tcp_proxy import TcpProxy
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


async def test_readyz_turns_red_while_the_store_is_unreachable_and_green_after(
    make_store, redis_url, namespace, tmp_path
):
    """A network partition from PostgreSQL (a proxy cut, then restored): /readyz says the store
    is down, then ready again; the outage is one warning and one recovery line per component."""
    store = await make_store("postgresql", "visits")
    url = make_url(store.url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    log = tmp_path / "service.log"
    process, base = start_sample_service(through_proxy, redis_url, namespace, SECRET, log=log)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            await eventually(lambda: _status(client, "/readyz", 200), timeout=60, message="ready")
            await proxy.cut()
            body = await eventually(lambda: _problem_body(client), message="red without store")
            assert body["checks"]["store"] is False and body["checks"]["redis"] is True
            # The relay and the reclaimer retry through the outage, and say so.
            await eventually(
                lambda: {"outbox-relay", "reclaimer"} <= _components(log, "store_unavailable"),
                timeout=30, message="the outage noticed",
            )  # fmt: skip
            await proxy.start()
            await eventually(
                lambda: _status(client, "/readyz", 200), timeout=30, message="ready again"
            )
            await eventually(  # each component's next round sees the store back
                lambda: _components(log, "store_unavailable") <= _components(log, RECOVERED),
                timeout=30, message="every component recovered",
            )  # fmt: skip
    finally:
        stopping_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        stop(process)
        await proxy.cut()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert not [line for line in lines if line["level"] in ("error", "critical")]
    during = [line for line in lines if line["timestamp"] < stopping_at]  # not the shutdown's
    outage = [(line["event"], line["component"]) for line in during
              if line["event"] in ("store_unavailable", "store_recovered")]  # fmt: skip
    for component in {component for _, component in outage}:
        assert outage.count(("store_unavailable", component)) == 1, outage
        assert outage.count(("store_recovered", component)) == 1, outage
    assert ("store_unavailable", "reclaimer") in outage


RECOVERED = "store_recovered"


def _components(log: Path, event: str) -> set[str]:
    """The components that logged `event` so far."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return {line["component"] for line in lines if line["event"] == event}
