"""What every service does the same way: build its store and bus, and run.

A service's `app.py` calls `service_bus` for its engine, units of work and bus; its `__main__` is
one call to `run_service` (configure logs, migrate the store, serve the app).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shared.contracts import CATALOG
from shared.messaging.bus import ServiceBus
from shared.messaging.runner import Handler
from shared.observability.logging import configure_logging
from shared.observability.tracing import configure_tracing, instrument_app, instrument_engine
from shared.persistence.engine import create_engine, session_factory
from shared.persistence.migrate import migrate
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.settings import SERVICE_PORTS, BusSettings, ServiceSettings
from shared.web.server import serve


def run_service(
    name: str,
    build_app: Callable[[ServiceSettings], FastAPI],
    migrations: Path,
    *,
    preload: Sequence[Callable[[], object]] = (),
) -> int:
    """`preload`: reference data the service looks up (the country's regions: 0.4 s, 20 MiB),
    loaded before it serves, so no first request waits for it and the collector never walks
    it (it is frozen with the rest of the startup objects)."""
    settings = ServiceSettings.from_env(name, SERVICE_PORTS[name])
    bus_settings = BusSettings()
    configure_logging(name)
    configure_tracing(name, instance=bus_settings.consumer_name(name))
    migrate(settings.database_url, migrations)
    app = build_app(settings)
    instrument_app(app)
    for load in preload:
        load()
    freeze_startup_objects()
    return serve(
        app,
        host=settings.host,
        port=settings.port,
        graceful_timeout_s=bus_settings.graceful_timeout_s,
    )


def freeze_startup_objects() -> None:
    """Keep what the started process holds for its whole life (modules, reference data, the
    app: about 160,000 objects) out of the cyclic collector's full collections.

    Each full collection walked them all: 80 ms pauses, a dozen a minute under load, which were
    most of the registry's p99 at 200 writes/s (120 ms; 12 ms once frozen; docs/performance.md).
    Garbage is collected first, so none of it stays frozen."""
    gc.collect()
    gc.freeze()


def service_bus(
    name: str,
    settings: ServiceSettings,
    bus_settings: BusSettings,
    *,
    make_uow: Callable[..., Any],
    handlers: Sequence[Handler] = (),
) -> ServiceBus:
    """The service's store engine, its unit-of-work factory (`bus.uows`) and its bus."""
    engine = create_engine(settings.database_url)
    instrument_engine(engine)
    uows = UnitOfWorkFactory(
        session_factory(engine), namespace=bus_settings.namespace, service=name, make=make_uow
    )
    return ServiceBus(
        service=name, settings=bus_settings, redis_url=settings.redis_url, engine=engine,
        uows=uows, catalog=CATALOG, handlers=handlers,
    )  # fmt: skip
