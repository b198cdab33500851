"""`GET /v1/rekap/kpi` on both stores: the Dinas's key figures of its wilayah, from real steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.cases.adapters.tables import deadlines
from shared.reference.calendar import wita_day
from tests.cases.integration.conftest import Cases, bearer, psm, tksk

pytestmark = pytest.mark.integration


async def kpi(cases_app: Cases, headers: dict, **params) -> dict:
    today = wita_day(datetime.now(UTC)).isoformat()
    answer = await cases_app.client.get(
        "/v1/rekap/kpi", headers=headers, params={"from": today, "to": today, **params}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_the_key_figures_of_the_wilayah(make_cases, kind):
    cases_app: Cases = await make_cases(kind)
    await cases_app.active_tksk(worker_id="tksk-binuang")
    first = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    second = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    await cases_app.ok(first, "verify", tksk("tksk-binuang"))
    async with cases_app.store.engine.begin() as connection:  # the second is late
        late = datetime.now(UTC) - timedelta(days=1)
        await connection.execute(
            update(deadlines).where(deadlines.c.case_id == second).values(due_at=late)
        )
    figures = await kpi(cases_app, bearer())
    assert {k: figures[k] for k in ("verified", "verify_median_working_days", "closed",
                                    "open", "overdue", "overdue_percent")} == {
        "verified": 1, "verify_median_working_days": 0.0, "closed": 0, "open": 2, "overdue": 1,
        "overdue_percent": 50.0,
    }  # fmt: skip
    assert figures["per_tksk"] == [{"tksk_id": "tksk-binuang", "open": 2, "overdue": 1}]
    assert figures["from"] == figures["to"] == wita_day(datetime.now(UTC)).isoformat()
    elsewhere = await kpi(cases_app, bearer(wilayah="63.03", sub="operator-banjar"))
    assert (elsewhere["open"], elsewhere["per_tksk"]) == (0, [])


async def test_the_key_figures_are_the_dinas_s_for_a_period_this_month_by_default(
    cases_app: Cases,
):
    today = wita_day(datetime.now(UTC))
    period = {"from": today.isoformat(), "to": today.isoformat()}
    refused = await cases_app.client.get("/v1/rekap/kpi", headers=psm("psm-tungkap"), params=period)
    assert refused.status_code == 403
    backwards = {"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    answer = await cases_app.client.get("/v1/rekap/kpi", headers=bearer(), params=backwards)
    assert answer.status_code == 422 and answer.json()["type"].endswith("period-invalid")
    this_month = (await cases_app.client.get("/v1/rekap/kpi", headers=bearer())).json()
    assert (this_month["from"], this_month["to"]) == (today.replace(day=1).isoformat(), str(today))
