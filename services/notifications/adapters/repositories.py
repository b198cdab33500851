"""Contacts and deliveries in the service's own store."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.tables import case_assignees, contacts, deliveries
from services.notifications.domain.deliveries import Delivery, DeliveryStatus
from shared.persistence.dialects import insert_into
from shared.persistence.projection import upsert, upsert_if_newer

# The columns a Delivery is made of: everything but the store's own sort key.
DELIVERY_COLUMNS = [column for column in deliveries.c if column.name != "id"]


class ContactRepository:
    def __init__(self, session: AsyncSession):
        self._session = session

    async def project(self, values: dict[str, Any]) -> bool:
        """Keep the newest state of a worker; older or repeated events change nothing."""
        return await upsert_if_newer(self._session, contacts, values)

    async def replace(self, values: dict[str, Any]) -> None:
        """Whatever is stored (a contact that is no worker: its source is not an event)."""
        await upsert(self._session, contacts, values)

    async def known(self, worker_id: str) -> bool:
        query = select(exists().where(contacts.c.worker_id == worker_id))
        return bool(await self._session.scalar(query))


class CaseAssigneeRepository:
    def __init__(self, session: AsyncSession):
        self._session = session

    async def project(self, case_id: str, tksk_id: str, sequence: int) -> bool:
        values = {"case_id": case_id, "tksk_id": tksk_id, "sequence": sequence}
        return await upsert_if_newer(self._session, case_assignees, values)

    async def of(self, case_ids: list[str]) -> dict[str, str]:
        """The TKSK of each of the cases that has one, by case id."""
        query = select(case_assignees.c.case_id, case_assignees.c.tksk_id).where(
            case_assignees.c.case_id.in_(sorted(case_ids))
        )
        return {case_id: tksk_id for case_id, tksk_id in await self._session.execute(query)}


class DeliveryRepository:
    def __init__(self, session: AsyncSession):
        self._session = session

    async def add(self, delivery: Delivery) -> bool:
        """Insert unless this (cause, recipient, channel) already has its delivery."""
        statement = (
            insert_into(self._session, deliveries)
            .values(**_row_of(delivery))
            .on_conflict_do_nothing(index_elements=["cause_event_id", "recipient_id", "channel"])
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        return bool(result.rowcount)

    async def waiting_for(self, recipient_id: str) -> list[Delivery]:
        query = select(*DELIVERY_COLUMNS).where(
            deliveries.c.recipient_id == recipient_id,
            deliveries.c.status == DeliveryStatus.WAITING_CONTACT,
        )
        rows = (await self._session.execute(query)).mappings().all()
        return [_delivery_of(row) for row in rows]

    async def due(self, now: datetime, limit: int) -> list[tuple[Delivery, str]]:
        """Deliveries to attempt now, with the recipient's name, locked for this dispatcher.

        On PostgreSQL `SKIP LOCKED` lets replicas share the work without sending one twice;
        SQLite ignores it (one process is assumed there and its writers are serialised).
        A `waiting_contact` row whose contact exists is due too: its release raced with the
        contact's arrival in another transaction, and this repairs it.
        """
        due = or_(
            and_(
                deliveries.c.status == DeliveryStatus.PENDING,
                deliveries.c.next_attempt_at <= now,
            ),
            and_(deliveries.c.status == DeliveryStatus.SENDING, deliveries.c.lease_until <= now),
            deliveries.c.status == DeliveryStatus.WAITING_CONTACT,
        )
        query = (
            select(*DELIVERY_COLUMNS, contacts.c.name.label("contact_name"))
            .join(contacts, contacts.c.worker_id == deliveries.c.recipient_id)
            .where(due)
            .order_by(deliveries.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=deliveries)
        )
        rows = (await self._session.execute(query)).mappings().all()
        return [(_delivery_of(row), row["contact_name"]) for row in rows]

    async def save(self, delivery: Delivery, *, loaded_version: int) -> bool:
        """Write the delivery's new state unless someone changed it since it was loaded."""
        values = _row_of(delivery)
        for key in ("delivery_id", "cause_event_id", "recipient_id", "channel", "created_at"):
            values.pop(key)
        statement = (
            update(deliveries)
            .where(deliveries.c.delivery_id == delivery.delivery_id)
            .where(deliveries.c.version == loaded_version)
            .values(**values)
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        return bool(result.rowcount)


def _row_of(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.delivery_id,
        "cause_event_id": delivery.cause_event_id,
        "correlation_id": delivery.correlation_id,
        "recipient_id": delivery.recipient_id,
        "channel": delivery.channel,
        "template": delivery.template,
        "variables": json.dumps(delivery.variables, ensure_ascii=False, sort_keys=True),
        "status": str(delivery.status),
        "attempts": delivery.attempts,
        "version": delivery.version,
        "next_attempt_at": delivery.next_attempt_at,
        "lease_until": delivery.lease_until,
        "text": delivery.text,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "sent_at": delivery.sent_at,
    }


def _delivery_of(row: Any) -> Delivery:
    values = {column.name: row[column.name] for column in DELIVERY_COLUMNS}
    values["variables"] = json.loads(values["variables"])
    values["status"] = DeliveryStatus(values["status"])
    return Delivery(**values)
