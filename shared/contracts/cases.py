"""Events the cases service publishes on `<namespace>.cases.events`.

Every step of a PMKS case is an event carrying the case's public state after the step (so other
services keep order-tolerant projections, `sequence` = the case's version) and the step itself:
action, actor, role, time, and the reason *code* where the workflow has one (rejection and
closure reasons). Never personal data: no NIK, no names, no health details, no free-text notes
(those stay in the cases store and its audit trail) — DESIGN.md §3.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.contracts.catalog import CATALOG
from shared.contracts.envelope import Event


class CaseStep(Event):
    """A case after one step of its workflow (DOMAIN.md §5)."""

    subject_field: ClassVar[str] = "case_id"

    case_id: str
    categories: tuple[str, ...] = Field(description="PMKS category codes, e.g. LUT, PD")
    desa: str
    kecamatan: str
    status: str
    reported_by: str = Field(description="worker id of the reporting PSM, or the operator's sub")
    assigned_tksk_id: str | None = None
    person_id: str | None = Field(None, description="registry person id once linked")
    risk_level: str | None = None
    action: str
    actor_id: str
    actor_role: str
    at: datetime
    reason_code: str | None = None


@CATALOG.register
class CaseReported(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_reported.v1"


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
class CaseReferred(CaseStep):
    type: ClassVar[str] = "kesos.cases.case_referred.v1"


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
