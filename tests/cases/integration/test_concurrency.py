"""Two steps racing on one case: the version lock lets exactly one through."""

from __future__ import annotations

import asyncio

from shared.contracts.registry import WorkerDeactivated
from tests.cases.integration.conftest import TAPIN_SELATAN, TATAKAN, Cases, psm, tksk


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
