"""Announcing deadlines: a case's step due soon, overdue, escalated — each once.

The deadline watch (entrypoints/deadline_watch.py) calls `announce_due` every few seconds with
the time. What makes each notice go out once, across replicas, restarts and downtime, is in the
store, not in the watch: a notice's event is written in the same transaction that records it as
announced, and that record is a compare-and-set on the deadline as it was read (the same
deadline — `set_by` — and nothing more announced since). A watch that was down finds on its
next round every moment that passed, and announces what is due then (a reminder that came too
late is skipped: the case is overdue by then, and says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from services.cases.adapters.cases import Step
from services.cases.adapters.deadlines import Held
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.actors import SYSTEM, ActorRole
from services.cases.domain.cases import CaseTransitioned
from services.cases.domain.deadlines import Deadline, Notice, deadline_from
from services.cases.domain.states import Action, CaseState
from shared.contracts.cases import CaseDeadline, CaseDueSoon, CaseEscalated, CaseOverdue

EVENT_OF: Mapping[Notice, type[CaseDeadline]] = {
    Notice.DUE_SOON: CaseDueSoon,
    Notice.OVERDUE: CaseOverdue,
    Notice.ESCALATED: CaseEscalated,
}


async def announce_due(uow: CasesUnitOfWork, now: datetime, limit: int = 200) -> int:
    """Announce the notices due at `now` of up to `limit` deadlines; how many were announced
    (0: nothing was due, or another replica announced them first)."""
    announced = 0
    for held in await uow.deadlines.falling_due(now, limit):
        notices = held.deadline.due_notices(held.announced, now)
        if not notices or not await uow.deadlines.announce(held, notices[-1]):
            continue
        for notice in notices:
            await _announce(uow, held, notice, now)
            announced += 1
    return announced


async def _announce(uow: CasesUnitOfWork, held: Held, notice: Notice, now: datetime) -> None:
    deadline = held.deadline
    uow.outbox.add(deadline_event(deadline, notice, now))
    await uow.audit(
        SYSTEM.sub, SYSTEM.role.value, f"case.{notice.name.lower()}", record_id=deadline.case_id,
        wilayah=deadline.desa, now=now, reason=f"{deadline.step.value} due {deadline.due_day}",
    )  # fmt: skip


def deadline_event(deadline: Deadline, notice: Notice, now: datetime) -> CaseDeadline:
    late = 0 if notice is Notice.DUE_SOON else deadline.working_days_late(now)
    return EVENT_OF[notice](
        case_id=deadline.case_id, set_by=deadline.set_by, step=deadline.step.value,
        awaiting_role=deadline.awaiting.role.value, awaiting_id=deadline.awaiting.worker_id,
        desa=deadline.desa, kecamatan=deadline.kecamatan, due_day=deadline.due_day,
        due_at=deadline.due_at, working_days_late=late, holidays_known=deadline.holidays_known,
    )  # fmt: skip


async def backfill(uow: CasesUnitOfWork, limit: int = 200) -> int:
    """Give open cases without a recorded deadline (open before deadlines were kept) the one
    their timeline gives them; how many got one."""
    filled = 0
    for case_id in await uow.deadlines.open_without_one(limit):
        stored = await uow.cases.get(case_id)
        if stored is None:
            continue
        history = [_transitioned(case_id, step) for step in await uow.cases.steps_of(case_id)]
        deadline = deadline_from(stored.case, history)
        await uow.deadlines.keep(case_id, deadline, None)
        filled += deadline is not None
    return filled


def _transitioned(case_id: str, step: Step) -> CaseTransitioned:
    return CaseTransitioned(
        case_id=case_id, sequence=step.sequence, action=Action(step.action),
        from_state=CaseState(step.from_state) if step.from_state else None,
        to_state=CaseState(step.to_state), actor_id=step.actor_id,
        actor_role=ActorRole(step.actor_role), at=step.at, reason=step.reason,
        details=step.details,
    )  # fmt: skip
