"""Events the notifications service publishes on `<namespace>.notifications.events`.

What was sent to whom, through which channel, because of which event: ids and codes only, never
the message text or the phone number (DESIGN.md §3).
"""

from __future__ import annotations

from typing import ClassVar

from shared.contracts.catalog import CATALOG
from shared.contracts.envelope import Event


@CATALOG.register
class NotificationSent(Event):
    type: ClassVar[str] = "kesos.notifications.notification_sent.v1"
    subject_field: ClassVar[str] = "delivery_id"

    delivery_id: str
    recipient_id: str
    channel: str
    template: str
    cause_event_id: str
    attempts: int


@CATALOG.register
class NotificationFailed(Event):
    type: ClassVar[str] = "kesos.notifications.notification_failed.v1"
    subject_field: ClassVar[str] = "delivery_id"

    delivery_id: str
    recipient_id: str
    channel: str
    template: str
    cause_event_id: str
    attempts: int
    error: str
