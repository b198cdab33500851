"""The registry's composition root: the one place that builds its engine, bus and app."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from services.registry import NAME, VERSION
from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.entrypoints.consumers import HANDLERS
from services.registry.entrypoints.http import install_problems, routers
from services.registry.entrypoints.imports import (
    IMPORTS_PATH,
    ImportSettings,
    ImportWorker,
    imports_router,
)
from shared.security import SecuritySettings, TokenVerifier
from shared.settings import BusSettings, ServiceSettings
from shared.web.app import create_app
from shared.web.service import service_bus

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
    import_settings: ImportSettings | None = None,
) -> FastAPI:
    """Settings default to the environment (`KESOS_*`, `REGISTRY_IMPORT_*`); tests pass theirs."""
    bus = service_bus(
        NAME,
        settings,
        bus_settings or BusSettings(),
        make_uow=RegistryUnitOfWork,
        handlers=HANDLERS,
    )
    import_settings = import_settings or ImportSettings()
    doorbell = asyncio.Event()  # rung by an upload: the worker starts at once
    worker = ImportWorker(bus.uows, import_settings, doorbell)
    app = create_app(
        service=NAME, version=VERSION, bus=bus,
        verifier=TokenVerifier(security or SecuritySettings()),
        routers=[*routers(), imports_router(import_settings, doorbell)],
        background=[worker], description=DESCRIPTION, streamed_paths=(IMPORTS_PATH,),
    )  # fmt: skip
    app.state.uows = bus.uows  # read by entrypoints.http
    install_problems(app)
    return app
