"""Reported cases go to their kecamatan's active TKSK, at once or when one is registered."""

from __future__ import annotations

from tests.cases.integration.conftest import (
    BINUANG,
    TAPIN_SELATAN,
    TATAKAN,
    Cases,
    psm,
    tksk,
)
from tests.support.waiting import eventually


async def test_a_psm_report_is_assigned_to_the_kecamatans_tksk(make_cases, store_kind) -> None:
    app: Cases = await make_cases(store_kind)
    tksk_id = await app.active_tksk(BINUANG)

    case = await app.report(psm("psm-tungkap"))

    assert case["status"] == "in_verification"
    assert case["assigned_tksk_id"] == tksk_id
    assert case["kecamatan"] == BINUANG
    assert case["version"] == 2
    events = await app.events(2, case["case_id"])
    assert [e.type for e in events] == [
        "kesos.cases.case_reported.v1",
        "kesos.cases.case_assigned.v1",
    ]
    assert [e.sequence for e in events] == [1, 2]
    assert events[1].data["assigned_tksk_id"] == tksk_id


async def test_a_case_waits_for_a_tksk_and_is_assigned_when_one_is_registered(
    cases_app: Cases,
) -> None:
    other = await cases_app.active_tksk(BINUANG)  # another kecamatan's TKSK changes nothing
    first = await cases_app.report(psm("psm-tatakan", TATAKAN), desa=TATAKAN)
    await cases_app.publish_person("person-tatakan", TATAKAN)
    await cases_app.handled("cases.persons", 1)
    second = await cases_app.report(
        psm("psm-tatakan", TATAKAN), desa=TATAKAN, person=None, person_id="person-tatakan"
    )
    assert first["status"] == "reported"
    assert first["assigned_tksk_id"] is None

    tksk_id = await cases_app.publish_worker(wilayah=TAPIN_SELATAN)

    async def assigned() -> bool:
        rows = [await cases_app.case_row(c["case_id"]) for c in (first, second)]
        return all(row["assigned_tksk_id"] == tksk_id for row in rows)

    await eventually(assigned, message="waiting cases assigned")
    seen = await cases_app.get(first["case_id"], tksk(tksk_id, TAPIN_SELATAN))
    assert seen.json()["status"] == "in_verification"
    assert seen.json()["assigned_tksk_id"] != other
    events = await cases_app.events(2, first["case_id"])
    assert events[-1].type == "kesos.cases.case_assigned.v1"
    assert events[-1].sequence == 2
    assert events[-1].data["actor_role"] == "system"
    # The assignment carries the case's whole public state: a known person stays linked.
    assigned_second = (await cases_app.events(2, second["case_id"]))[-1]
    assert assigned_second.type == "kesos.cases.case_assigned.v1"
    assert assigned_second.data["person_id"] == "person-tatakan"


async def test_an_inactive_tksk_gets_no_cases(cases_app: Cases) -> None:
    inactive = await cases_app.publish_worker(wilayah=TAPIN_SELATAN, status="inactive")
    await cases_app.known(inactive)

    case = await cases_app.report(psm("psm-tatakan", TATAKAN), desa=TATAKAN)

    assert case["status"] == "reported"
    assert case["assigned_tksk_id"] is None
