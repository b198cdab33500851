"""A channel that fails is retried with backoff, then given up on — and holds nobody else up."""

from __future__ import annotations

from collections import Counter

import pytest

from services.notifications.domain.deliveries import Delivery
from tests.notifications.integration.story import PHONE, enrolled, worker
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


class FlakyChannel:
    """Fails the first `failures[recipient]` attempts for a recipient, then delivers."""

    name = "in_app"

    def __init__(self, failures: dict[str, int]):
        self.failures = failures
        self.attempts: Counter[str] = Counter()
        self.delivered: list[str] = []

    async def send(self, delivery: Delivery, text: str) -> None:
        self.attempts[delivery.recipient_id] += 1
        if self.attempts[delivery.recipient_id] <= self.failures.get(delivery.recipient_id, 0):
            raise ConnectionError(f"gateway refused {PHONE}")  # errors may hold personal data
        self.delivered.append(delivery.recipient_id)


async def test_a_failing_delivery_fails_after_its_attempts_while_others_go_out(
    make_notifications,
):
    channel = FlakyChannel({"w-broken": 1000})
    service = await make_notifications(
        channel=channel, max_attempts=3, backoff_base_s=1.0, backoff_max_s=2.0
    )
    for worker_id in ("w-broken", "w-ok-1", "w-ok-2"):
        await service.publish(worker(worker_id, "Siti Aminah"), sequence=1)
    for worker_id in ("w-broken", "w-ok-1", "w-ok-2"):
        await service.publish(enrolled(worker_id))

    for worker_id in ("w-ok-1", "w-ok-2"):
        await service.delivery_of(worker_id)
    still_trying = (await service.deliveries(recipient_id="w-broken"))[0]
    assert still_trying["status"] in ("pending", "sending")  # backing off, not in the way

    failed = await service.delivery_of("w-broken", status="failed")
    assert failed["attempts"] == 3
    assert channel.attempts["w-broken"] == 3
    assert PHONE not in failed["last_error"]
    published = await eventually(
        lambda: _when_count(service.published(), 3), message="two sent, one failed"
    )
    [failure] = [e for e in published if e.type.endswith("notification_failed.v1")]
    assert failure.data["delivery_id"] == failed["delivery_id"]
    assert failure.data["attempts"] == 3
    assert "ConnectionError" in failure.data["error"]
    assert PHONE not in failure.data["error"]


async def test_a_delivery_that_fails_twice_is_sent_on_the_third_attempt(make_notifications):
    channel = FlakyChannel({"w-siti": 2})
    service = await make_notifications(channel=channel, max_attempts=3)
    await service.publish(worker("w-siti", "Siti Aminah"), sequence=1)
    await service.publish(enrolled("w-siti"))

    delivery = await service.delivery_of("w-siti")

    assert delivery["attempts"] == 3
    assert channel.delivered == ["w-siti"]
    [sent] = await eventually(service.published, message="NotificationSent")
    assert (sent.type, sent.data["attempts"]) == ("kesos.notifications.notification_sent.v1", 3)


async def _when_count(items, expected: int):
    found = await items
    return found if len(found) >= expected else None
