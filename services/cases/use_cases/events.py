"""Each case step as its contract event (shared/contracts/cases.py) and its stored record."""

from __future__ import annotations

from collections.abc import Mapping

from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.cases import Case, CaseTransitioned, Change
from services.cases.domain.persons import PersonDetails
from services.cases.domain.states import Action
from shared.contracts.cases import (
    CaseAssessed,
    CaseAssigned,
    CaseClosed,
    CaseClosureRejected,
    CaseClosureRequested,
    CaseFollowUpRecorded,
    CaseMonitoringStarted,
    CaseReassigned,
    CaseReferred,
    CaseRejected,
    CaseReopened,
    CaseReported,
    CaseResubmitted,
    CaseReturned,
    CaseStep,
    CaseVerified,
    ReportedPerson,
)

EVENT_OF: Mapping[Action, type[CaseStep]] = {
    Action.REPORT: CaseReported,
    Action.ASSIGN: CaseAssigned,
    Action.VERIFY: CaseVerified,
    Action.RETURN_TO_REPORTER: CaseReturned,
    Action.RESUBMIT: CaseResubmitted,
    Action.REJECT: CaseRejected,
    Action.ASSESS: CaseAssessed,
    Action.REFER: CaseReferred,
    Action.START_MONITORING: CaseMonitoringStarted,
    Action.RECORD_FOLLOW_UP: CaseFollowUpRecorded,
    Action.REQUEST_CLOSURE: CaseClosureRequested,
    Action.APPROVE_CLOSURE: CaseClosed,
    Action.REJECT_CLOSURE: CaseClosureRejected,
    Action.REASSIGN: CaseReassigned,
    Action.REOPEN: CaseReopened,
}

# Only these steps carry a coded reason; every other reason is free text and stays home.
CODED = frozenset({Action.REJECT, Action.REQUEST_CLOSURE})


def reason_code(case: Case, event: CaseTransitioned) -> str | None:
    if event.action in CODED:
        return event.reason
    if event.action is Action.APPROVE_CLOSURE and case.closure_reason is not None:
        return case.closure_reason.value
    return None


def case_step(
    case: Case, event: CaseTransitioned, person_id: str | None, person: PersonDetails | None = None
) -> CaseStep:
    """The case's public state after the step, and the step: no names, NIK or notes — except
    the typed-in `person` of `case_reported`, which the registry needs (ADR 0003)."""
    fields = dict(
        case_id=case.case_id, categories=case.categories, desa=case.desa,
        kecamatan=case.kecamatan, status=case.status.value, reported_by=case.reported_by,
        reporter_role=case.reporter_role.value, assigned_tksk_id=case.assigned_tksk_id,
        person_id=person_id, risk_level=case.risk_level.value if case.risk_level else None,
        action=event.action.value, actor_id=event.actor_id, actor_role=event.actor_role.value,
        at=event.at, reason_code=reason_code(case, event),
    )  # fmt: skip
    if event.action is Action.REPORT:
        return CaseReported(**fields, person=reported_person(person))
    return EVENT_OF[event.action](**fields)


def reported_person(person: PersonDetails | None) -> ReportedPerson | None:
    if person is None:
        return None
    birth_date, nik = person.birth_date, person.nik
    return ReportedPerson(nik=nik, name=person.name, sex=person.sex, birth_date=birth_date)


async def record_step(
    uow: CasesUnitOfWork,
    change: Change,
    person_id: str | None,
    person: PersonDetails | None = None,
) -> None:
    """The step's timeline row, contract event and audit row, in the caller's transaction.

    `person` is given only for the report of a typed-in person; no later step carries it."""
    case, event = change
    await uow.cases.add_step(event)
    uow.outbox.add(case_step(case, event, person_id, person), sequence=event.sequence)
    note = event.details.get("note")
    await uow.audit(
        event.actor_id, event.actor_role.value, f"case.{event.action.value}",
        record_id=case.case_id, wilayah=case.desa, now=event.at,
        reason=event.reason or (note if isinstance(note, str) else None),
    )  # fmt: skip
