"""Each step as its contract event: the reporter's role always, the typed-in person never (it
goes to the registry alone, as `person_reported` on the restricted intake stream)."""

from __future__ import annotations

from services.cases.domain.persons import PersonDetails
from services.cases.domain.reporting import CaseReport, report_case
from services.cases.use_cases.events import case_step, person_reported
from shared.contracts.cases import CaseReported
from tests.cases.unit.builders import ACTORS, PATHS, TUNGKAP, at, step

PERSON = PersonDetails(name="Nenek Siti", sex="P", nik="6305014506800003")


def test_every_step_names_the_reporters_role_and_none_the_person() -> None:
    form = CaseReport(person_ref="person-1", categories=("LUT",), desa=TUNGKAP)
    case, reported = report_case("case-1", form, ACTORS["operator"], at(0))
    events = [case_step(case, reported, None)]
    for action, role in PATHS["closed"]:
        case, event = step(case, action, role)
        events.append(case_step(case, event, "person-1"))

    assert {event.reporter_role for event in events} == {"operator"}
    assert isinstance(events[0], CaseReported) and events[0].person is None
    assert events[0].intake  # who it is about went to the registry's intake stream
    assert all("person" not in event.model_dump() for event in events[1:])


def test_a_protected_category_is_never_named_on_the_public_stream() -> None:
    form = CaseReport(person_ref="p", categories=("LUT", "ODHA"), desa=TUNGKAP)
    case, reported = report_case("case-1", form, ACTORS["psm-reporter"], at(0))
    public = case_step(case, reported, None)
    assert (public.categories, public.protected) == (("LUT",), True)
    assert person_reported(case, None, "person-1").categories == ("LUT", "ODHA")  # restricted


def test_the_typed_in_person_travels_only_on_the_restricted_intake_stream() -> None:
    form = CaseReport(person_ref="person-1", categories=("LUT",), desa=TUNGKAP)
    case, _ = report_case("case-1", form, ACTORS["psm-reporter"], at(0))
    intake = person_reported(case, PERSON, None)
    assert (intake.stream_channel, intake.case_id, intake.person.nik) == (
        "intake", "case-1", PERSON.nik,
    )  # fmt: skip
    assert (intake.desa, intake.categories, intake.reporter_role) == (TUNGKAP, ("LUT",), "psm")


def test_a_report_naming_a_registry_person_carries_its_id_and_no_identity() -> None:
    form = CaseReport(person_ref="person-1", categories=("LUT",), desa=TUNGKAP)
    case, reported = report_case("case-1", form, ACTORS["psm-reporter"], at(0))

    event = case_step(case, reported, "person-1")

    assert isinstance(event, CaseReported)
    assert (event.person_id, event.person, event.reporter_role) == ("person-1", None, "psm")
