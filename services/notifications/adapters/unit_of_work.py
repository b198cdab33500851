"""The notifications unit of work: one transaction over contacts, deliveries and the outbox."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.repositories import (
    CaseAssigneeRepository,
    ContactRepository,
    DeliveryRepository,
)
from shared.messaging.outbox import Outbox
from shared.persistence.unit_of_work import UnitOfWork


def _nobody() -> None:
    return None


class NotificationsUnitOfWork(UnitOfWork):
    """Rings `on_ready` after a commit that made deliveries ready to send.

    The chassis' `after_commit` hook fires only for commits that wrote outbox rows, and a
    handler recording a delivery writes none: so the unit of work rings the dispatcher itself.
    """

    def __init__(
        self, session: AsyncSession, outbox: Outbox, *, on_ready: Callable[[], None] = _nobody
    ):
        super().__init__(session, outbox)
        self.contacts = ContactRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.case_assignees = CaseAssigneeRepository(session)
        self.deliveries_ready = False
        self._on_ready = on_ready

    async def commit(self) -> None:
        await super().commit()
        if self.deliveries_ready:
            self.deliveries_ready = False
            self._on_ready()
