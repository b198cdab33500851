"""Each open case has one next deadline, counted on the Dinas's calendar (WITA, weekends and the
2026 holidays off), and it moves with each step: dates checked by hand against the SKB."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.cases.domain.actors import ActorRole
from services.cases.domain.deadlines import RULES, Awaiting, Deadline, Notice, next_deadline
from services.cases.domain.states import Action, CaseState
from tests.cases.unit.builders import PANTI_ID, PATHS, STEPS, TKSK_ID, actor, reported

# Tuesday 17 March 2026, 10:00 WITA: Nyepi (18–19 March) and Lebaran (20–24 March) ahead.
BEFORE_LEBARAN = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)


def walk(state: str, start: datetime, every: timedelta = timedelta(minutes=1)):
    """The case taken to `state` from a report at `start`, the deadline after each step."""
    case, held, now = reported(), None, start
    for action, role in PATHS[state]:
        change = STEPS[action](case, actor(role, case), now)
        case, held = change.case, next_deadline(change.case, change.event, held)
        now += every
    return case, held


def test_a_verification_assigned_before_lebaran_is_due_after_it():
    _, deadline = walk("in_verification", BEFORE_LEBARAN)
    assert deadline is not None
    assert (deadline.step, deadline.awaiting) == (Action.VERIFY, Awaiting(ActorRole.TKSK, TKSK_ID))
    assert deadline.due_day == date(2026, 3, 27)  # 25, 26, 27: the three working days
    # reminded at 08:00 WITA on the working day before; overdue when the 27th ends (WITA);
    # escalated at 08:00 WITA two working days late (Monday 30, Tuesday 31)
    assert deadline.due_soon_at == datetime(2026, 3, 26, 0, 0, tzinfo=UTC)
    assert deadline.due_at == datetime(2026, 3, 27, 16, 0, tzinfo=UTC)
    assert deadline.escalate_at == datetime(2026, 3, 31, 0, 0, tzinfo=UTC)
    assert deadline.holidays_known


def test_the_deadline_moves_with_each_step_and_ends_with_the_case():
    case, verify = walk("in_verification", BEFORE_LEBARAN)
    later = BEFORE_LEBARAN + timedelta(days=8)  # verified on 25 March (WITA)
    verified = STEPS["verify"](case, actor("tksk-assigned", case), later)
    assess = next_deadline(verified.case, verified.event, verify)
    assert assess is not None and (assess.step, assess.set_by) == (Action.ASSESS, 3)
    assert assess.due_day == date(2026, 4, 6)  # 7 working days; Good Friday 3 April off
    closed, deadline = walk("closed", BEFORE_LEBARAN)
    assert closed.status is CaseState.CLOSED and deadline is None
    _, approval = walk("closure_requested", BEFORE_LEBARAN)
    assert approval is not None and approval.awaiting == Awaiting(ActorRole.OPERATOR, None)


def test_a_follow_up_restarts_the_visit_schedule_and_other_steps_keep_it():
    case, monitoring = walk("monitoring", datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    assert monitoring is not None and monitoring.due_day == date(2026, 12, 31)  # 30 days
    visited = STEPS["record_follow_up"](
        case, actor("psm-reporter"), datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    )
    after_visit = next_deadline(visited.case, visited.event, monitoring)
    # 19 January 2027, a Tuesday: 30 days after the visit
    assert after_visit is not None and after_visit.due_day == date(2027, 1, 19)
    case, assessed = walk("verified", BEFORE_LEBARAN)
    note = STEPS["record_follow_up"](
        case, actor("psm-reporter"), BEFORE_LEBARAN + timedelta(days=1)
    )
    assert (
        next_deadline(note.case, note.event, assessed) is assessed
    )  # the assessment clock runs on


def test_a_reassigned_case_gives_the_new_tksk_the_full_time():
    case, verify = walk("in_verification", BEFORE_LEBARAN)
    moved = STEPS["reassign"](case, actor("operator"), BEFORE_LEBARAN + timedelta(days=9))
    again = next_deadline(moved.case, moved.event, verify)
    assert again is not None and again.awaiting.worker_id == moved.case.assigned_tksk_id
    assert again.due_day == date(2026, 3, 31) and again.set_by == moved.case.version


def test_a_walk_in_returned_for_more_information_waits_on_the_dinas():
    case = reported(by="operator")
    for action, role in PATHS["returned"]:
        change = STEPS[action](case, actor(role, case), BEFORE_LEBARAN)
        case = change.case
    deadline = next_deadline(case, change.event, None)
    assert deadline is not None and deadline.awaiting == Awaiting(ActorRole.OPERATOR, None)
    psm_case, psm_deadline = walk("returned", BEFORE_LEBARAN)
    assert psm_deadline is not None
    assert psm_deadline.awaiting == Awaiting(ActorRole.PSM, psm_case.reported_by)


def test_every_state_a_case_waits_in_has_a_rule_and_final_states_none():
    waiting = set(CaseState) - {CaseState.REJECTED, CaseState.CLOSED}
    assert set(RULES) == waiting


def notices(deadline: Deadline, announced: Notice, now: datetime) -> list[Notice]:
    return deadline.due_notices(announced, now)


def test_each_notice_falls_due_once_in_order_and_a_late_reminder_is_skipped():
    _, deadline = walk("in_verification", BEFORE_LEBARAN)
    assert deadline is not None
    soon, over, escalate = deadline.due_soon_at, deadline.due_at, deadline.escalate_at
    tick = timedelta(seconds=1)
    assert notices(deadline, Notice.NONE, soon - tick) == []
    assert notices(deadline, Notice.NONE, soon) == [Notice.DUE_SOON]
    assert notices(deadline, Notice.DUE_SOON, over + tick) == [Notice.OVERDUE]
    assert notices(deadline, Notice.OVERDUE, over + tick) == []
    # down from before the reminder until after the escalation: both late notices, no reminder
    assert notices(deadline, Notice.NONE, escalate) == [Notice.OVERDUE, Notice.ESCALATED]
    assert deadline.next_moment(Notice.NONE) == soon
    assert deadline.next_moment(Notice.ESCALATED) is None
    assert deadline.working_days_late(escalate) == 2


@pytest.mark.parametrize("state", sorted(set(RULES) - {CaseState.REPORTED}))
def test_a_reminder_never_comes_before_the_clock_started(state):
    _, deadline = walk(state, datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    assert deadline is not None
    assert deadline.started_at <= deadline.due_soon_at < deadline.due_at < deadline.escalate_at


def test_a_plan_in_review_waits_on_the_dinas_and_a_declined_referral_on_the_tksk():
    _, review = walk("plan_review", BEFORE_LEBARAN)
    assert review is not None and (review.step, review.awaiting) == (
        Action.APPROVE_PLAN,
        Awaiting(ActorRole.OPERATOR, None),
    )
    assert review.due_day == date(2026, 3, 27)  # three working days after Lebaran
    case, _ = walk("planned", BEFORE_LEBARAN)
    referred = case.refer(
        actor("tksk-assigned", case), BEFORE_LEBARAN, referral_id="r", service="PSTW",
        consent=True, institution_id=PANTI_ID,
    ).case  # fmt: skip
    declined_at = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)  # Monday
    back = referred.decline_referral(actor("institution"), declined_at, "r", "lainnya", None)
    deadline = next_deadline(back.case, back.event, None)
    assert deadline is not None and (deadline.step, deadline.awaiting) == (
        Action.REFER,
        Awaiting(ActorRole.TKSK, TKSK_ID),
    )
    assert deadline.due_day == date(2026, 4, 20)  # ten working days: 7 … 20 April
