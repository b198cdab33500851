"""From the cases stream to a message for the TKSK or the reporting PSM, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.case_notices import verify_by
from services.notifications.domain.templates import tanggal
from shared.contracts.cases import CaseAssigned, CaseVerified
from shared.messaging.streams import events_stream
from tests.notifications.integration.story import case_step, worker

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
ASSIGNED_TEXT = (
    "Yth. Rahmat Hidayat, ada kasus PMKS baru untuk Anda tangani di Desa Tungkap, Kecamatan "
    "Binuang, kategori Lanjut Usia Terlantar (LUT) (ref. 3f2a9c1e). Mohon lakukan verifikasi "
    f"dalam 7 hari, paling lambat {tanggal(verify_by(NOW))}."
)


async def test_an_assigned_case_reaches_its_tksk_once_the_contact_is_known(
    make_notifications, store_kind
):
    service = await make_notifications(store_kind)
    cause = await service.publish(case_step(CaseAssigned, at=NOW))  # before registry's worker event
    waiting = await service.delivery_of("w-rahmat", status="waiting_contact")

    await service.publish(worker("w-rahmat", "Rahmat Hidayat", "63.05.01", role="tksk"), sequence=1)
    sent = await service.delivery_of("w-rahmat")
    await service.redis.xadd(events_stream(service.namespace, "cases"), cause.to_fields())  # again
    await service.handled(3)

    assert (sent["delivery_id"], sent["template"]) == (waiting["delivery_id"], "case_assigned")
    assert sent["text"] == ASSIGNED_TEXT
    assert sent["cause_event_id"] == str(cause.id)
    assert len(await service.deliveries()) == 1
    assert len(service.exported()) == 1


async def test_the_reporting_psm_hears_of_verification_but_a_walk_in_report_tells_nobody(
    make_notifications,
):
    service = await make_notifications()
    await service.publish(worker("w-siti", "Siti Aminah"), sequence=1)
    walk_in = case_step(
        CaseVerified, case_id="c-walk-in", reported_by="op-1", reporter_role="operator", at=NOW
    )
    # History replayed on a first start: a step of long ago is not news for anyone.
    old = case_step(CaseVerified, case_id="c-old", at=NOW - timedelta(days=30))
    await service.publish(walk_in)
    await service.publish(old)
    await service.publish(case_step(CaseVerified, at=NOW))

    delivery = await service.delivery_of("w-siti", template="case_verified")
    await service.handled(4)

    assert delivery["text"].startswith("Yth. Siti Aminah, laporan PMKS Anda di Desa Tungkap,")
    assert [d["recipient_id"] for d in await service.deliveries()] == ["w-siti"]
