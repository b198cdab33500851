"""A channel carries a rendered message to its recipient (N-03: in-app, SMS, webhook, …)."""

from __future__ import annotations

from typing import Protocol

from services.notifications.domain.deliveries import Delivery


class Channel(Protocol):
    """`send` raises when the message did not go out; it is then retried with backoff.

    The delivery id is the idempotency key: a delivery may be sent again after a crash between
    sending and recording the outcome, and a channel must not repeat it to the recipient (pass
    the id to a gateway as its idempotency key, or check it as the export file does).
    """

    @property
    def name(self) -> str: ...

    async def send(self, delivery: Delivery, text: str) -> None: ...
