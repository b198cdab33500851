"""The cases service's composition root: the only place engines, buses and settings meet."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.cases import NAME
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.approvals import Approvals
from services.cases.entrypoints import exports, http, rekap
from services.cases.entrypoints.consumers import HANDLERS
from services.cases.entrypoints.deadline_watch import DeadlineSettings, deadline_watch
from shared.security import SecuritySettings, TokenVerifier
from shared.settings import BusSettings, ServiceSettings
from shared.web.app import create_app
from shared.web.service import service_bus

VERSION = "0.1.0"
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class ApprovalSettings(BaseSettings):
    """`CASES_APPROVALS_FILE`: the Dinas's own approvals table (domain/approvals.py)."""

    model_config = SettingsConfigDict(env_prefix="CASES_")

    approvals_file: Path | None = None


def build_app(
    settings: ServiceSettings,
    *,
    bus_settings: BusSettings | None = None,
    security: SecuritySettings | None = None,
    deadline_settings: DeadlineSettings | None = None,
) -> FastAPI:
    """The cases app; bus, security and deadline settings come from the environment unless
    given."""
    bus = service_bus(
        NAME,
        settings,
        bus_settings or BusSettings(),
        make_uow=CasesUnitOfWork,
        handlers=HANDLERS,
    )
    uows = bus.uows
    app = create_app(
        service=NAME,
        version=VERSION,
        bus=bus,
        verifier=TokenVerifier(security or SecuritySettings()),
        routers=[
            http.cases_router(uows, Approvals.from_file(ApprovalSettings().approvals_file)),
            http.queues_router(uows),
            http.referrals_router(uows),
            rekap.rekap_router(uows),
            exports.exports_router(uows),
        ],
        background=[deadline_watch(uows, deadline_settings or DeadlineSettings())],
        description="PMKS cases from report to closure: assignment, verification, referrals.",
    )
    http.install(app)
    return app
