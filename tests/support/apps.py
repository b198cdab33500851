"""Service apps run in-process for integration tests: lifespan entered (bus, relay, consumers
started) and an ASGI client each, all closed at teardown by the `running_apps` fixture."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from shared.settings import BusSettings


def service_bus_settings(namespace: str, service: str) -> BusSettings:
    """The bus as a service's tests run it: reclaim and relay quick, the rest as deployed."""
    return BusSettings(
        namespace=namespace,
        consumer=f"{service}-test",
        min_idle_ms=1000,  # ≥ 1 s: a loaded 2-core machine must not steal live batches
        reclaim_interval_s=0.2,
        relay_poll_s=0.2,
        block_ms=200,
    )


class RunningApps:
    def __init__(self) -> None:
        self._started: list[tuple[Any, httpx.AsyncClient]] = []

    async def start(self, app: FastAPI, base_url: str) -> httpx.AsyncClient:
        """Start `app` and return a client to it (5xx answered, not raised, as over HTTP)."""
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url=base_url)
        self._started.append((lifespan, client))
        return client

    async def close(self) -> None:
        for lifespan, client in self._started:
            await client.aclose()
            await lifespan.__aexit__(None, None, None)
