"""Building the test domain's services the way `app.py` will build real ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.messaging.bus import ServiceBus
from shared.messaging.runner import Handler
from shared.persistence.engine import create_engine, session_factory
from shared.persistence.unit_of_work import UnitOfWork, UnitOfWorkFactory
from shared.settings import BusSettings
from tests.support import tally


@dataclass
class Store:
    url: str
    engine: AsyncEngine

    def uows(self, namespace: str, service: str) -> UnitOfWorkFactory[UnitOfWork]:
        return UnitOfWorkFactory(
            session_factory(self.engine), namespace=namespace, service=service, make=UnitOfWork
        )


async def open_store(url: str) -> Store:
    engine = create_engine(url)
    await tally.prepare_store(url, engine)
    return Store(url, engine)


def settings_for_tests(namespace: str, consumer: str, **overrides: Any) -> BusSettings:
    values: dict[str, Any] = {
        "namespace": namespace,
        "consumer": consumer,
        "min_idle_ms": 1000,  # ≥ 1 s: a loaded 2-core machine must not steal live batches
        "max_deliveries": 3,
        "reclaim_interval_s": 0.2,
        "relay_poll_s": 0.2,
        "relay_backoff_max_s": 0.5,
        "block_ms": 200,
        "graceful_timeout_s": 5.0,
    }
    values.update(overrides)
    return BusSettings(**values)


def tally_bus(
    store: Store, redis_url: str, settings: BusSettings, handlers: list[Handler] | None = None
) -> ServiceBus:
    return ServiceBus(
        service="tally",
        settings=settings,
        redis_url=redis_url,
        engine=store.engine,
        uows=store.uows(settings.namespace, "tally"),
        catalog=tally.CATALOG,
        handlers=tally.HANDLERS if handlers is None else handlers,
    )


def counter_bus(
    store: Store, redis_url: str, settings: BusSettings
) -> tuple[ServiceBus, UnitOfWorkFactory[UnitOfWork]]:
    """The producer: a bus with no subscribers (only its relay) and its unit-of-work factory."""
    uows = store.uows(settings.namespace, "counter")
    bus = ServiceBus(
        service="counter",
        settings=settings,
        redis_url=redis_url,
        engine=store.engine,
        uows=uows,
        catalog=tally.CATALOG,
    )
    return bus, uows
