"""From the cases stream to a message for the TKSK or the reporting PSM, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.case_notices import verify_by
from services.notifications.domain.templates import tanggal
from shared.contracts.cases import CaseAssigned, CaseVerified
from shared.contracts.registry import PersonMerged
from shared.messaging.streams import events_stream
from tests.notifications.integration.story import TUNGKAP, case_step, worker

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
ASSIGNED_TEXT = (
    "Yth. Rahmat Hidayat, ada kasus PMKS baru untuk Anda tangani di Desa Tungkap, Kecamatan "
    "Binuang, kategori Lanjut Usia Terlantar (LUT) (ref. 3f2a9c1e). Mohon lakukan verifikasi "
    f"paling lambat {tanggal(verify_by(NOW))}."
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


async def test_a_merge_of_two_persons_tells_the_tksk_of_their_cases_once(make_notifications):
    """The registry found two records to be one person: the TKSK of their cases hears that two
    of them may be one report made twice; a merge touching one case tells nobody."""
    service = await make_notifications()
    await service.publish(worker("w-rahmat", "Rahmat Hidayat", "63.05.01", role="tksk"), sequence=1)
    first, second = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
    for case_id in (first, second):  # old steps: no assignment notice, but whom they wait on
        await service.publish(
            case_step(CaseAssigned, case_id=case_id, at=NOW - timedelta(days=30)), sequence=1
        )
    lone = PersonMerged(
        person_id="p-3", into="p-4", desa=TUNGKAP, kecamatan="63.05.01", cases=(first,)
    )
    merged = PersonMerged(
        person_id="p-1", into="p-2", desa=TUNGKAP, kecamatan="63.05.01", cases=(first, second)
    )
    await service.publish(lone, sequence=2)
    cause = await service.publish(merged, sequence=2)
    await service.redis.xadd(events_stream(service.namespace, "registry"), cause.to_fields())

    delivery = await service.delivery_of("w-rahmat", template="person_merged")
    await service.handled(6)
    assert delivery["text"] == (
        "Yth. Rahmat Hidayat, Dinas Sosial menemukan data ganda: kasus PMKS aaaaaaaa, bbbbbbbb "
        "ternyata tercatat atas orang yang sama, dan datanya telah digabung. Mohon periksa kasus "
        "tersebut di aplikasi Kesos; bila laporannya ganda, usulkan penutupan dengan alasan "
        "duplikat."
    )
    assert [d["template"] for d in await service.deliveries()] == ["person_merged"]
