"""From training's and registry's events to a message in Bahasa Indonesia, exactly once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from services.notifications.adapters.tables import deliveries
from shared.contracts.registry import WorkerRegisteredV1
from shared.messaging.streams import events_stream, retry_stream
from shared.persistence.engine import create_engine
from tests.notifications.integration.story import (
    PHONE,
    certified,
    enrolled,
    worker,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

ENROLMENT_TEXT = (
    "Yth. Siti Aminah, Anda terdaftar sebagai peserta Diklat Dasar PSM 2011 di Aula Kantor "
    "Dinsosduknaker Tapin, 24 Mei 2011 s.d. 27 Mei 2011."
)


async def test_an_enrolled_psm_is_sent_the_enrolment_message(make_notifications, store_kind):
    service = await make_notifications(store_kind)
    await service.publish(worker("w-siti", "Siti Aminah"), sequence=1)
    cause = await service.publish(enrolled("w-siti"))

    delivery = await service.delivery_of("w-siti")

    assert delivery["text"] == ENROLMENT_TEXT
    assert (delivery["template"], delivery["channel"], delivery["attempts"]) == (
        "enrolment", "in_app", 1,
    )  # fmt: skip
    assert delivery["cause_event_id"] == str(cause.id)
    [line] = service.exported()
    assert (line["delivery_id"], line["text"]) == (delivery["delivery_id"], ENROLMENT_TEXT)
    assert PHONE not in service.export_file.read_text("utf-8")


async def test_sent_is_published_as_an_event_caused_by_the_enrolment(make_notifications):
    service = await make_notifications()
    await service.publish(worker("w-siti", "Siti Aminah"), sequence=1)
    cause = await service.publish(enrolled("w-siti"))
    delivery = await service.delivery_of("w-siti")

    [sent] = await eventually(service.published, message="NotificationSent on the stream")

    assert sent.type == "kesos.notifications.notification_sent.v1"
    assert sent.data == {
        "delivery_id": delivery["delivery_id"],
        "recipient_id": "w-siti",
        "channel": "in_app",
        "template": "enrolment",
        "cause_event_id": str(cause.id),
        "attempts": 1,
    }
    assert (sent.causationid, sent.correlationid) == (str(cause.id), cause.correlationid)
    assert PHONE not in str(sent.data)


async def test_the_certificate_message_gives_the_number(make_notifications):
    service = await make_notifications()
    await service.publish(worker("w-siti", "Siti Aminah"), sequence=1)
    await service.publish(certified("w-siti", "463/PSM/2011/007"))

    delivery = await service.delivery_of("w-siti", template="certificate")

    assert delivery["text"] == (
        "Selamat Siti Aminah, Anda dinyatakan lulus Diklat Dasar PSM 2011. "
        "Nomor sertifikat Anda: 463/PSM/2011/007."
    )


async def test_the_same_event_twice_makes_one_delivery_and_one_line(make_notifications, store_kind):
    service = await make_notifications(store_kind)
    await service.publish(worker("w-siti", "Siti Aminah"), sequence=1)
    cause = await service.publish(enrolled("w-siti"))
    await service.delivery_of("w-siti")
    fields = cause.to_fields()
    await service.redis.xadd(events_stream(service.namespace, "training"), fields)  # again
    await service.redis.xadd(retry_stream(service.namespace, "notifications"), fields)  # replay
    await service.handled(4)

    assert len(await service.deliveries()) == 1
    assert len(service.exported()) == 1
    assert len(await service.published()) == 1


async def test_an_enrolment_before_the_contact_waits_then_is_sent(make_notifications, store_kind):
    service = await make_notifications(store_kind)
    await service.publish(enrolled("w-siti"))
    waiting = await service.delivery_of("w-siti", status="waiting_contact")
    assert (waiting["text"], waiting["attempts"]) == (None, 0)
    assert service.exported() == []

    await service.publish(worker("w-siti", "Siti Aminah"), sequence=1)

    sent = await service.delivery_of("w-siti")
    assert sent["delivery_id"] == waiting["delivery_id"]
    assert sent["text"] == ENROLMENT_TEXT


async def test_the_newest_worker_state_names_the_recipient_whatever_the_order(
    make_notifications,
):
    service = await make_notifications()
    await service.publish(worker("w-siti", "Siti Aminah"), sequence=2)
    await service.publish(worker("w-siti", "Siti (lama)"), sequence=1)  # older, arrives late
    await service.handled(2)
    await service.publish(enrolled("w-siti"))

    delivery = await service.delivery_of("w-siti")

    assert delivery["text"].startswith("Yth. Siti Aminah,")


async def test_a_delivery_recovered_after_a_crash_mid_send_is_not_exported_twice(
    make_notifications,
):
    service = await make_notifications()
    await service.publish(worker("w-siti", "Siti Aminah"), sequence=1)
    await service.publish(enrolled("w-siti"))
    sent = await service.delivery_of("w-siti")
    # As if the process died after appending the line and before recording `sent`: the row
    # is left `sending` with the lease of the attempt that ran out.
    engine = create_engine(service.store_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(deliveries)
                .where(deliveries.c.delivery_id == sent["delivery_id"])
                .values(status="sending", sent_at=None, lease_until=deliveries.c.created_at)
            )
    finally:
        await engine.dispose()

    retried = await service.delivery_of("w-siti")  # claimed again once the lease ran out

    assert retried["attempts"] == 2
    assert len(service.exported()) == 1


async def test_a_contact_in_an_older_v1_worker_event_still_reaches_the_worker(make_notifications):
    # Before docs/adr/0005 the registry's public worker events carried the name and phone.
    service = await make_notifications()
    contact = worker("w-siti", "Siti Aminah").model_dump()
    legacy = WorkerRegisteredV1(**contact, sex="P", birth_date=date(1985, 3, 12))
    await service.publish(legacy, sequence=1)
    await service.publish(enrolled("w-siti"))

    delivery = await service.delivery_of("w-siti")
    assert delivery["text"] == ENROLMENT_TEXT
