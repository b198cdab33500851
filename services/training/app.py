"""The training service's composition root: the only place engines, buses and settings meet."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.training import NAME
from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.entrypoints import http, reports
from services.training.entrypoints.consumers import HANDLERS
from services.training.entrypoints.reminder_watch import ReminderSettings, reminder_watch
from shared.security import SecuritySettings, TokenVerifier
from shared.settings import BusSettings, ServiceSettings
from shared.web.app import create_app
from shared.web.service import service_bus

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def build_app(
    settings: ServiceSettings,
    *,
    bus_settings: BusSettings | None = None,
    security: SecuritySettings | None = None,
    reminder_settings: ReminderSettings | None = None,
) -> FastAPI:
    """The training app; bus and security settings come from the environment unless given."""
    bus = service_bus(
        NAME,
        settings,
        bus_settings or BusSettings(),
        make_uow=TrainingUnitOfWork,
        handlers=HANDLERS,
    )
    uows = bus.uows
    app = create_app(
        service=NAME,
        version=VERSION,
        bus=bus,
        verifier=TokenVerifier(security or SecuritySettings()),
        routers=[
            http.batches_router(uows),
            http.certificates_router(uows),
            reports.reports_router(uows),
        ],
        background=[reminder_watch(uows, reminder_settings or ReminderSettings())],
        description="Diklat tiers, batches, enrolments, attendance and certificates.",
    )
    http.install(app)
    return app
