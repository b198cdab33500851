"""Reporting a case, then handing it to its kecamatan's TKSK in the same transaction."""

from __future__ import annotations

from datetime import datetime

from services.cases.adapters.cases import StoredCase
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.actors import Actor
from services.cases.domain.assignment import auto_assign
from services.cases.domain.cases import Change
from services.cases.domain.persons import PersonForm, case_person
from services.cases.domain.reporting import CaseReport, report_case
from services.cases.use_cases.events import record_step
from shared.security import within


class PersonNotYetKnown(Exception):
    """The named registry person is not in cases' projection — or lives outside the caller's
    wilayah, which must answer the same, so a caller learns nothing of persons elsewhere."""


async def report(
    uow: CasesUnitOfWork,
    case_id: str,
    form: CaseReport,
    by: Actor,
    now: datetime,
    *,
    typed: PersonForm | None = None,
    person_id: str | None = None,
) -> StoredCase:
    """A new case about a typed-in person or a registry person (exactly one of the two);
    assigned at once when the projection knows its kecamatan's active TKSK, else it waits in
    `reported` until the TKSK's registration arrives (see `workers`)."""
    reported = report_case(case_id, form, by, now)  # who, where and what, before whom
    person = case_person(typed, person_id, now.date())
    if person.person_id is not None:
        await _require_visible_person(uow, person.person_id, by)
    case = reported.case
    tksk = await uow.workers.active_tksk(case.kecamatan)
    assigned, event = auto_assign(case, {case.kecamatan: tksk}, now)
    # Stored once, as it ends up; its timeline and events still tell both steps.
    await uow.cases.add(assigned, person.details, person.person_id)
    await record_step(uow, reported, person.person_id, person.details)
    if event is not None:
        await record_step(uow, Change(assigned, event), person.person_id)
    return StoredCase(assigned, person.details, person.person_id)


async def _require_visible_person(uow: CasesUnitOfWork, person_id: str, by: Actor) -> None:
    known = await uow.persons.get(person_id)
    if known is None or not within(known.desa, by.wilayah):
        raise PersonNotYetKnown()
