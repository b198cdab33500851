"""The registry's composition root: the one place that builds its engine, bus and app."""

from __future__ import annotations

from fastapi import FastAPI

from services.registry import NAME, VERSION
from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.entrypoints.consumers import HANDLERS
from services.registry.entrypoints.http import install_problems, routers
from shared.contracts.catalog import CATALOG
from shared.messaging.bus import ServiceBus
from shared.persistence.engine import create_engine, session_factory
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.security import SecuritySettings, TokenVerifier
from shared.settings import BusSettings, ServiceSettings
from shared.web.app import create_app

DESCRIPTION = (
    "Social workers (PSM per desa/kelurahan, TKSK per kecamatan) and the reference data "
    "(wilayah, PMKS categories, training tiers). Worker changes are published on "
    "`<namespace>.registry.events`."
)


def build_app(
    settings: ServiceSettings,
    *,
    bus_settings: BusSettings | None = None,
    security: SecuritySettings | None = None,
) -> FastAPI:
    """Settings default to the environment (`KESOS_*`); tests pass their own."""
    bus_settings = bus_settings or BusSettings()
    engine = create_engine(settings.database_url)
    uows = UnitOfWorkFactory(
        session_factory(engine), namespace=bus_settings.namespace, service=NAME,
        make=RegistryUnitOfWork,
    )  # fmt: skip
    bus = ServiceBus(
        service=NAME, settings=bus_settings, redis_url=settings.redis_url, engine=engine,
        uows=uows, catalog=CATALOG, handlers=HANDLERS,
    )  # fmt: skip
    app = create_app(
        service=NAME, version=VERSION, bus=bus,
        verifier=TokenVerifier(security or SecuritySettings()),
        routers=routers(), description=DESCRIPTION,
    )  # fmt: skip
    app.state.uows = uows  # read by entrypoints.http
    install_problems(app)
    return app
