"""Stream consumers: registry's worker events feed contacts; training's events make deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from services.notifications.domain.templates import Template, TemplateBook
from services.notifications.use_cases.contacts import project_contact
from services.notifications.use_cases.deliveries import record_delivery
from shared.contracts.registry import WORKER_EVENTS, WorkerState
from shared.contracts.training import CertificateIssued, ParticipantEnrolled
from shared.messaging.runner import Handler, HandlerContext

ENROLMENT = "enrolment"
CERTIFICATE = "certificate"


async def on_worker_event(event: WorkerState, context: HandlerContext) -> None:
    # An event without a sequence can only create the contact, never overwrite a newer one.
    await project_contact(context.uow, event, context.envelope.sequence or 0, context.now)


def notice(template: Template, channel: str) -> Callable[[Any, HandlerContext], Awaitable[None]]:
    """A handler telling the event's worker about it with `template`."""

    async def apply(
        event: ParticipantEnrolled | CertificateIssued, context: HandlerContext
    ) -> None:
        await record_delivery(
            context.uow,
            template=template,
            recipient_id=event.worker_id,
            channel=channel,
            cause=context.envelope,
            event_data=event.model_dump(mode="json"),
            delivery_id=str(uuid.uuid4()),
            now=context.now,
        )

    return apply


def consumer_handlers(book: TemplateBook, channel: str) -> list[Handler]:
    """Handler names are the inbox keys: stable, never a replica's name."""
    book.require(ENROLMENT, CERTIFICATE)  # a missing template stops start-up, not a batch
    return [
        *(Handler("notifications.contacts", event, on_worker_event) for event in WORKER_EVENTS),
        Handler("notifications.enrolment", ParticipantEnrolled, notice(book[ENROLMENT], channel)),
        Handler("notifications.certificate", CertificateIssued, notice(book[CERTIFICATE], channel)),
    ]
