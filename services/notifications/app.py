"""The composition root of the notifications service: the only place that builds things."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.notifications import MIGRATIONS, NAME
from services.notifications.adapters.export_file import ExportFileChannel
from services.notifications.adapters.officer_file import officers_from, operators_from
from services.notifications.adapters.template_file import packaged_templates
from services.notifications.adapters.unit_of_work import NotificationsUnitOfWork
from services.notifications.domain.channels import Channel
from services.notifications.entrypoints.consumers import consumer_handlers
from services.notifications.entrypoints.dispatcher import Dispatcher, Doorbell
from services.notifications.entrypoints.http import deliveries_router, templates_router
from services.notifications.settings import DispatcherSettings
from shared.security import SecuritySettings, TokenVerifier
from shared.settings import BusSettings, ServiceSettings
from shared.web.app import create_app
from shared.web.service import service_bus

VERSION = "0.1.0"
__all__ = ["MIGRATIONS", "build_app"]


def build_app(
    settings: ServiceSettings,
    *,
    bus_settings: BusSettings | None = None,
    security: SecuritySettings | None = None,
    channel: Channel | None = None,
    dispatcher_settings: DispatcherSettings | None = None,
) -> FastAPI:
    """Defaults come from the environment; tests inject their own."""
    dispatcher_settings = dispatcher_settings or DispatcherSettings()
    channel = channel or ExportFileChannel(dispatcher_settings.export_file)
    book = packaged_templates()
    doorbell = Doorbell()
    bus = service_bus(
        NAME, settings, bus_settings or BusSettings(),
        make_uow=partial(NotificationsUnitOfWork, on_ready=doorbell.ring),
        handlers=consumer_handlers(
            book, channel.name, officers_from(dispatcher_settings.officers_file),
            operators_from(dispatcher_settings.operators_file),
        ),
    )  # fmt: skip
    uows = bus.uows
    dispatcher = Dispatcher(uows, channel, book, dispatcher_settings, doorbell)
    app = create_app(
        service=NAME,
        version=VERSION,
        bus=bus,
        verifier=TokenVerifier(security or SecuritySettings()),
        routers=[deliveries_router(uows), templates_router(book)],
        background=[dispatcher],
        description="Contacts, templates (Bahasa Indonesia) and deliveries of notifications.",
    )
    app.state.dispatcher = dispatcher
    return app
