"""Reporting a case, then handing it to its kecamatan's TKSK in the same transaction."""

from __future__ import annotations

from datetime import datetime

from services.cases.adapters.cases import Person, StoredCase
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.actors import Actor
from services.cases.domain.assignment import auto_assign
from services.cases.domain.cases import Change
from services.cases.domain.reporting import CaseReport, report_case
from services.cases.use_cases.events import record_step


async def report(
    uow: CasesUnitOfWork,
    case_id: str,
    form: CaseReport,
    person: Person,
    by: Actor,
    now: datetime,
) -> StoredCase:
    """A new case; assigned at once when the projection knows its kecamatan's active TKSK,
    else it waits in `reported` until the TKSK's registration arrives (see `workers`)."""
    reported = report_case(case_id, form, by, now)
    case = reported.case
    await uow.cases.add(case, person)
    await record_step(uow, reported, None)
    tksk = await uow.workers.active_tksk(case.kecamatan)
    assigned, event = auto_assign(case, {case.kecamatan: tksk}, now)
    if event is not None:
        await uow.cases.save(assigned, expected_version=case.version)
        await record_step(uow, Change(assigned, event), None)
    return StoredCase(assigned, person, None)
