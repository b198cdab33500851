"""The composition root of the notifications service: the only place that builds things."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.notifications import MIGRATIONS, NAME
from services.notifications.adapters.export_file import ExportFileChannel
from services.notifications.adapters.template_file import packaged_templates
from services.notifications.adapters.unit_of_work import NotificationsUnitOfWork
from services.notifications.domain.channels import Channel
from services.notifications.entrypoints.consumers import consumer_handlers
from services.notifications.entrypoints.dispatcher import Dispatcher, Doorbell
from services.notifications.entrypoints.http import deliveries_router, templates_router
from services.notifications.settings import DispatcherSettings
from shared.contracts import CATALOG
from shared.messaging.bus import ServiceBus
from shared.persistence.engine import create_engine, session_factory
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.security import SecuritySettings, TokenVerifier
from shared.settings import BusSettings, ServiceSettings
from shared.web.app import create_app

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
    bus_settings = bus_settings or BusSettings()
    dispatcher_settings = dispatcher_settings or DispatcherSettings()
    channel = channel or ExportFileChannel(dispatcher_settings.export_file)
    book = packaged_templates()
    engine = create_engine(settings.database_url)
    doorbell = Doorbell()
    uows = UnitOfWorkFactory(
        session_factory(engine),
        namespace=bus_settings.namespace,
        service=NAME,
        make=partial(NotificationsUnitOfWork, on_ready=doorbell.ring),
    )
    bus = ServiceBus(
        service=NAME, settings=bus_settings, redis_url=settings.redis_url, engine=engine,
        uows=uows, catalog=CATALOG, handlers=consumer_handlers(book, channel.name),
    )  # fmt: skip
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
