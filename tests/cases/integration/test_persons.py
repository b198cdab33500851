"""Registry persons in cases: reports naming one by id, and the registry's links (ADR 0003)."""

from __future__ import annotations

from sqlalchemy import select

from shared.contracts.registry import PersonMerged, PersonUpdated
from shared.persistence.tables import audit
from tests.cases.integration.conftest import (
    RANTAU_KIWA,
    TUNGKAP,
    Cases,
    bearer,
    psm,
    report_body,
)

NOT_YET_KNOWN = "urn:kesos:problem:not-yet-known"


async def test_a_report_names_a_registry_person_known_inside_the_callers_wilayah(
    cases_app: Cases,
) -> None:
    # Newest state first: the older registration arriving late must not move the person away.
    await cases_app.publish_person("person-tungkap", TUNGKAP, event=PersonUpdated, sequence=2)
    await cases_app.publish_person("person-tungkap", RANTAU_KIWA, sequence=1)
    await cases_app.publish_person("person-rantau-kiwa", RANTAU_KIWA)
    await cases_app.handled("cases.persons", 3)
    body = {**report_body(), "person": None}

    case = await cases_app.report(psm("psm-tungkap"), person=None, person_id="person-tungkap")

    assert (case["person_id"], case["person"]) == ("person-tungkap", None)
    (reported,) = await cases_app.events(1, case["case_id"])
    assert reported.data["person"] is None
    assert reported.data["person_id"] == "person-tungkap"
    assert reported.data["reporter_role"] == "psm"
    # Outside the caller's wilayah answers exactly like an id cases has not heard of yet.
    answers = [
        await cases_app.client.post(
            "/v1/cases", json={**body, "person_id": person_id}, headers=psm("psm-tungkap")
        )
        for person_id in ("person-rantau-kiwa", "person-never-registered")
    ]
    assert [a.status_code for a in answers] == [409, 409]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["type"] == NOT_YET_KNOWN
    assert answers[0].headers["Retry-After"]


async def test_a_person_link_is_applied_once_and_the_first_one_kept(cases_app: Cases) -> None:
    case = await cases_app.report(bearer())  # typed in; a walk-in, still waiting for a TKSK
    case_id = case["case_id"]
    assert case["person_id"] is None

    await cases_app.publish_link(case_id, "person-1")
    await cases_app.publish_link(case_id, "person-1")  # a second delivery, another event id
    await cases_app.publish_link(case_id, "person-2", matched_by="nik")  # contradicts the first
    await cases_app.handled("cases.link_person", 3)

    row = await cases_app.case_row(case_id)
    assert (row["person_id"], row["version"]) == ("person-1", 1)  # a link is not a step
    assert (await cases_app.get(case_id, bearer())).json()["person_id"] == "person-1"
    async with cases_app.store.engine.connect() as connection:
        query = select(audit.c.reason).where(
            audit.c.record_id == case_id, audit.c.action == "case.person_linked"
        )
        assert (await connection.execute(query)).scalars().all() == ["matched_by=new"]


async def test_a_merge_moves_every_case_of_the_record_and_later_links_follow_it(
    cases_app: Cases,
) -> None:
    linked_before = (await cases_app.report(bearer()))["case_id"]
    listed_only = (await cases_app.report(bearer()))["case_id"]  # its link is still on its way
    linked_after = (await cases_app.report(bearer()))["case_id"]
    await cases_app.publish_link(linked_before, "double")
    await cases_app.handled("cases.link_person", 1)

    merged = PersonMerged(
        person_id="double", into="masriah", desa=TUNGKAP, kecamatan="63.05.01",
        cases=(linked_before, listed_only),
    )  # fmt: skip
    await cases_app.publish(merged, sequence=2)
    await cases_app.publish(merged, sequence=2)  # redelivered: changes nothing more
    await cases_app.handled("cases.person_merged", 2)
    await cases_app.publish_link(linked_after, "double")  # a link to the record merged away
    await cases_app.publish_link(listed_only, "double")  # the late link of a listed case
    await cases_app.handled("cases.link_person", 3)

    for case_id in (linked_before, listed_only, linked_after):
        assert (await cases_app.case_row(case_id))["person_id"] == "masriah"
    async with cases_app.store.engine.connect() as connection:
        query = select(audit.c.record_id).where(audit.c.action == "case.person_merged")
        audited = sorted((await connection.execute(query)).scalars().all())
    assert audited == sorted([linked_before, listed_only])  # once each, not per delivery
