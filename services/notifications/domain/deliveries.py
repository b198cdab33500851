"""A delivery: one message to one recipient through one channel, because of one event.

    waiting_contact ──contact arrives──▶ pending ──claim──▶ sending ──▶ sent
                                            ▲                  │
                                            └──retry (backoff)─┤
                                                               └──▶ failed (attempts used up)

The row is written before anything leaves the service (DESIGN.md §4): `sending` records the
attempt and holds a lease, so a process that dies mid-send leaves the delivery to be claimed
again once the lease runs out — the channel then recognises the delivery id and does not repeat
what already went out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class DeliveryStatus(StrEnum):
    WAITING_CONTACT = "waiting_contact"
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class InvalidTransition(Exception):
    """A delivery was asked to move in a way its state machine does not allow."""

    def __init__(self, delivery_id: str, status: DeliveryStatus, action: str):
        super().__init__(f"delivery {delivery_id} is {status}: cannot {action}")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff, capped: a gateway that is down is not hammered, nor forgotten."""

    max_attempts: int = 5
    base_delay_s: float = 2.0
    max_delay_s: float = 300.0

    def delay_after(self, attempt: int) -> timedelta:
        """The wait before attempt `attempt + 1`: base, 2×base, 4×base, … up to the cap."""
        return timedelta(seconds=min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))

    def gives_up_after(self, attempt: int) -> bool:
        return attempt >= self.max_attempts


@dataclass
class Delivery:
    delivery_id: str
    cause_event_id: str
    recipient_id: str
    channel: str
    template: str
    variables: dict[str, str]
    status: DeliveryStatus
    created_at: datetime
    correlation_id: str | None = None
    attempts: int = 0
    version: int = 1  # bumped on every change: the optimistic lock of the dispatcher's writes
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    text: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = field(default=None)

    @classmethod
    def record(
        cls,
        *,
        delivery_id: str,
        cause_event_id: str,
        recipient_id: str,
        channel: str,
        template: str,
        variables: dict[str, str],
        contact_known: bool,
        now: datetime,
        correlation_id: str | None = None,
    ) -> Delivery:
        """Streams are not in step: without a contact the delivery waits instead of failing."""
        status = DeliveryStatus.PENDING if contact_known else DeliveryStatus.WAITING_CONTACT
        return cls(
            delivery_id, cause_event_id, recipient_id, channel, template, variables, status, now,
            correlation_id, next_attempt_at=now if contact_known else None,
        )  # fmt: skip

    @property
    def finished(self) -> bool:
        return self.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED)

    def is_due(self, now: datetime) -> bool:
        """Pending and its backoff is over, or `sending` whose sender went silent past the lease."""
        if self.status is DeliveryStatus.PENDING:
            return self.next_attempt_at is None or self.next_attempt_at <= now
        if self.status is DeliveryStatus.SENDING:
            return self.lease_until is not None and self.lease_until <= now
        return False

    def contact_arrived(self, now: datetime) -> None:
        self._require(self.status is DeliveryStatus.WAITING_CONTACT, "release")
        self._move(DeliveryStatus.PENDING)
        self.next_attempt_at = now

    def claim(self, now: datetime, lease: timedelta, text: str | None = None) -> None:
        """Start one attempt: it is counted (and the text kept) before the channel is called."""
        self._require(self.is_due(now), "claim")
        self.attempts += 1
        self.text = text
        self.lease_until = now + lease
        self._move(DeliveryStatus.SENDING)

    def succeed(self, now: datetime) -> None:
        self._require(self.status is DeliveryStatus.SENDING, "mark sent")
        self.sent_at = now
        self.lease_until = self.next_attempt_at = None
        self.last_error = None
        self._move(DeliveryStatus.SENT)

    def fail(
        self, error: str, now: datetime, policy: RetryPolicy, *, permanent: bool = False
    ) -> None:
        """Retry later with backoff, or give up when attempts are used up (or retrying can't
        help, e.g. the template cannot be rendered)."""
        self._require(self.status is DeliveryStatus.SENDING, "mark failed")
        self.last_error = error
        self.lease_until = None
        if permanent or policy.gives_up_after(self.attempts):
            self.next_attempt_at = None  # nothing is planned any more
            self._move(DeliveryStatus.FAILED)
            return
        self.next_attempt_at = now + policy.delay_after(self.attempts)
        self._move(DeliveryStatus.PENDING)

    def _require(self, allowed: bool, action: str) -> None:
        if not allowed:
            raise InvalidTransition(self.delivery_id, self.status, action)

    def _move(self, status: DeliveryStatus) -> None:
        self.status = status
        self.version += 1
