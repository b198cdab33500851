"""Many reports at once, on SQLite (writers queue: BEGIN IMMEDIATE, a busy timeout) and on
PostgreSQL (the rekap's counts take row locks): each is kept once, counted once, and a retry
racing its first attempt gets the first answer."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from services.cases.adapters.tables import cases
from tests.cases.integration.conftest import BINUANG, Cases, bearer, psm, report_body

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
