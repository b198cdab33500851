"""The demo's case path (DOMAIN.md §6 step 5) through the HTTP API, to closure."""

from __future__ import annotations

import json

from tests.cases.integration.conftest import NAME, NIK, TUNGKAP, Cases, bearer, psm, tksk

CLOSED_PATH = [
    "kesos.cases.case_reported.v1",
    "kesos.cases.case_assigned.v1",
    "kesos.cases.case_verified.v1",
    "kesos.cases.case_follow_up_recorded.v1",
    "kesos.cases.case_assessed.v1",
    "kesos.cases.case_planned.v1",
    "kesos.cases.case_plan_approved.v1",
    "kesos.cases.case_referred.v1",
    "kesos.cases.case_monitoring_started.v1",
    "kesos.cases.case_closure_requested.v1",
    "kesos.cases.case_closed.v1",
]


async def _walk_to_closed(app: Cases, psm_id: str, tksk_id: str) -> str:
    case_id = (await app.report(psm(psm_id)))["case_id"]
    officer = tksk(tksk_id)
    await app.ok(case_id, "verify", officer)
    note = {"note": f"Kunjungan: {NAME} tinggal sendiri, NIK {NIK}"}
    await app.ok(case_id, "follow-ups", psm(psm_id), note)
    await app.ok(case_id, "assess", officer, {"risk_level": "high", "needs": ["perawatan"]})
    await app.plan(case_id, officer)
    referral = {"service": "Puskesmas Binuang", "consent": True}
    referred = await app.ok(case_id, "refer", officer, referral)
    assert referred["referrals"][0]["service"] == "Puskesmas Binuang"
    await app.ok(case_id, "start-monitoring", officer)
    closure = {"reason": "tertangani", "note": f"{NAME} sudah dirawat"}
    await app.ok(case_id, "request-closure", officer, closure)
    closed = await app.ok(case_id, "approve-closure", bearer())
    assert closed["status"] == "closed"
    assert closed["closure_reason"] == "tertangani"
    return case_id


async def test_the_demo_case_goes_from_report_to_closed(make_cases, store_kind) -> None:
    app: Cases = await make_cases(store_kind)
    tksk_id = await app.active_tksk()

    case_id = await _walk_to_closed(app, "psm-tungkap", tksk_id)

    events = await app.events(len(CLOSED_PATH), case_id)
    assert [e.type for e in events] == CLOSED_PATH
    assert [e.sequence for e in events] == list(range(1, len(CLOSED_PATH) + 1))
    assert events[-1].data["reason_code"] == "tertangani"
    assert events[-1].data["status"] == "closed"
    assert events[2].data["actor_id"] == tksk_id


async def test_only_the_restricted_intake_stream_carries_the_typed_in_person(
    cases_app: Cases,
) -> None:
    """ADR 0005: the registry gets the typed-in person on `<ns>.cases.intake`; no event on the
    public stream has it, nor any note or free text."""
    tksk_id = await cases_app.active_tksk()
    case_id = await _walk_to_closed(cases_app, "psm-tungkap", tksk_id)
    await cases_app.events(len(CLOSED_PATH), case_id)

    [intake] = [e for _, e in await cases_app.entries("intake") if e.type.endswith("reported.v1")]
    assert intake.type == "kesos.cases.person_reported.v1" and intake.subject == case_id
    assert intake.data["person"] == {
        "nik": NIK, "name": NAME, "sex": "P", "birth_date": "1940-06-05"
    }  # fmt: skip
    entries = await cases_app.entries()
    assert {e.data["reporter_role"] for _, e in entries} == {"psm"}
    for fields, _ in entries:
        text = json.dumps(fields)
        assert NIK not in text
        assert NAME not in text
        assert "1940-06-05" not in text
        assert "Kunjungan" not in text


async def test_the_timeline_keeps_every_step_with_its_free_text(cases_app: Cases) -> None:
    tksk_id = await cases_app.active_tksk()
    case_id = await _walk_to_closed(cases_app, "psm-tungkap", tksk_id)

    seen = (await cases_app.get(case_id, bearer())).json()

    timeline = seen["timeline"]
    assert [step["sequence"] for step in timeline] == list(range(1, len(CLOSED_PATH) + 1))
    assert [step["action"] for step in timeline][:3] == ["report", "assign", "verify"]
    assert "Kunjungan" in timeline[3]["details"]["note"]
    assert timeline[-2]["reason"] == "tertangani"
    assert seen["person"]["nik"] == NIK  # the Dinas sees the full NIK


async def test_a_returned_case_is_resubmitted_and_a_closed_one_reopened(cases_app: Cases) -> None:
    tksk_id = await cases_app.active_tksk()
    case = await cases_app.report(psm("psm-tungkap"))
    case_id = case["case_id"]

    returned = await cases_app.ok(
        case_id, "return", tksk(tksk_id), {"reason": "alamat kurang jelas"}
    )
    assert returned["status"] == "returned"
    resubmitted = await cases_app.ok(
        case_id, "resubmit", psm("psm-tungkap"), {"description": "RT 03, dekat masjid"}
    )
    assert resubmitted["status"] == "in_verification"
    assert resubmitted["description"] == "RT 03, dekat masjid"
    rejected = await cases_app.ok(case_id, "reject", tksk(tksk_id), {"reason": "duplikat"})
    assert rejected["rejection_reason"] == "duplikat"
    events = await cases_app.events(5, case_id)
    assert events[-1].type == "kesos.cases.case_rejected.v1"
    assert events[-1].data["reason_code"] == "duplikat"
    assert events[2].data["reason_code"] is None  # a return's reason is free text: stays home

    closed_id = await _walk_to_closed(cases_app, "psm-tungkap", tksk_id)
    reopened = await cases_app.ok(closed_id, "reopen", bearer(), {"reason": "kebutuhan baru"})
    assert reopened["status"] == "assessed"
    assert reopened["assigned_tksk_id"] == tksk_id


async def test_the_dinas_reassigns_a_case_to_another_tksk(cases_app: Cases) -> None:
    first = await cases_app.active_tksk()
    case_id = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    second = await cases_app.publish_worker(wilayah="63.05.03")
    await cases_app.known(second)

    moved = await cases_app.ok(
        case_id, "reassign", bearer(), {"tksk_id": second, "reason": "TKSK cuti"}
    )

    assert moved["assigned_tksk_id"] == second
    refused = await cases_app.act(case_id, "verify", tksk(first))
    assert refused.status_code in {403, 404}
    unknown = await cases_app.act(
        case_id, "reassign", bearer(), {"tksk_id": "nobody", "reason": "x"}
    )
    assert unknown.status_code == 409
    assert unknown.json()["type"] == "urn:kesos:problem:not-yet-known"


async def test_a_write_with_the_same_idempotency_key_is_answered_once(cases_app: Cases) -> None:
    await cases_app.active_tksk()
    headers = {**psm("psm-tungkap"), "Idempotency-Key": "report-1"}
    body = {
        "categories": ["LUT"], "desa": TUNGKAP, "description": "x",
        "person": {"name": "Budi", "sex": "L"},
    }  # fmt: skip

    first = await cases_app.client.post("/v1/cases", json=body, headers=headers)
    again = await cases_app.client.post("/v1/cases", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["case_id"] == first.json()["case_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
