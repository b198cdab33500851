"""The dispatcher: the service's background loop that sends due deliveries through the channel.

It wakes when a commit made deliveries ready (the doorbell) and otherwise polls every
`poll_s` for retries whose backoff is over and for leases that ran out. A failing delivery goes
back to `pending` with a later `next_attempt_at`, so it never holds up the others; sends within a
batch run concurrently, each bounded by `send_timeout_s`.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import timedelta

import structlog

from services.notifications.adapters.unit_of_work import NotificationsUnitOfWork
from services.notifications.domain.channels import Channel
from services.notifications.domain.deliveries import Delivery
from services.notifications.domain.templates import TemplateBook
from services.notifications.settings import DispatcherSettings
from services.notifications.use_cases.dispatch import claim_due, settle
from shared.messaging.outbox import Clock, utcnow
from shared.observability.masking import mask_text
from shared.persistence.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)

MAX_ERROR_CHARS = 500
FAILURE_PAUSE_S = 5.0  # the store is down: don't spin


class Doorbell:
    """Rung after a commit that made deliveries ready; the dispatcher waits on it."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout_s: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout_s)


class Dispatcher:
    def __init__(
        self,
        uows: UnitOfWorkFactory[NotificationsUnitOfWork],
        channel: Channel,
        book: TemplateBook,
        settings: DispatcherSettings,
        doorbell: Doorbell,
        clock: Clock = utcnow,
    ):
        self._uows = uows
        self._channel = channel
        self._book = book
        self._settings = settings
        self._policy = settings.retry_policy()
        self._doorbell = doorbell
        self._clock = clock
        self._stopping = False

    async def run(self) -> None:
        log.info("dispatcher_started", channel=self._channel.name)
        while not self._stopping:
            self._doorbell.clear()  # before the round: a ring during it is not lost
            try:
                more = await self.dispatch_once()
            except Exception as error:
                log.error("dispatch_failed", error=mask_text(repr(error)))
                await self._doorbell.wait(FAILURE_PAUSE_S)
                continue
            if not more:
                await self._doorbell.wait(self._settings.poll_s)
        log.info("dispatcher_stopped")

    def stop(self) -> None:
        """The round in flight finishes; a send cut short stays `sending` until its lease ends."""
        self._stopping = True
        self._doorbell.ring()

    async def dispatch_once(self) -> bool:
        """One round: claim, send, settle. Whether a full batch was claimed (more may wait)."""
        async with self._uows() as uow:
            claimed = await claim_due(
                uow,
                self._book,
                now=self._clock(),
                limit=self._settings.batch_size,
                lease=timedelta(seconds=self._settings.lease_s),
                policy=self._policy,
            )
            await uow.commit()
        if not claimed:
            return False
        errors = await asyncio.gather(*(self._send(delivery) for delivery in claimed))
        async with self._uows() as uow:
            for delivery, error in zip(claimed, errors, strict=True):
                await settle(uow, delivery, error, now=self._clock(), policy=self._policy)
            await uow.commit()
        return len(claimed) >= self._settings.batch_size

    async def _send(self, delivery: Delivery) -> str | None:
        """The error text of a failed attempt (masked: it ends up in events and logs)."""
        assert delivery.text is not None  # claimed deliveries carry their rendered text
        try:
            await asyncio.wait_for(
                self._channel.send(delivery, delivery.text), self._settings.send_timeout_s
            )
        except Exception as error:
            text = mask_text(repr(error))[:MAX_ERROR_CHARS]
            log.warning("delivery_attempt_failed", delivery_id=delivery.delivery_id, error=text)
            return text
        return None
