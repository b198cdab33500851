"""From a case's deadline to the messages: the worker its step waits on is reminded and told it
is overdue; an escalation and a closure, assessment or plan awaiting approval reach the Dinas's
operators covering the case (`NOTIFICATIONS_OPERATORS_FILE`), each once; a declined referral
goes back to the TKSK."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from shared.contracts.cases import (
    CaseAssessed,
    CaseClosureRequested,
    CaseEscalated,
    CaseOverdue,
    CasePlanned,
    CaseReferralDeclined,
)
from shared.messaging.streams import events_stream
from tests.notifications.integration.story import TUNGKAP, case_step, worker
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)
DUE = date(2026, 3, 27)


def operators_file(tmp_path: Path) -> Path:
    path = tmp_path / "operators.json"
    path.write_text(json.dumps([
        {"operator_id": "op-tapin", "name": "Hj. Rusmini", "wilayah": "63.05"},
        {"operator_id": "op-banjar", "name": "Fahrurrazi", "wilayah": "63.03"},
    ]))  # fmt: skip
    return path


def overdue(kind: type = CaseOverdue, **changes) -> CaseOverdue:
    values = dict(
        case_id="3f2a9c1e-7b4d-4e21-9a0c-5d6e7f809a1b", set_by=2, step="verify",
        awaiting_role="tksk", awaiting_id="w-rahmat", desa=TUNGKAP, kecamatan=TUNGKAP[:8],
        due_day=DUE, due_at=datetime(2026, 3, 27, 16, 0, tzinfo=UTC), working_days_late=2,
    )  # fmt: skip
    return kind(**{**values, **changes})


async def test_the_tksk_hears_of_an_overdue_step_and_the_operators_of_its_escalation(
    make_notifications, store_kind, tmp_path
):
    service = await make_notifications(store_kind, operators_file=operators_file(tmp_path))
    await service.publish(worker("w-rahmat", "Rahmat Hidayat", "63.05.01", role="tksk"), sequence=1)
    late = await service.publish(overdue())
    await service.publish(overdue(CaseEscalated))
    stream = events_stream(service.namespace, "cases")
    await service.redis.xadd(stream, late.to_fields())  # type: ignore[arg-type]  # again

    told = await service.delivery_of("w-rahmat", template="case_overdue")
    assert told["text"].startswith("Yth. Rahmat Hidayat, batas waktu verifikasi kasus PMKS di ")
    escalated = await service.delivery_of("op-tapin", template="case_escalated")
    assert "oleh TKSK terlambat 2 hari kerja dari batas 27 Maret 2026" in escalated["text"]
    assert escalated["text"].startswith("Yth. Hj. Rusmini, ")
    await service.handled(4)
    deliveries = await service.deliveries()
    assert sorted((d["recipient_id"], d["template"]) for d in deliveries) == [
        ("op-tapin", "case_escalated"), ("w-rahmat", "case_overdue"),
    ]  # fmt: skip


async def test_a_closure_awaiting_approval_reaches_the_operators(make_notifications, tmp_path):
    service = await make_notifications(operators_file=operators_file(tmp_path))
    requested = case_step(
        CaseClosureRequested, status="closure_requested", action="request_closure",
        actor_id="w-rahmat", actor_role="tksk", at=NOW, reason_code="tertangani",
        next_step="approve_closure", due_day=NOW.date() + timedelta(days=7),
    )  # fmt: skip
    await service.publish(requested)
    delivery = await service.delivery_of("op-tapin", template="closure_requested")
    assert "TKSK mengajukan penutupan kasus PMKS di Desa Tungkap" in delivery["text"]
    assert "karena kebutuhannya telah tertangani" in delivery["text"]


async def test_a_plan_awaiting_approval_reaches_the_operators_and_an_approved_one_does_not(
    make_notifications, store_kind, tmp_path
):
    service = await make_notifications(store_kind, operators_file=operators_file(tmp_path))
    due = NOW.date() + timedelta(days=5)
    reviewed = case_step(
        CasePlanned, status="plan_review", action="plan", actor_id="w-rahmat",
        actor_role="tksk", at=NOW, next_step="approve_plan", due_day=due,
    )  # fmt: skip
    planned = case_step(
        CasePlanned, case_id="5b1d0c2e-0000-4e21-9a0c-5d6e7f809a1b", status="planned",
        action="plan", actor_id="w-rahmat", actor_role="tksk", at=NOW, next_step="refer",
        due_day=due,
    )  # fmt: skip
    assessed = case_step(
        CaseAssessed, status="assessment_review", action="assess", actor_id="w-rahmat",
        actor_role="tksk", at=NOW, next_step="approve_assessment", due_day=due,
    )  # fmt: skip
    for step in (reviewed, planned, assessed):
        await service.publish(step)
    await service.handled(3)

    async def both_sent() -> list[dict] | None:
        sent = await service.deliveries(status="sent")
        return sent if len(sent) == 2 else None

    deliveries = await eventually(both_sent, message="two approval requests sent")
    assert sorted((d["recipient_id"], d["template"]) for d in deliveries) == [
        ("op-tapin", "approval_requested"), ("op-tapin", "approval_requested"),
    ]  # fmt: skip
    assert len(await service.deliveries()) == 2  # none for the plan approved without review
    texts = sorted(d["text"] for d in deliveries)
    assert "TKSK mengajukan hasil asesmen kasus PMKS di Desa Tungkap" in texts[0]
    assert "TKSK mengajukan rencana tindak lanjut kasus PMKS di Desa Tungkap" in texts[1]


async def test_a_declined_referral_goes_back_to_the_assigned_tksk(make_notifications, tmp_path):
    service = await make_notifications(operators_file=operators_file(tmp_path))
    await service.publish(worker("w-rahmat", "Rahmat Hidayat", "63.05.01", role="tksk"), sequence=1)
    declined = case_step(
        CaseReferralDeclined, status="planned", action="decline_referral",
        actor_id="panti-budi", actor_role="integration", at=NOW, reason_code="kapasitas_penuh",
        next_step="refer", due_day=date(2026, 12, 15), referral_id="r-1",
        institution_id="panti-budi", referral_status="declined",
    )  # fmt: skip
    await service.publish(declined)
    told = await service.delivery_of("w-rahmat", template="referral_declined")
    assert told["text"].startswith("Yth. Rahmat Hidayat, rujukan kasus PMKS di Desa Tungkap")
    assert "ditolak oleh lembaga penerima karena kapasitasnya penuh" in told["text"]
    assert "paling lambat 15 Desember 2026" in told["text"]
