"""Registry's families in cases: a case shows its person's household size, kept right whatever
order the events of two families arrive in (a move publishes both), and from an import's batch
events (`persons_imported`, `families_imported`) as from an event per record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.cases.adapters.tables import persons
from shared.contracts.registry import (
    FamiliesImported,
    FamilyChanged,
    FamilyRegistered,
    PersonsImported,
    PersonUpdated,
)
from tests.cases.integration.conftest import PADANG_SARI, TUNGKAP, Cases, bearer, psm

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


async def publish_family(
    cases_app: Cases, family_id: str, sequence: int, members: dict[str, datetime]
) -> None:
    event = FamilyRegistered if sequence == 1 else FamilyChanged
    state = event(
        family_id=family_id, desa=TUNGKAP, kecamatan="63.05.01", size=len(members),
        members=[{"person_id": p, "joined_at": at} for p, at in members.items()],
        kk_recorded=True,
    )  # fmt: skip
    await cases_app.publish(state, sequence)


async def household_size(cases_app: Cases, case_id: str) -> int | None:
    return (await cases_app.get(case_id, bearer())).json()["household_size"]


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_a_case_shows_its_persons_household_size_whatever_the_event_order(
    make_cases, kind
) -> None:
    cases_app: Cases = await make_cases(kind)
    for person_id in ("mother", "child", "grandma"):
        await cases_app.publish_person(person_id)
    await cases_app.handled("cases.persons", 3)
    case = await cases_app.report(psm("psm-tungkap"), person=None, person_id="child")
    assert case["household_size"] is None  # no family known yet

    # The child moves from the mother's family to the grandmother's: the registry publishes both
    # families' new states; here the mother's family is first seen in its old state, after the
    # move (as a reclaim may deliver it), and the grandmother's old state comes last.
    moved = T0 + timedelta(days=3)
    await publish_family(cases_app, "f-grandma", 2, {"grandma": T0, "child": moved})
    await publish_family(cases_app, "f-mother", 1, {"mother": T0, "child": T0})
    await cases_app.handled("cases.households", 2)
    assert await household_size(cases_app, case["case_id"]) == 2  # still the grandmother's
    await publish_family(cases_app, "f-mother", 2, {"mother": T0})
    await publish_family(cases_app, "f-grandma", 1, {"grandma": T0})
    await cases_app.handled("cases.households", 4)
    assert await household_size(cases_app, case["case_id"]) == 2
    listed = await cases_app.client.get("/v1/cases", headers=bearer())
    assert [c["household_size"] for c in listed.json()["items"]] == [2]


def imported(person_id: str, version: int) -> dict[str, object]:
    return dict(person_id=person_id, version=version, desa=TUNGKAP, kecamatan="63.05.01",
                categories=("LUT",), nik_recorded=False)  # fmt: skip


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_an_imports_batch_events_are_kept_record_by_record(make_cases, kind) -> None:
    cases_app: Cases = await make_cases(kind)
    # Budi moved to Padang Sari after the import read him: that newer state arrives first.
    await cases_app.publish_person("budi", PADANG_SARI, event=PersonUpdated, sequence=3)
    await cases_app.handled("cases.persons", 1)
    batch = PersonsImported(import_id="job-1", persons=[imported("ani", 1), imported("budi", 2)])
    family = dict(family_id="f-ani", version=1, desa=TUNGKAP, kecamatan="63.05.01", size=2,
                  members=[{"person_id": p, "joined_at": T0} for p in ("ani", "budi")],
                  kk_recorded=True)  # fmt: skip
    await cases_app.publish(batch)
    await cases_app.publish(FamiliesImported(import_id="job-1", families=[family]))
    await cases_app.handled("cases.persons", 2)
    await cases_app.handled("cases.households", 1)
    async with cases_app.store.engine.connect() as connection:
        held = {
            r.person_id: (r.desa, r.sequence) for r in await connection.execute(select(persons))
        }
    assert held == {"ani": (TUNGKAP, 1), "budi": (PADANG_SARI, 3)}
    case = await cases_app.report(psm("psm-tungkap"), person=None, person_id="ani")
    assert case["household_size"] == 2
