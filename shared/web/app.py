"""The app factory every service uses: one FastAPI app per service process.

The lifespan starts the bus (consumer groups first, then subscribers, relay and reclaimer) and a
watchdog: a subscriber that stops on its own (e.g. NOGROUP after Redis lost its data) fails
`/readyz` at once, and after a short grace period the process exits non-zero so the launcher or
Kubernetes restarts it — start-up then re-creates the groups (DESIGN.md §4).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

import structlog
from fastapi import APIRouter, FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.glass import GlassSettings
from shared.messaging.bus import ServiceBus
from shared.security import TokenVerifier
from shared.web import docs, health, openapi, problems
from shared.web.audit_api import audit_router
from shared.web.middleware import RequestContextMiddleware

log = structlog.get_logger(__name__)

EXIT_SUBSCRIBER_STOPPED = 3


class BackgroundWork(Protocol):
    """A service's own loop (e.g. a notification dispatcher), run beside the bus."""

    async def run(self) -> None: ...

    def stop(self) -> None: ...


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KESOS_", extra="ignore")

    max_body_bytes: int = Field(1_048_576, ge=1024)
    stopped_subscriber_grace_s: float = Field(5.0, ge=0)


def create_app(
    *,
    service: str,
    version: str,
    bus: ServiceBus,
    verifier: TokenVerifier,
    routers: Sequence[APIRouter],
    background: Sequence[BackgroundWork] = (),
    settings: WebSettings | None = None,
    description: str = "",
    streamed_paths: tuple[str, ...] = (),
) -> FastAPI:
    settings = settings or WebSettings()
    app = FastAPI(
        title=f"Kesos {service}",
        version=version,
        description=description,
        lifespan=_lifespan(bus, background, settings),
        openapi_url="/openapi.json",
        docs_url=None,  # served from the package's assets, not a CDN (shared.web.docs)
        redoc_url=None,
        # FastAPI's own OpenTelemetry: off, or it asks the providers on every request; Kesos
        # exports Prometheus metrics and structured logs (shared.observability).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.bus = bus
    app.state.verifier = verifier  # read by shared.web.auth
    app.state.glass_ttl_s = GlassSettings().glass_ttl_s  # read by shared.web.glass
    app.state.exit_code = 0
    app.state.request_exit = None  # set by `serve`: how the watchdog stops the server
    problems.install(app)
    openapi.install(app)
    docs.install(app)
    app.add_middleware(
        RequestContextMiddleware,
        service=service,
        max_body_bytes=settings.max_body_bytes,
        streamed_paths=streamed_paths,
    )
    health.install(app, bus)
    for router in routers:
        app.include_router(router)
    app.include_router(audit_router(bus.uows))
    return app


def _lifespan(
    bus: ServiceBus, background: Sequence[BackgroundWork], settings: WebSettings
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await bus.start()
        tasks = [asyncio.create_task(work.run()) for work in background]
        watchdog = asyncio.create_task(
            _watch_subscribers(app, bus, settings.stopped_subscriber_grace_s)
        )
        try:
            yield
        finally:
            watchdog.cancel()
            for work in background:
                work.stop()
            await asyncio.wait([watchdog, *tasks], timeout=settings.stopped_subscriber_grace_s + 5)
            for task in tasks:
                task.cancel()
            await bus.stop()
            await bus.uows.statistics_settled()
            await bus.engine.dispose()

    return lifespan


async def _watch_subscribers(app: FastAPI, bus: ServiceBus, grace_s: float) -> None:
    # FastStream exposes a flag, not an event: poll it.
    while bus.subscribers_running():  # noqa: ASYNC110
        await asyncio.sleep(0.5)
    log.critical("subscriber_stopped", grace_s=grace_s)
    app.state.exit_code = EXIT_SUBSCRIBER_STOPPED
    await asyncio.sleep(grace_s)
    if app.state.request_exit is not None:
        app.state.request_exit()
