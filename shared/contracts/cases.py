"""Events the cases service publishes on `<namespace>.cases.events` (and `.intake`).

Every step of a PMKS case is an event carrying the case's public state after the step (so other
services keep order-tolerant projections, `sequence` = the case's version) and the step itself:
action, actor, role, time, and the reason *code* where the workflow has one (rejection and
closure reasons). Never personal data: no NIK, no names, no health details, no free-text notes
(those stay in the cases store and its audit trail) — DESIGN.md §3.

Who a report is about — a person the reporter typed in (NIK, name, sex, birth date) or a
registry person — and all its categories reach the registry in `person_reported` on the
restricted `<ns>.cases.intake`, which only the registry may read (docs/adr/0005). Until then
`case_reported` itself carried the person (ADR 0003); its `person` field stays in the schema,
always null now, so older entries still read. Protected categories (ODHA, ABH, …) never appear
on the public stream: a step says only `protected: true` beside the other codes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.catalog import CATALOG
from shared.contracts.envelope import Event
from shared.contracts.oversight import ProtectedRecordOpened


class CaseStep(Event):
    """A case after one step of its workflow (DOMAIN.md §5)."""

    subject_field: ClassVar[str] = "case_id"

    case_id: str
    categories: tuple[str, ...] = Field(
        description="PMKS category codes, e.g. LUT, PD — never a protected one (ODHA, ABH, …)"
    )
    protected: bool = Field(
        False, description="the case is also in a protected category, left out of `categories`"
    )
    desa: str
    kecamatan: str
    status: str
    reported_by: str = Field(description="worker id of the reporting PSM, or the operator's sub")
    reporter_role: str | None = Field(None, description="psm, or operator for a walk-in report")
    assigned_tksk_id: str | None = None
    person_id: str | None = Field(None, description="registry person id once linked")
    risk_level: str | None = None
    action: str
    actor_id: str
    actor_role: str
    at: datetime
    reason_code: str | None = None
    next_step: str | None = Field(
        None, description="the step the case waits for now (verify, assess, …); null when final"
    )
    due_day: date | None = Field(
        None, description="the last day (WITA, working days) to take `next_step`"
    )


class ReportedPerson(BaseModel):
    """The person as the reporter typed them, already validated with the shared validators
    (NIK, desa) so that the registry's register-or-link never refuses them."""

    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    nik: str | None = Field(None, description="16 digits, or null: NIK not yet recorded")
    name: str
    sex: Literal["L", "P"]
    birth_date: date | None = None


@CATALOG.register
class CaseReported(CaseStep):
    """A new case."""

    type: ClassVar[str] = "kesos.cases.case_reported.v1"

    person: ReportedPerson | None = Field(
        None,
        description="always null now; entries published before docs/adr/0005 may carry the "
        "typed-in person, which now travels on the restricted intake stream",
    )
    intake: bool = Field(
        False, description="who the case is about went to the registry as `person_reported`"
    )


@CATALOG.register
class PersonReported(Event):
    """Restricted (`<ns>.cases.intake`, read by the registry alone): who a report is about —
    typed in, or a registry person by id — with all its categories, protected ones included,
    for the registry to register or link them."""

    type: ClassVar[str] = "kesos.cases.person_reported.v1"
    subject_field: ClassVar[str] = "case_id"
    stream_channel: ClassVar[str] = "intake"

    case_id: str
    desa: str
    categories: tuple[str, ...]
    reported_by: str
    reporter_role: str | None = None
    at: datetime
    person: ReportedPerson | None = Field(None, description="typed in; or person_id")
    person_id: str | None = Field(None, description="a registry person; or person")


@CATALOG.register
class CaseAssigned(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_assigned.v1"


@CATALOG.register
class CaseVerified(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_verified.v1"


@CATALOG.register
class CaseReturned(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_returned.v1"


@CATALOG.register
class CaseResubmitted(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_resubmitted.v1"


@CATALOG.register
class CaseRejected(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_rejected.v1"


@CATALOG.register
class CaseAssessed(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_assessed.v1"


@CATALOG.register
class CaseAssessmentApproved(CaseStep):
    """A Dinas operator approved an assessment that waited in `assessment_review`."""

    type: ClassVar[str] = "kesos.cases.case_assessment_approved.v1"


@CATALOG.register
class CaseAssessmentReturned(CaseStep):
    """A Dinas operator sent an assessment back to the TKSK (status `verified` again)."""

    type: ClassVar[str] = "kesos.cases.case_assessment_returned.v1"


@CATALOG.register
class CasePlanned(CaseStep):
    """The TKSK made the intervention plan: `planned`, or `plan_review` when the Dinas approves
    plans of the case's categories first. The plan's words stay in the cases store."""

    type: ClassVar[str] = "kesos.cases.case_planned.v1"


@CATALOG.register
class CasePlanApproved(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_plan_approved.v1"


@CATALOG.register
class CasePlanReturned(CaseStep):
    """A Dinas operator sent the plan back to the TKSK (status `assessed` again)."""

    type: ClassVar[str] = "kesos.cases.case_plan_returned.v1"


class ReferralStep(CaseStep):
    """A step of one of the case's referrals: which, to whom, and where it stands now."""

    referral_id: str | None = Field(None, description="null only on entries from before v0.2")
    institution_id: str | None = Field(
        None, description="the receiving institution (registry); null: named only"
    )
    referral_status: Literal["sent", "accepted", "declined", "completed"] | None = None
    outcome: str | None = Field(
        None, description="a completed referral's outcome code (dilayani, tidak_dilayani, …)"
    )


@CATALOG.register
class CaseReferred(ReferralStep):
    type: ClassVar[str] = "kesos.cases.case_referred.v1"


@CATALOG.register
class CaseReferralAccepted(ReferralStep):
    type: ClassVar[str] = "kesos.cases.case_referral_accepted.v1"


@CATALOG.register
class CaseReferralDeclined(ReferralStep):
    """`reason_code` says why (kapasitas_penuh, tidak_memenuhi_syarat, …); with no other live
    referral the case is back in `planned`, for its TKSK to refer elsewhere or monitor."""

    type: ClassVar[str] = "kesos.cases.case_referral_declined.v1"


@CATALOG.register
class CaseReferralCompleted(ReferralStep):
    type: ClassVar[str] = "kesos.cases.case_referral_completed.v1"


@CATALOG.register
class CaseMonitoringStarted(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_monitoring_started.v1"


@CATALOG.register
class CaseFollowUpRecorded(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_follow_up_recorded.v1"


@CATALOG.register
class CaseClosureRequested(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_closure_requested.v1"


@CATALOG.register
class CaseClosed(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_closed.v1"


@CATALOG.register
class CaseClosureRejected(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_closure_rejected.v1"


@CATALOG.register
class CaseReassigned(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_reassigned.v1"


@CATALOG.register
class CaseReopened(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_reopened.v1"


@CATALOG.register
class CaseCategoriesVerified(Event):
    """Restricted (`<ns>.cases.intake`, read by the registry alone): the categories the TKSK
    confirmed on the home visit, protected ones included, so the person's record follows."""

    type: ClassVar[str] = "kesos.cases.case_categories_verified.v1"
    subject_field: ClassVar[str] = "case_id"
    stream_channel: ClassVar[str] = "intake"

    case_id: str
    categories: tuple[str, ...]
    at: datetime


@CATALOG.register
class CaseRecordOpened(ProtectedRecordOpened):
    """Restricted (`<ns>.cases.oversight`, read by notifications alone): Dinas staff broke the
    glass on a case in a protected category."""

    type: ClassVar[str] = "kesos.cases.protected_record_opened.v1"


class CaseDeadline(Event):
    """A case's next step is due soon, is overdue, or is escalated (services/cases/domain/
    deadlines.py): published once per deadline and notice, by the one cases replica keeping the
    deadline watch; a deadline set again by a later step is a new one (`set_by`). Codes and
    ids only."""

    subject_field: ClassVar[str] = "case_id"

    case_id: str
    set_by: int = Field(description="the case's version whose step set this deadline")
    step: str = Field(description="the step due, e.g. verify, assess, approve_closure")
    awaiting_role: Literal["tksk", "psm", "operator"]
    awaiting_id: str | None = Field(
        None, description="the worker the step waits on; null: any operator of the wilayah"
    )
    desa: str
    kecamatan: str
    due_day: date = Field(description="the last day (WITA) to take the step")
    due_at: datetime = Field(description="when the due day ends: overdue from then")
    working_days_late: int = Field(0, description="working days past the due day, at notice")
    holidays_known: bool = Field(
        True, description="false: the due day's year has no holiday decree yet; it may move"
    )


@CATALOG.register
class CaseDueSoon(CaseDeadline):
    """A reminder: the step falls due within its rule's `remind_before` working days."""

    type: ClassVar[str] = "kesos.cases.case_due_soon.v1"


@CATALOG.register
class CaseOverdue(CaseDeadline):
    type: ClassVar[str] = "kesos.cases.case_overdue.v1"


@CATALOG.register
class CaseEscalated(CaseDeadline):
    """Overdue past the rule's escalation threshold: for the Dinas's operators of the wilayah."""

    type: ClassVar[str] = "kesos.cases.case_escalated.v1"
