"""Writes racing each other: two steps on one case (the version lock lets exactly one through),
old worker events, and many reports at once on SQLite (writers queue: BEGIN IMMEDIATE, one
connection) and on PostgreSQL (the rekap's counts take row locks)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from services.cases.adapters.tables import cases
from shared.contracts.registry import WorkerDeactivated
from tests.cases.integration.conftest import (
    BINUANG,
    TAPIN_SELATAN,
    TATAKAN,
    Cases,
    bearer,
    psm,
    report_body,
    tksk,
)


async def test_racing_steps_on_one_case_commit_once(make_cases) -> None:
    app: Cases = await make_cases("postgresql")
    tksk_id = await app.active_tksk()
    case_id = (await app.report(psm("psm-tungkap")))["case_id"]

    answers = await asyncio.gather(*(app.act(case_id, "verify", tksk(tksk_id)) for _ in range(4)))

    codes = sorted(response.status_code for response in answers)
    assert codes == [200, 409, 409, 409]
    refused = {r.json()["type"] for r in answers if r.status_code == 409}
    assert refused <= {
        "urn:kesos:problem:case-concurrent-update",
        "urn:kesos:problem:case-transition-not-allowed",
    }
    events = await app.events(3, case_id)
    assert [e.sequence for e in events] == [1, 2, 3]


async def test_an_older_worker_event_does_not_undo_a_newer_one(cases_app: Cases) -> None:
    tksk_id = await cases_app.publish_worker(
        event=WorkerDeactivated, sequence=2, wilayah=TAPIN_SELATAN, status="inactive"
    )
    await cases_app.known(tksk_id, 2)
    await cases_app.publish_worker(tksk_id, sequence=1, wilayah=TAPIN_SELATAN)
    marker = await cases_app.active_tksk("63.05.03")  # processed after the stale event

    case = await cases_app.report(psm("psm-tatakan", TATAKAN), desa=TATAKAN)

    assert marker
    assert (await cases_app.worker_row(tksk_id))["status"] == "inactive"
    assert case["status"] == "reported"


REPORTS = 24


async def test_concurrent_reports_are_each_kept_and_counted_once(
    make_cases, store_kind: str
) -> None:
    cases_app: Cases = await make_cases(store_kind)
    await cases_app.active_tksk()
    reporter = psm("psm-tungkap")

    async def report(n: int):
        key = {"Idempotency-Key": f"report-{n // 2}"}  # every key sent twice, at once
        return await cases_app.client.post(
            "/v1/cases", json=report_body(categories=("LUT",)), headers={**reporter, **key}
        )

    answers = await asyncio.gather(*(report(n) for n in range(REPORTS)))
    assert {answer.status_code for answer in answers} == {201}, [a.text for a in answers]
    assert len({answer.json()["case_id"] for answer in answers}) == REPORTS // 2
    async with cases_app.store.engine.connect() as connection:
        kept = (await connection.execute(select(func.count()).select_from(cases))).scalar()
    assert kept == REPORTS // 2
    rekap = (await cases_app.client.get("/v1/rekap", headers=bearer())).json()
    assert rekap["items"] == [
        {"kecamatan": BINUANG, "category": "LUT", "status": "in_verification",
         "count": REPORTS // 2},
    ]  # fmt: skip
