"""Taking due deliveries for an attempt, and recording how the attempt went.

An attempt is two transactions around the channel call: `claim_due` marks the deliveries
`sending` (attempt counted, text kept, lease taken) and commits before anything leaves the
service; `settle` records the outcome and its event in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from services.notifications.adapters.unit_of_work import NotificationsUnitOfWork
from services.notifications.domain.deliveries import Delivery, DeliveryStatus, RetryPolicy
from services.notifications.domain.templates import InvalidTemplate, MissingVariable, TemplateBook
from shared.contracts.notifications import NotificationFailed, NotificationSent
from shared.messaging.context import flow

log = structlog.get_logger(__name__)


async def claim_due(
    uow: NotificationsUnitOfWork,
    book: TemplateBook,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    policy: RetryPolicy,
) -> list[Delivery]:
    """Render and claim up to `limit` due deliveries; the ones claimed are to be sent now."""
    claimed: list[Delivery] = []
    for delivery, name in await uow.deliveries.due(now, limit):
        loaded = delivery.version
        if delivery.status is DeliveryStatus.WAITING_CONTACT:
            delivery.contact_arrived(now)
        try:
            text = book[delivery.template].render({**delivery.variables, "name": name})
        except (MissingVariable, InvalidTemplate) as error:
            # Retrying cannot fill a missing variable: fail it now rather than send "{name}".
            delivery.claim(now, lease)
            delivery.fail(str(error), now, policy, permanent=True)
            await _save(uow, delivery, loaded)
        else:
            delivery.claim(now, lease, text)
            if await uow.deliveries.save(delivery, loaded_version=loaded):
                claimed.append(delivery)
    return claimed


async def settle(
    uow: NotificationsUnitOfWork,
    delivery: Delivery,
    error: str | None,
    *,
    now: datetime,
    policy: RetryPolicy,
) -> None:
    """Record the attempt's outcome; a final one publishes its event in the same transaction."""
    loaded = delivery.version
    if error is None:
        delivery.succeed(now)
    else:
        delivery.fail(error, now, policy)
    await _save(uow, delivery, loaded)


async def _save(uow: NotificationsUnitOfWork, delivery: Delivery, loaded: int) -> None:
    if not await uow.deliveries.save(delivery, loaded_version=loaded):
        # Its lease ran out and another dispatcher took it over: that one records the outcome.
        log.warning("delivery_outcome_stale", delivery_id=delivery.delivery_id)
        return
    with flow(
        delivery.correlation_id or delivery.cause_event_id,
        delivery.cause_event_id,
        delivery_id=delivery.delivery_id,
    ):
        _publish_outcome(uow, delivery)


def _publish_outcome(uow: NotificationsUnitOfWork, delivery: Delivery) -> None:
    facts = {
        "delivery_id": delivery.delivery_id,
        "recipient_id": delivery.recipient_id,
        "channel": delivery.channel,
        "template": delivery.template,
        "cause_event_id": delivery.cause_event_id,
        "attempts": delivery.attempts,
    }
    if delivery.status is DeliveryStatus.SENT:
        uow.outbox.add(NotificationSent(**facts), sequence=delivery.version)
        log.info("notification_sent", **facts)
    elif delivery.status is DeliveryStatus.FAILED:
        error = delivery.last_error or "unknown"
        uow.outbox.add(NotificationFailed(**facts, error=error), sequence=delivery.version)
        log.warning("notification_failed", **facts, error=error)
    else:
        log.info("notification_retry_scheduled", **facts, next_attempt_at=delivery.next_attempt_at)
