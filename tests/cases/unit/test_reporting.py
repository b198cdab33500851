"""Reporting a case: who may, where, and what a report must name."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.cases.domain.actors import Actor, ActorRole
from services.cases.domain.cases import Change
from services.cases.domain.errors import (
    BirthDateInFuture,
    CategoryRequired,
    OutsideWilayah,
    PersonExactlyOne,
    PersonNameRequired,
    PersonRequired,
    PersonSexUnknown,
    RoleNotAllowed,
)
from services.cases.domain.persons import (
    CasePerson,
    PersonDetails,
    PersonForm,
    case_person,
    checked_person,
)
from services.cases.domain.reporting import CaseReport, report_case
from shared.reference import (
    InvalidNik,
    MalformedRegionCode,
    UnknownCategory,
    UnknownRegion,
    WrongRegionLevel,
)
from tests.cases.unit.builders import ACTORS, BINUANG, PULAU_PINANG, TUNGKAP, at


def report(role: str = "psm-reporter", **changes: object) -> Change:
    values: dict[str, object] = {
        "person_ref": "person-1", "categories": ("LUT",), "desa": TUNGKAP, "description": "",
    }  # fmt: skip
    values.update(changes)
    return report_case("case-1", CaseReport(**values), ACTORS[role], at(0))  # type: ignore[arg-type]


@pytest.mark.parametrize("role", ["psm-reporter", "operator", "admin"])
def test_a_psm_of_the_desa_or_dinas_staff_report_a_case(role: str) -> None:
    case, event = report(role)
    assert (case.status, case.version, case.assigned_tksk_id) == ("reported", 1, None)
    assert (event.action, event.sequence, event.actor_id) == ("report", 1, ACTORS[role].sub)
    assert case.reporter_role == ACTORS[role].role


@pytest.mark.parametrize("role", ["tksk-assigned", "tksk-other", "integration", "system"])
def test_other_roles_may_not_report(role: str) -> None:
    with pytest.raises(RoleNotAllowed):
        report(role)


def test_a_psm_reports_only_in_their_own_desa() -> None:
    with pytest.raises(OutsideWilayah):
        report("psm-other")  # a PSM of Pulau Pinang, reporting in Tungkap
    assert report("psm-other", desa=PULAU_PINANG)


def test_an_operator_of_another_kabupaten_cannot_report_in_tapin() -> None:
    banjar = Actor("operator-banjar", ActorRole.OPERATOR, "63.03")
    with pytest.raises(OutsideWilayah):
        report_case("case-1", CaseReport("person-1", ("LUT",), TUNGKAP), banjar, at(0))


def test_the_kecamatan_is_derived_from_the_desa_and_codes_are_canonical() -> None:
    case, _ = report("operator", desa="6305012003", categories=(" lut ", "pd", "LUT"))
    assert (case.desa, case.kecamatan) == (TUNGKAP, BINUANG)
    assert case.categories == ("LUT", "PD")


@pytest.mark.parametrize(
    ("desa", "error"),
    [(BINUANG, WrongRegionLevel), ("63.05.01.2999", UnknownRegion), ("63-05", MalformedRegionCode)],
)
def test_a_case_is_reported_in_a_known_desa(desa: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        report("operator", desa=desa)


def test_categories_are_pmks_codes() -> None:
    with pytest.raises(UnknownCategory) as refused:
        report(categories=("LUT", "RTLH"))  # RTLH was dropped from the list in 2012
    assert refused.value.rule == "pmks-category-unknown"


def test_a_case_names_at_least_one_category_and_a_person() -> None:
    with pytest.raises(CategoryRequired):
        report(categories=())
    with pytest.raises(PersonRequired):
        report(person_ref="  ")


def test_the_role_is_checked_before_the_report_itself() -> None:
    with pytest.raises(RoleNotAllowed):
        report("tksk-assigned", categories=("NOPE",), desa="63-05")


TODAY = date(2026, 11, 28)
BORN = date(1980, 6, 5)  # as the NIK says
TYPED = PersonForm(name=" Nenek Siti ", sex="P", nik="6305 0145 0680 0003", birth_date=BORN)


def test_a_typed_in_person_is_checked_by_the_registrys_rules() -> None:
    person = case_person(TYPED, None, TODAY)  # born today: a foundling, reported at once
    assert person == CasePerson(PersonDetails("Nenek Siti", "P", "6305014506800003", BORN), None)
    with pytest.raises(BirthDateInFuture):
        checked_person(replace(TYPED, birth_date=TODAY + timedelta(days=1)), TODAY)
    with pytest.raises(PersonNameRequired):
        checked_person(replace(TYPED, name="  "), TODAY)
    with pytest.raises(PersonSexUnknown):
        checked_person(replace(TYPED, sex="W"), TODAY)
    with pytest.raises(InvalidNik):
        checked_person(replace(TYPED, nik="123"), TODAY)
    assert checked_person(replace(TYPED, nik=" "), TODAY).nik is None


@pytest.mark.parametrize(("typed", "person_id"), [(None, None), (None, "  "), (TYPED, "p-1")])
def test_a_report_names_its_person_exactly_once(
    typed: PersonForm | None, person_id: str | None
) -> None:
    with pytest.raises(PersonExactlyOne):
        case_person(typed, person_id, TODAY)
    assert case_person(None, " p-1 ", TODAY) == CasePerson(None, "p-1")
