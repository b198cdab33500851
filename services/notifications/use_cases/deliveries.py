"""Recording a delivery because an event happened to one of our recipients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from services.notifications.adapters.unit_of_work import NotificationsUnitOfWork
from services.notifications.domain.deliveries import Delivery, DeliveryStatus
from services.notifications.domain.templates import Template
from shared.contracts.envelope import Envelope

log = structlog.get_logger(__name__)


async def record_delivery(
    uow: NotificationsUnitOfWork,
    *,
    template: Template,
    recipient_id: str,
    channel: str,
    cause: Envelope,
    event_data: dict[str, Any],
    delivery_id: str,
    now: datetime,
) -> None:
    """One delivery per (cause event, recipient, channel): redelivery and replay add nothing.

    The template's variables are taken from the event now (a missing one fails the handler,
    loudly); the recipient's name is filled in when the message is sent.
    """
    delivery = Delivery.record(
        delivery_id=delivery_id,
        cause_event_id=str(cause.id),
        correlation_id=cause.correlationid,
        recipient_id=recipient_id,
        channel=channel,
        template=template.name,
        variables=template.variables_from(event_data),
        contact_known=await uow.contacts.known(recipient_id),
        now=now,
    )
    if not await uow.deliveries.add(delivery):
        log.info("delivery_already_recorded", recipient_id=recipient_id, template=template.name)
        return
    if delivery.status is DeliveryStatus.PENDING:
        uow.deliveries_ready = True  # several events share a batch: never reset it here
    log.info(
        "delivery_recorded",
        delivery_id=delivery_id,
        recipient_id=recipient_id,
        template=template.name,
        status=str(delivery.status),
    )
