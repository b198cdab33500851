"""A diklat starting tomorrow: each participant is reminded, once; after the start, nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.contracts.training import BatchStarting
from shared.reference.calendar import wita_day
from tests.notifications.integration.story import worker

pytestmark = pytest.mark.integration


def starting(batch_id: str, days_from_now: int) -> BatchStarting:
    starts_on = wita_day(datetime.now(UTC)) + timedelta(days=days_from_now)
    return BatchStarting(
        batch_id=batch_id, tier="dasar", batch_title="Diklat Dasar PSM", starts_on=starts_on,
        ends_on=starts_on + timedelta(days=3), venue="Aula Dinsos Tapin",
        participants=("w-siti", "w-ani"),
    )  # fmt: skip


async def test_each_participant_is_reminded_of_tomorrows_diklat(make_notifications, store_kind):
    service = await make_notifications(store_kind)
    for worker_id, name in (("w-siti", "Siti Aminah"), ("w-ani", "Ani")):
        await service.publish(worker(worker_id, name), sequence=1)
    await service.publish(starting("b-1", 1))
    await service.publish(starting("b-old", -1))  # started yesterday: too late to remind
    siti = await service.delivery_of("w-siti", template="diklat_reminder")
    assert siti["text"].startswith("Yth. Siti Aminah, pengingat: Diklat Dasar PSM dimulai ")
    assert siti["text"].endswith("di Aula Dinsos Tapin. Mohon hadir tepat waktu.")
    await service.delivery_of("w-ani", template="diklat_reminder")
    await service.handled(4)
    assert len(await service.deliveries()) == 2
