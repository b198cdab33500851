"""Work queues: each caller's `awaiting-me` (the cases whose next step is theirs, by role and
relation), `overdue` and `due-soon`, nearest deadline first, paginated, in their wilayah — and
each case says its next deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from services.cases.adapters.tables import deadlines
from shared.reference.calendar import WITA, add_working_days
from tests.cases.integration.conftest import (
    BINUANG,
    PADANG_SARI,
    TAPIN_UTARA,
    Cases,
    bearer,
    psm,
    tksk,
)

pytestmark = pytest.mark.integration


async def queue(cases_app: Cases, name: str, headers: dict, **params) -> list[str]:
    answer = await cases_app.client.get(f"/v1/queues/{name}", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [item["case_id"] for item in answer.json()["items"]]


async def due(cases_app: Cases, case_id: str, in_days: float) -> None:
    """Set a case's deadline to end `in_days` from now (the API's clock is real), its reminder
    a day before."""
    due_at = datetime.now(UTC) + timedelta(days=in_days)
    this = deadlines.c.case_id == case_id
    async with cases_app.store.engine.begin() as connection:
        await connection.execute(update(deadlines).where(this).values(
            due_at=due_at, due_soon_at=due_at - timedelta(days=1),
            due_day=(due_at - timedelta(days=1)).astimezone(WITA).date(),
        ))  # fmt: skip


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_each_caller_sees_the_steps_that_are_theirs(make_cases, kind):
    cases_app: Cases = await make_cases(kind)
    await cases_app.active_tksk(worker_id="tksk-binuang")
    await cases_app.active_tksk(TAPIN_UTARA, worker_id="tksk-tapin-utara")
    first = (await cases_app.report(psm("psm-tungkap")))["case_id"]
    second = await cases_app.report(psm("psm-padang-sari", PADANG_SARI), desa=PADANG_SARI)
    mine = tksk("tksk-binuang")
    # the same due day: ties go by case id
    assert await queue(cases_app, "awaiting-me", mine) == sorted([first, second["case_id"]])
    assert second["deadline"]["step"] == "verify" and not second["deadline"]["overdue"]
    assert second["deadline"]["awaiting_id"] == "tksk-binuang"
    assert await queue(cases_app, "awaiting-me", tksk("tksk-tapin-utara", TAPIN_UTARA)) == []
    assert await queue(cases_app, "awaiting-me", psm("psm-tungkap")) == []
    assert await queue(cases_app, "awaiting-me", bearer()) == []

    await cases_app.ok(first, "return", mine, {"reason": "alamat kurang jelas"})
    assert await queue(cases_app, "awaiting-me", psm("psm-tungkap")) == [first]
    assert await queue(cases_app, "awaiting-me", mine) == [second["case_id"]]
    returned = (await cases_app.client.get(f"/v1/cases/{first}", headers=bearer())).json()
    assert (returned["deadline"]["step"], returned["deadline"]["awaiting_role"]) == (
        "resubmit", "psm",
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_overdue_and_due_soon_nearest_first_paginated_and_scoped(make_cases, kind):
    cases_app: Cases = await make_cases(kind)
    await cases_app.active_tksk(worker_id="tksk-binuang")
    ids = [(await cases_app.report(psm("psm-tungkap")))["case_id"] for _ in range(3)]
    await due(cases_app, ids[0], -10)
    await due(cases_app, ids[2], -20)  # the most overdue
    due_soon_case = await cases_app.report(psm("psm-padang-sari", PADANG_SARI), desa=PADANG_SARI)
    await due(cases_app, due_soon_case["case_id"], 0.5)  # reminded; the due day not over
    operator = bearer()
    assert await queue(cases_app, "overdue", operator) == [ids[2], ids[0]]
    assert await queue(cases_app, "due-soon", operator) == [due_soon_case["case_id"]]
    answer = await cases_app.client.get("/v1/queues/overdue", headers=operator, params={"limit": 1})
    page = answer.json()
    assert [c["case_id"] for c in page["items"]] == [ids[2]]
    assert (
        page["items"][0]["deadline"]["overdue"]
        and page["items"][0]["deadline"]["working_days_late"] > 0
    )
    rest = await queue(cases_app, "overdue", operator, cursor=page["next_cursor"])
    assert rest == [ids[0]]
    # A PSM's queues hold their own reports only; another kabupaten's operator sees nothing.
    assert await queue(cases_app, "overdue", psm("psm-padang-sari", PADANG_SARI)) == []
    assert await queue(cases_app, "overdue", bearer(wilayah="63.03", sub="operator-banjar")) == []
    assert await queue(cases_app, "overdue", tksk("tksk-binuang", BINUANG)) == [ids[2], ids[0]]


async def test_an_unknown_queue_is_a_clear_error(cases_app: Cases):
    answer = await cases_app.client.get("/v1/queues/later", headers=bearer())
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_forecast_shows_what_will_be_overdue_and_escalated_on_a_day_to_come(
    cases_app: Cases,
):
    """A verification due in three working days, read as it will stand: not yet on its due day,
    overdue the next working day, escalated to the Dinas two working days later."""
    await cases_app.active_tksk(worker_id="tksk-binuang")
    case = await cases_app.report(psm("psm-tungkap"))
    deadline = case["deadline"]
    due_day = date.fromisoformat(deadline["due_day"])
    escalates = datetime.fromisoformat(deadline["escalate_at"]).astimezone(WITA).date()
    operator = bearer()
    assert await queue(cases_app, "overdue", operator, as_of=str(due_day)) == []
    after = add_working_days(due_day, 1)
    [late] = await forecast(cases_app, operator, after)
    assert (late["case_id"], late["deadline"]["overdue"], late["deadline"]["escalated"]) == (
        case["case_id"], True, False,
    )  # fmt: skip
    [escalated] = await forecast(cases_app, operator, escalates)
    assert escalated["deadline"]["escalated"] and escalated["deadline"]["working_days_late"] == 2
    past = await cases_app.client.get(
        "/v1/queues/overdue", headers=operator, params={"as_of": "2020-01-01"}
    )
    assert past.status_code == 422 and past.json()["type"].endswith("as-of-in-the-past")


async def forecast(cases_app: Cases, headers: dict, day: date) -> list[dict]:
    answer = await cases_app.client.get(
        "/v1/queues/overdue", headers=headers, params={"as_of": str(day)}
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])
