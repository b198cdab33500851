"""How long each step of a case may wait, as data: one row per state a case waits in.

While a case is in a state, the row says which step is due, who must take it, and within how
many days of the case entering that state (working days on the Dinas's calendar — weekends,
libur nasional and cuti bersama off, WITA days — or calendar days for visits on a schedule).
Every step recomputes the case's deadline (`next_deadline`): a new state starts a new clock; a
step that keeps the state keeps the clock, unless the row says it restarts it (a follow-up
visit restarts the visit schedule; a reassignment gives the new TKSK the full time).

Three moments follow from a deadline: `due_soon_at` (a reminder, at office opening
`remind_before` working days before the due day), `due_at` (the due day has ended: overdue) and
`escalate_at` (`escalate_after` working days late, at office opening: the Dinas's operators of
the wilayah are told). The defaults follow DOMAIN.md §5 and issue 13.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum

from services.cases.domain.actors import ActorRole
from services.cases.domain.cases import Case, CaseTransitioned
from services.cases.domain.states import Action, CaseState
from shared.reference import calendar


class Notice(IntEnum):
    """What has been announced of a deadline, in the order they come."""

    NONE = 0
    DUE_SOON = 1
    OVERDUE = 2
    ESCALATED = 3


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    state: CaseState  # while the case waits in this state…
    step: Action  # …this step is due…
    by: ActorRole  # …from the assigned TKSK, the reporting PSM or the Dinas's operators
    within: int  # days after the case entered the state
    working_days: bool  # counted in working days; else calendar days (moved off a day off)
    remind_before: int  # working days before the due day
    escalate_after: int  # working days late
    restarted_by: frozenset[Action] = frozenset({Action.REASSIGN})

    def due_from(self, case: Case, at: datetime, set_by: int) -> Deadline:
        start = calendar.wita_day(at)
        if self.working_days:
            due_day = calendar.add_working_days(start, self.within)
        else:
            due_day = calendar.on_or_after_working_day(start + timedelta(days=self.within))
        reminder = calendar.office_opens(calendar.add_working_days(due_day, -self.remind_before))
        return Deadline(
            case_id=case.case_id, set_by=set_by, step=self.step, awaiting=self._awaiting(case),
            desa=case.desa, kecamatan=case.kecamatan, started_at=at, due_day=due_day,
            due_soon_at=max(reminder, at),
            due_at=calendar.start_of(due_day + timedelta(days=1)),
            escalate_at=calendar.office_opens(
                calendar.add_working_days(due_day, self.escalate_after)
            ),
            holidays_known=calendar.holidays_known(due_day),
        )  # fmt: skip

    def _awaiting(self, case: Case) -> Awaiting:
        """Who exactly: a worker by id, or (None) any operator of the case's wilayah. A case an
        operator reported (a walk-in) goes back to the Dinas, not to a PSM."""
        if self.by is ActorRole.TKSK:
            return Awaiting(ActorRole.TKSK, case.assigned_tksk_id)
        if self.by is ActorRole.PSM and case.reporter_role is ActorRole.PSM:
            return Awaiting(ActorRole.PSM, case.reported_by)
        return Awaiting(ActorRole.OPERATOR, None)


@dataclass(frozen=True, slots=True)
class Awaiting:
    role: ActorRole
    worker_id: str | None  # None: any operator of the wilayah


@dataclass(frozen=True, slots=True)
class Deadline:
    case_id: str
    set_by: int  # the case's version whose step set this deadline: its identity
    step: Action
    awaiting: Awaiting
    desa: str
    kecamatan: str
    started_at: datetime
    due_day: date  # the last WITA day to take the step
    due_soon_at: datetime
    due_at: datetime
    escalate_at: datetime
    holidays_known: bool  # False: the due day's year has no holiday decree yet

    def moment(self, notice: Notice) -> datetime:
        return {Notice.DUE_SOON: self.due_soon_at, Notice.OVERDUE: self.due_at,
                Notice.ESCALATED: self.escalate_at}[notice]  # fmt: skip

    def due_notices(self, announced: Notice, now: datetime) -> list[Notice]:
        """What is to be announced at `now`, given what was: each once, in order. A reminder
        whose deadline has passed already (the service was down) is skipped, not sent late."""
        due: list[Notice] = [n for n in Notice if n > announced and self.moment(n) <= now]
        if Notice.OVERDUE in due and Notice.DUE_SOON in due:
            due.remove(Notice.DUE_SOON)
        return due

    def next_moment(self, announced: Notice) -> datetime | None:
        """When the next notice falls due; None when all are announced."""
        return None if announced is Notice.ESCALATED else self.moment(Notice(announced + 1))

    def working_days_late(self, now: datetime) -> int:
        return calendar.working_days_between(self.due_day, calendar.wita_day(now))


S, A, R = CaseState, Action, ActorRole
WORKING, DAYS = True, False
FOLLOW_UP_CLOCK = frozenset({A.RECORD_FOLLOW_UP, A.REASSIGN})
# state, step due, by whom, within, counted in, remind before, escalate after (working days)
_TABLE = (
    # No active TKSK in the kecamatan: the Dinas must appoint one.
    DeadlineRule(S.REPORTED, A.ASSIGN, R.OPERATOR, 2, WORKING, 1, 2),
    DeadlineRule(S.IN_VERIFICATION, A.VERIFY, R.TKSK, 3, WORKING, 1, 2),
    DeadlineRule(S.RETURNED, A.RESUBMIT, R.PSM, 7, WORKING, 2, 5),
    DeadlineRule(S.VERIFIED, A.ASSESS, R.TKSK, 7, WORKING, 2, 3),
    DeadlineRule(S.ASSESSMENT_REVIEW, A.APPROVE_ASSESSMENT, R.OPERATOR, 3, WORKING, 1, 2),
    DeadlineRule(S.ASSESSED, A.PLAN, R.TKSK, 5, WORKING, 2, 3),
    DeadlineRule(S.PLAN_REVIEW, A.APPROVE_PLAN, R.OPERATOR, 3, WORKING, 1, 2),
    # After the plan (or a declined referral): refer to a service, or monitor a low-risk case.
    DeadlineRule(S.PLANNED, A.REFER, R.TKSK, 10, WORKING, 2, 5),
    # A referral's service should be under way within the month: monitoring follows.
    DeadlineRule(S.REFERRED, A.START_MONITORING, R.TKSK, 30, DAYS, 3, 5),
    DeadlineRule(S.MONITORING, A.RECORD_FOLLOW_UP, R.TKSK, 30, DAYS, 3, 5, FOLLOW_UP_CLOCK),
    DeadlineRule(S.CLOSURE_REQUESTED, A.APPROVE_CLOSURE, R.OPERATOR, 5, WORKING, 1, 2),
)
RULES: Mapping[CaseState, DeadlineRule] = {rule.state: rule for rule in _TABLE}


def next_deadline(case: Case, step: CaseTransitioned, held: Deadline | None) -> Deadline | None:
    """The case's deadline after `step`: none in a final state, the one held when the step
    keeps the state and does not restart its clock, else a new one from the step's time."""
    rule = RULES.get(step.to_state)
    if rule is None:
        return None
    kept = step.from_state is step.to_state and step.action not in rule.restarted_by
    if kept and held is not None and held.step is rule.step:
        return held
    return rule.due_from(case, step.at, set_by=step.sequence)


def deadline_from(case: Case, history: Iterable[CaseTransitioned]) -> Deadline | None:
    """The deadline `case` has after its steps: for a case that had none recorded yet (open
    before deadlines were kept), replayed from its timeline."""
    held = None
    for step in history:
        held = next_deadline(case, step, held)
    return held
