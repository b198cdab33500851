"""The person use cases over an in-memory unit of work: what they change, publish and audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.registry.domain.errors import (
    CaseNotLinkedYet,
    CasePersonUnknown,
    OutsideWilayah,
)
from services.registry.domain.persons import MatchedBy, PersonForm
from services.registry.use_cases import persons as cases
from services.registry.use_cases.case_links import categories_verified, link_person_for_case
from shared.audit import Actor
from shared.contracts.cases import CaseCategoriesVerified, CaseReported, ReportedPerson
from shared.security import Principal, Role
from tests.registry.unit.fakes import FakeWork

NOW = datetime(2011, 5, 20, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
TUNGKAP = "63.05.01.2003"
NIK = "6305015708900002"
OPERATOR = Principal(sub="alice", role=Role.OPERATOR, wilayah="63.05")
LINKER = Actor(sub="registry.link_person_on_case_reported", role="service")
REGISTERED = "kesos.registry.person_registered.v1"
UPDATED = "kesos.registry.person_updated.v1"
LINKED = "kesos.registry.person_linked.v1"
PROFILE = "kesos.registry.person_profile.v1"


def form(**changes) -> PersonForm:
    values = {
        "nik": NIK, "name": "Siti Aminah", "sex": "P", "birth_date": date(1990, 8, 17),
        "desa": TUNGKAP, "categories": ("LUT",),
    }  # fmt: skip
    return PersonForm(**{**values, **changes})


async def register(uow: FakeWork, person_id: str = "p-1", by: Principal = OPERATOR, **changes):
    return await cases.register_person(uow, form(**changes), by, NOW, person_id)


def reported(case_id: str, person: ReportedPerson | None = None, **changes) -> CaseReported:
    values = {
        "case_id": case_id, "categories": ("LUT",), "desa": TUNGKAP, "kecamatan": "63.05.01",
        "status": "reported", "reported_by": "w-psm", "reporter_role": "psm", "action": "report",
        "actor_id": "w-psm", "actor_role": "psm", "at": NOW, "person": person,
    }  # fmt: skip
    return CaseReported.model_validate({**values, **changes})


def siti(nik: str | None = NIK) -> ReportedPerson:
    return ReportedPerson(nik=nik, name="Siti Aminah", sex="P", birth_date=None)


async def link(uow: FakeWork, event: CaseReported, new_person_id: str = "p-new"):
    return await link_person_for_case(uow, event, by=LINKER, now=LATER, new_person_id=new_person_id)


async def test_registering_publishes_the_public_state_only_and_audits():
    uow = FakeWork()
    view, created = await register(uow)
    [(event, sequence)] = uow.outbox.events
    assert (created, event.type, sequence, event.subject) == (True, REGISTERED, 1, "p-1")
    assert set(event.model_dump()) == {
        "person_id",
        "desa",
        "kecamatan",
        "categories",
        "nik_recorded",
        "protected",
    }
    assert uow.audited == [("alice", "person.register", "p-1", None)]
    assert view.person == await uow.persons.get("p-1")


async def test_a_protected_category_is_published_only_as_protected():
    uow = FakeWork()
    await register(uow, categories=("LUT", "ODHA"))
    [(event, _)] = uow.outbox.events
    assert (event.categories, event.protected) == (("LUT",), True)


async def test_a_known_nik_names_the_same_person_with_the_categories_merged():
    uow = FakeWork()
    await register(uow)
    view, created = await register(uow, "p-2", nik="6305 0157 0890 0002", categories=("PD",))
    assert (created, view.person.person_id, view.person.categories) == (False, "p-1", ("LUT", "PD"))
    assert uow.published() == [(REGISTERED, 1), (UPDATED, 2)]
    _, again = await register(uow, "p-3", categories=("PD",))
    assert again is False and len(uow.outbox.events) == 2  # nothing new, nothing published
    assert list(uow.persons.rows) == ["p-1"]


async def test_persons_without_a_nik_are_never_merged():
    uow = FakeWork()
    await register(uow, "p-1", nik=None)
    _, created = await register(uow, "p-2", nik=None)
    assert created and set(uow.persons.rows) == {"p-1", "p-2"}


async def test_a_psm_registers_only_in_her_own_desa():
    psm = Principal(sub="w-psm", role=Role.PSM, wilayah="63.05.01.2006")
    uow = FakeWork()
    with pytest.raises(OutsideWilayah):
        await register(uow, by=psm)
    _, created = await register(uow, by=psm, desa="63.05.01.2006")
    assert created


async def test_a_known_nik_outside_the_callers_wilayah_is_held_for_review_not_refused():
    uow = FakeWork()
    await register(uow)
    elsewhere = Principal(sub="bob", role=Role.OPERATOR, wilayah="63.05.04")
    view, created = await register(
        uow, "p-2", by=elsewhere, desa="63.05.04.1004", categories=("PD",)
    )
    assert created and view.person.person_id == "p-2"  # the answer any new person gets
    assert uow.persons.rows["p-1"].categories == ("LUT",)  # the other is untouched
    [review] = uow.reviews.rows.values()
    assert (review.kind, review.record_id, review.other_id) == ("nik-elsewhere", "p-2", "p-1")
    assert view.person.nik_review == review.review_id
    again, created = await register(uow, "p-3", by=elsewhere, desa="63.05.04.1004")
    assert (again.person.person_id, created) == ("p-2", False)  # her own record, found again


async def test_a_nik_search_is_audited_and_sees_only_the_callers_wilayah():
    uow = FakeWork()
    await register(uow)
    [found] = await cases.search_persons_by_nik(uow, NIK, OPERATOR, LATER)
    assert found.person.person_id == "p-1"
    assert uow.audited[-1] == ("alice", "person.search", "p-1", None)
    outside = Principal(sub="bob", role=Role.OPERATOR, wilayah="63.05.04")
    assert await cases.search_persons_by_nik(uow, NIK, outside, LATER) == []


async def test_an_inline_report_registers_the_person_and_links_the_case():
    uow = FakeWork()
    linked = await link(uow, reported("c-1", siti()))
    assert linked is not None and (linked.person_id, linked.matched_by) == ("p-new", MatchedBy.NEW)
    assert uow.published() == [(REGISTERED, 1), (LINKED, None), (PROFILE, 1)]
    assert uow.outbox.events[1][0].model_dump() == {
        "case_id": "c-1",
        "person_id": "p-new",
        "matched_by": "new",
    }
    # For cases' rekap alone (the restricted profiles stream): sex and birth date.
    assert set(uow.outbox.events[2][0].model_dump()) == {"person_id", "sex", "birth_date"}
    assert [row[1:] for row in uow.audited] == [
        ("person.register", "p-new", "case c-1"),
        ("person.link_case", "p-new", "case c-1"),
    ]


async def test_a_second_report_with_the_nik_links_to_the_same_person():
    uow = FakeWork()
    await link(uow, reported("c-1", siti()))
    second = await link(uow, reported("c-2", siti(), categories=("PD",)), "p-other")
    assert second is not None and (second.person_id, second.matched_by) == ("p-new", MatchedBy.NIK)
    assert uow.persons.rows["p-new"].categories == ("LUT", "PD")
    # She has a case: her change reaches cases' profile too, and so does the new link.
    assert uow.published()[3:] == [(UPDATED, 2), (PROFILE, 2), (LINKED, None), (PROFILE, 2)]


async def test_a_case_is_linked_once_however_often_it_is_reported():
    uow = FakeWork()
    await link(uow, reported("c-1", siti(nik=None)))
    assert await link(uow, reported("c-1", siti(nik=None)), "p-again") is None
    assert list(uow.persons.rows) == ["p-new"] and len(uow.outbox.events) == 3


async def test_a_report_naming_a_registry_person_links_to_them():
    uow = FakeWork()
    await register(uow)
    linked = await link(uow, reported("c-1", person_id="p-1", categories=("LUT", "FM")))
    assert linked is not None and linked.matched_by is MatchedBy.PERSON_ID
    assert uow.persons.rows["p-1"].categories == ("LUT", "FM")
    with pytest.raises(CasePersonUnknown):
        await link(uow, reported("c-2", person_id="p-unknown"))


async def test_a_report_without_any_person_is_left_alone():
    uow = FakeWork()
    assert await link(uow, reported("c-1")) is None
    assert uow.outbox.events == [] and uow.persons.links == {}


async def test_a_visit_confirmed_before_its_report_is_applied_waits_for_it():
    """Retried, never dropped: a protected category found on the visit must reach the person."""
    uow = FakeWork()
    visit = CaseCategoriesVerified(case_id="c-1", categories=("ODHA",), at=NOW)
    with pytest.raises(CaseNotLinkedYet):
        await categories_verified(uow, visit, by=LINKER, now=LATER)
    await link(uow, reported("c-1", siti()))
    await categories_verified(uow, visit, by=LINKER, now=LATER)
    assert uow.persons.rows["p-new"].categories == ("LUT", "ODHA")
