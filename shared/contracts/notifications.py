"""Events the notifications service publishes on `<namespace>.notifications.events`.

What was sent to whom, through which channel, because of which event: ids and codes only, never
the message text or the phone number (DESIGN.md §3).
"""

from __future__ import annotations

from typing import ClassVar

from shared.contracts.catalog import CATALOG
from shared.contracts.envelope import Event


class DeliveryOutcome(Event):
    """What became of one delivery (one message to one recipient through one channel)."""

    subject_field: ClassVar[str] = "delivery_id"

    delivery_id: str
    recipient_id: str
    channel: str
    template: str
    cause_event_id: str
    attempts: int


@CATALOG.register
class NotificationSent(DeliveryOutcome):
    type: ClassVar[str] = "kesos.notifications.notification_sent.v1"


@CATALOG.register
class NotificationFailed(DeliveryOutcome):
    type: ClassVar[str] = "kesos.notifications.notification_failed.v1"

    error: str
