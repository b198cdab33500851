"""`/healthz` (alive), `/readyz` (store, Redis, subscribers), `/metrics`: no token needed."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from redis.exceptions import RedisError

from shared.messaging.bus import ServiceBus
from shared.observability.metrics import DEAD_LETTERS, GROUP_LAG, GROUP_PENDING, OUTBOX_BACKLOG
from shared.web.problems import Problem


def health_router(bus: ServiceBus) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz", summary="Store, Redis and every subscriber are up")
    async def readyz() -> JSONResponse:
        checks = await readiness(bus)
        if all(checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        problem = Problem(503, "not-ready", "Not ready", "a dependency is down", checks=checks)
        return problem.response("/readyz")

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        await refresh_gauges(bus)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router


async def readiness(bus: ServiceBus) -> dict[str, bool]:
    return {
        "store": await bus.store_ok(),
        "redis": await _redis_ok(bus),
        "subscribers": bus.subscribers_running(),
    }


async def _redis_ok(bus: ServiceBus) -> bool:
    try:
        return bool(await bus.redis.ping())
    except (RedisError, OSError):
        return False


async def refresh_gauges(bus: ServiceBus) -> None:
    """Gauges that need a query; a dependency that is down leaves its gauges as they were."""
    service = bus.service
    with suppress(Exception):  # the store is down: /readyz says so
        OUTBOX_BACKLOG.labels(service).set(await bus.relay.backlog())
    try:
        for stream in bus.streams:
            group = await _group_info(bus, stream)
            GROUP_LAG.labels(service, stream).set(group.get("lag") or 0)
            GROUP_PENDING.labels(service, stream).set(group.get("pending") or 0)
        DEAD_LETTERS.labels(service).set(await bus.dead_letters.count())
    except (RedisError, OSError):
        pass


async def _group_info(bus: ServiceBus, stream: str) -> dict[str, Any]:
    for group in await bus.redis.xinfo_groups(stream):
        name = group["name"]
        if (name.decode() if isinstance(name, bytes) else name) == bus.runner.group:
            return dict(group)
    return {}


def install(app: FastAPI, bus: ServiceBus) -> None:
    app.include_router(health_router(bus))
