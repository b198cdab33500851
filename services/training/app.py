"""The training service's composition root: the only place engines, buses and settings meet."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.training import NAME
from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.entrypoints import http
from services.training.entrypoints.consumers import HANDLERS
from shared.contracts import CATALOG
from shared.messaging.bus import ServiceBus
from shared.persistence.engine import create_engine, session_factory
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.security import SecuritySettings, TokenVerifier
from shared.settings import BusSettings, ServiceSettings
from shared.web.app import create_app

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def build_app(
    settings: ServiceSettings,
    *,
    bus_settings: BusSettings | None = None,
    security: SecuritySettings | None = None,
) -> FastAPI:
    """The training app; bus and security settings come from the environment unless given."""
    bus_settings = bus_settings or BusSettings()
    engine = create_engine(settings.database_url)
    uows = UnitOfWorkFactory(
        session_factory(engine),
        namespace=bus_settings.namespace,
        service=NAME,
        make=TrainingUnitOfWork,
    )
    bus = ServiceBus(
        service=NAME, settings=bus_settings, redis_url=settings.redis_url, engine=engine,
        uows=uows, catalog=CATALOG, handlers=HANDLERS,
    )  # fmt: skip
    app = create_app(
        service=NAME,
        version=VERSION,
        bus=bus,
        verifier=TokenVerifier(security or SecuritySettings()),
        routers=[http.batches_router(uows), http.certificates_router(uows)],
        description="Diklat tiers, batches, enrolments, attendance and certificates.",
    )
    http.install(app)
    return app
