"""Each case step as its contract event (shared/contracts/cases.py) and its stored record."""

from __future__ import annotations

from collections.abc import Mapping

from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.cases import Case, CaseTransitioned, Change
from services.cases.domain.deadlines import Deadline, next_deadline
from services.cases.domain.persons import PersonDetails
from services.cases.domain.states import Action
from shared.contracts.cases import (
    CaseAssessed,
    CaseAssessmentApproved,
    CaseAssessmentReturned,
    CaseAssigned,
    CaseCategoriesVerified,
    CaseClosed,
    CaseClosureRejected,
    CaseClosureRequested,
    CaseFollowUpRecorded,
    CaseMonitoringStarted,
    CasePlanApproved,
    CasePlanned,
    CasePlanReturned,
    CaseReassigned,
    CaseReferralAccepted,
    CaseReferralCompleted,
    CaseReferralDeclined,
    CaseReferred,
    CaseRejected,
    CaseReopened,
    CaseReported,
    CaseResubmitted,
    CaseReturned,
    CaseStep,
    CaseVerified,
    PersonReported,
    ReferralStep,
    ReportedPerson,
)
from shared.security.disclosure import public_categories

EVENT_OF: Mapping[Action, type[CaseStep]] = {
    Action.REPORT: CaseReported,
    Action.ASSIGN: CaseAssigned,
    Action.VERIFY: CaseVerified,
    Action.RETURN_TO_REPORTER: CaseReturned,
    Action.RESUBMIT: CaseResubmitted,
    Action.REJECT: CaseRejected,
    Action.ASSESS: CaseAssessed,
    Action.APPROVE_ASSESSMENT: CaseAssessmentApproved,
    Action.RETURN_ASSESSMENT: CaseAssessmentReturned,
    Action.PLAN: CasePlanned,
    Action.APPROVE_PLAN: CasePlanApproved,
    Action.RETURN_PLAN: CasePlanReturned,
    Action.REFER: CaseReferred,
    Action.ACCEPT_REFERRAL: CaseReferralAccepted,
    Action.DECLINE_REFERRAL: CaseReferralDeclined,
    Action.COMPLETE_REFERRAL: CaseReferralCompleted,
    Action.START_MONITORING: CaseMonitoringStarted,
    Action.RECORD_FOLLOW_UP: CaseFollowUpRecorded,
    Action.REQUEST_CLOSURE: CaseClosureRequested,
    Action.APPROVE_CLOSURE: CaseClosed,
    Action.REJECT_CLOSURE: CaseClosureRejected,
    Action.REASSIGN: CaseReassigned,
    Action.REOPEN: CaseReopened,
}

# Only these steps carry a coded reason; every other reason is free text and stays home.
CODED = frozenset({Action.REJECT, Action.REQUEST_CLOSURE, Action.DECLINE_REFERRAL})
REFERRAL_FACTS = ("referral_id", "institution_id", "referral_status", "outcome")


def reason_code(case: Case, event: CaseTransitioned) -> str | None:
    if event.action in CODED:
        return event.reason
    if event.action is Action.APPROVE_CLOSURE and case.closure_reason is not None:
        return case.closure_reason.value
    return None


def case_step(
    case: Case, event: CaseTransitioned, person_id: str | None, deadline: Deadline | None = None
) -> CaseStep:
    """The case's public state after the step (with its next deadline), and the step: no names,
    NIK, notes, nor a protected category (only that there is one)."""
    categories, protected = public_categories(case.categories)
    fields = dict(
        case_id=case.case_id, categories=categories, protected=protected, desa=case.desa,
        kecamatan=case.kecamatan, status=case.status.value, reported_by=case.reported_by,
        reporter_role=case.reporter_role.value, assigned_tksk_id=case.assigned_tksk_id,
        person_id=None if protected else person_id,  # who has a protected case: no one's business
        risk_level=case.risk_level.value if case.risk_level else None,
        action=event.action.value, actor_id=event.actor_id, actor_role=event.actor_role.value,
        at=event.at, reason_code=reason_code(case, event),
        next_step=deadline.step.value if deadline else None,
        due_day=deadline.due_day if deadline else None,
    )  # fmt: skip
    if event.action is Action.REPORT:
        return CaseReported(**fields, intake=True)
    kind = EVENT_OF[event.action]
    if issubclass(kind, ReferralStep):
        fields.update({name: event.details.get(name) for name in REFERRAL_FACTS})
    return kind(**fields)


def person_reported(
    case: Case, person: PersonDetails | None, person_id: str | None
) -> PersonReported:
    """Who the report is about and all its categories, for the registry alone (the restricted
    intake stream)."""
    typed = None if person is None else ReportedPerson(
        nik=person.nik, name=person.name, sex=person.sex, birth_date=person.birth_date
    )  # fmt: skip
    return PersonReported(
        case_id=case.case_id, desa=case.desa, categories=case.categories,
        reported_by=case.reported_by, reporter_role=case.reporter_role.value,
        at=case.reported_at, person=typed, person_id=person_id,
    )  # fmt: skip


async def record_step(
    uow: CasesUnitOfWork,
    change: Change,
    person_id: str | None,
    person: PersonDetails | None = None,
) -> None:
    """The step's timeline row, contract event and audit row, in the caller's transaction.

    A report also tells the registry, on the restricted intake stream, who the case is about
    (`person` typed in, or `person_id`); no public event carries that or a protected code."""
    case, event = change
    await uow.cases.add_step(event)
    deadline = await follow_deadline(uow, case, event)
    uow.outbox.add(case_step(case, event, person_id, deadline), sequence=event.sequence)
    if event.action is Action.REPORT:
        uow.outbox.add(person_reported(case, person, person_id))
    if event.action is Action.VERIFY:  # the registry's record follows what the visit confirmed
        verified = CaseCategoriesVerified(
            case_id=case.case_id, categories=case.categories, at=event.at
        )
        uow.outbox.add(verified)
    note = event.details.get("note")
    await uow.audit(
        event.actor_id, event.actor_role.value, f"case.{event.action.value}",
        record_id=case.case_id, wilayah=case.desa, now=event.at,
        reason=event.reason or (note if isinstance(note, str) else None),
    )  # fmt: skip


async def follow_deadline(
    uow: CasesUnitOfWork, case: Case, event: CaseTransitioned
) -> Deadline | None:
    """The case's next deadline after the step (domain/deadlines.py), kept with it. The one held
    matters only to a step that keeps the case's state (it may keep its clock): only then is it
    read — a report or a move to another state writes the new one without a read."""
    keeps_state = event.from_state is event.to_state
    held = await uow.deadlines.held(case.case_id) if keeps_state else None
    deadline = next_deadline(case, event, held)
    await uow.deadlines.keep(case.case_id, deadline, held)
    return deadline
