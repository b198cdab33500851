"""The contacts projection, fed by registry's `worker_contact` (restricted contacts stream)."""

from __future__ import annotations

from datetime import datetime

import structlog

from services.notifications.adapters.unit_of_work import NotificationsUnitOfWork
from services.notifications.domain.officers import Officer
from shared.contracts.registry import WorkerContact, WorkerStateV1

log = structlog.get_logger(__name__)


async def project_contact(
    uow: NotificationsUnitOfWork,
    worker: WorkerContact | WorkerStateV1,
    sequence: int,
    now: datetime,
) -> None:
    """Keep the worker's newest contact, and release the deliveries that were waiting for it.

    Both happen in the event's transaction, so a delivery is never left waiting for a contact
    that is already known.
    """
    await uow.contacts.project(
        {
            "worker_id": worker.worker_id,
            "name": worker.name,
            "phone": worker.phone,
            "wilayah": worker.wilayah,
            "status": worker.status,
            "sequence": sequence,
            "updated_at": now,
        }
    )
    for delivery in await uow.deliveries.waiting_for(worker.worker_id):
        loaded = delivery.version
        delivery.contact_arrived(now)
        if await uow.deliveries.save(delivery, loaded_version=loaded):
            uow.deliveries_ready = True
            log.info("delivery_released", delivery_id=delivery.delivery_id)


async def project_officer(uow: NotificationsUnitOfWork, officer: Officer, now: datetime) -> None:
    """A designated officer as a contact (their name for the message; no phone: in-app), as the
    officers file says now: a renamed or moved officer is corrected by the next message."""
    await uow.contacts.replace(
        {
            "worker_id": officer.officer_id,
            "name": officer.name,
            "phone": None,
            "wilayah": officer.wilayah,
            "status": "active",
            "sequence": 0,
            "updated_at": now,
        }
    )
