"""The store: the migration matches the tables, and the rules the dispatcher relies on hold."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from services.notifications import MIGRATIONS
from services.notifications.adapters.tables import TABLES, contacts, deliveries
from services.notifications.adapters.template_file import packaged_templates
from services.notifications.adapters.unit_of_work import NotificationsUnitOfWork
from services.notifications.domain.deliveries import Delivery
from services.notifications.domain.officers import Officer
from services.notifications.domain.templates import Template, TemplateBook
from services.notifications.entrypoints.dispatcher import Dispatcher, Doorbell
from services.notifications.use_cases.contacts import project_contact, project_officer
from services.notifications.use_cases.deliveries import record_delivery
from shared.contracts.envelope import Envelope
from shared.persistence.engine import session_factory
from shared.persistence.migrate import migrate_async
from shared.persistence.tables import outbox
from shared.persistence.unit_of_work import UnitOfWorkFactory
from tests.notifications.integration.conftest import dispatcher_settings
from tests.notifications.integration.story import enrolled, worker
from tests.support.entries import envelope_of
from tests.support.nodes import Store

pytestmark = pytest.mark.integration

NOW = datetime(2011, 5, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
async def store(make_store, store_kind: str) -> Store:
    store = await make_store(store_kind, "notifications")
    await migrate_async(store.url, MIGRATIONS)
    return store


def uows_of(store: Store, on_ready: Any = None) -> UnitOfWorkFactory[NotificationsUnitOfWork]:
    make = partial(NotificationsUnitOfWork, on_ready=on_ready or (lambda: None))
    return UnitOfWorkFactory(
        session_factory(store.engine), namespace="t", service="notifications", make=make
    )


async def record(uows: UnitOfWorkFactory[NotificationsUnitOfWork], cause: Envelope) -> None:
    async with uows() as uow:
        await record_delivery(
            uow,
            template=packaged_templates()["enrolment"],
            recipient_id=cause.data["worker_id"],
            channel="in_app",
            cause=cause,
            event_data=cause.data,
            delivery_id=str(uuid.uuid4()),
            now=NOW,
        )
        await uow.commit()


async def contact_arrives(uows: UnitOfWorkFactory[NotificationsUnitOfWork], worker_id: str) -> None:
    async with uows() as uow:
        await project_contact(uow, worker(worker_id, "Siti Aminah"), 1, NOW)
        await uow.commit()


async def delivery_count(store: Store) -> int:
    async with store.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(deliveries)) or 0)


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in TABLES.tables


async def test_the_migration_creates_the_tables_the_code_uses(store: Store) -> None:
    def differences(connection: Any) -> list[Any]:
        options = {"compare_type": True, "include_object": _ours}
        return compare_metadata(MigrationContext.configure(connection, opts=options), TABLES)

    async with store.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_recording_the_same_cause_twice_keeps_one_delivery(store: Store) -> None:
    uows = uows_of(store)
    cause = envelope_of(enrolled("w-siti"))
    await record(uows, cause)
    await record(uows, cause)  # e.g. replayed under another handler name: the constraint holds
    assert await delivery_count(store) == 1


async def test_the_dispatcher_is_rung_after_a_commit_that_made_a_delivery_ready(
    store: Store,
) -> None:
    rings: list[str] = []
    uows = uows_of(store, on_ready=lambda: rings.append("ring"))
    await record(uows, envelope_of(enrolled("w-siti")))
    assert rings == []  # no contact yet: nothing to send
    await contact_arrives(uows, "w-siti")
    assert rings == ["ring"]
    await record(uows, envelope_of(enrolled("w-siti", "enr-2")))
    assert rings == ["ring", "ring"]


class RecordingChannel:
    name = "in_app"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, delivery: Delivery, text: str) -> None:
        await asyncio.sleep(0.005)  # long enough for the two dispatchers to overlap
        self.sent.append(delivery.delivery_id)


async def test_two_dispatchers_on_postgresql_never_send_the_same_delivery(
    make_store, tmp_path: Path
) -> None:
    store = await make_store("postgresql", "notifications")
    await migrate_async(store.url, MIGRATIONS)
    uows = uows_of(store)
    await contact_arrives(uows, "w-siti")
    for number in range(60):
        await record(uows, envelope_of(enrolled("w-siti", f"enr-{number}")))
    channel = RecordingChannel()
    settings = dispatcher_settings(tmp_path / "outbox.jsonl", batch_size=7)
    replicas = [
        Dispatcher(uows, channel, packaged_templates(), settings, Doorbell()) for _ in range(2)
    ]

    for _ in range(20):
        busy = await asyncio.gather(*(replica.dispatch_once() for replica in replicas))
        if not any(busy):
            break

    assert len(channel.sent) == 60
    assert len(set(channel.sent)) == 60


async def test_a_delivery_its_template_can_no_longer_fill_fails_without_being_sent(
    store: Store, tmp_path: Path
) -> None:
    uows = uows_of(store)
    await contact_arrives(uows, "w-siti")
    await record(uows, envelope_of(enrolled("w-siti")))
    # A newer template version asks for a variable the recorded delivery does not have.
    changed = TemplateBook(
        2, "id", {"enrolment": Template("enrolment", "Yth. {name} dari {kecamatan}.")}
    )
    channel = RecordingChannel()
    dispatcher = Dispatcher(
        uows, channel, changed, dispatcher_settings(tmp_path / "o.jsonl"), Doorbell()
    )

    assert await dispatcher.dispatch_once() is False

    assert channel.sent == []
    async with store.engine.connect() as connection:
        row = (await connection.execute(select(deliveries))).one()
        published = await connection.scalar(select(outbox.c.type))
    assert (row.status, row.attempts, row.text) == ("failed", 1, None)
    assert "kecamatan" in row.last_error
    assert published == "kesos.notifications.notification_failed.v1"


async def test_an_officer_is_kept_as_the_officers_file_says_now(store: Store):
    """Officers come from a file, not events: a renamed or moved officer is stored anew."""
    uows = uows_of(store)
    for officer in (
        Officer("dpo-1", "Hj. Norhayati", "63.05"),
        Officer("dpo-1", "Norhayati", "63"),
    ):
        async with uows() as uow:
            await project_officer(uow, officer, NOW)
            await uow.commit()
    async with store.engine.connect() as connection:
        rows = (await connection.execute(select(contacts.c.name, contacts.c.wilayah))).all()
    assert [tuple(row) for row in rows] == [("Norhayati", "63")]
