"""Deadline notices on both stores, with a clock the test controls: each announced once —
even by two replicas at the same time, or a replica restarted — late ones caught up after
downtime, a deadline a step replaced never announced, and open cases from before deadlines
were kept given theirs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import delete

from services.cases.adapters.tables import deadlines
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.deadlines import Deadline
from services.cases.entrypoints.deadline_watch import DeadlineSettings, deadline_watch
from services.cases.use_cases.deadlines import announce_due
from shared.persistence.engine import session_factory
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.persistence.watch import Watch
from tests.cases.integration.conftest import Cases, psm, tksk
from tests.support.watches import Clock, outbox_events, together

pytestmark = pytest.mark.integration
SECOND = timedelta(seconds=1)
NOTICES = ("case_due_soon", "case_overdue", "case_escalated")


def watch(cases_app: Cases, clock: Clock) -> Watch[CasesUnitOfWork]:
    """A replica's watch on the service's store (each replica has its own)."""
    uows = UnitOfWorkFactory(
        session_factory(cases_app.store.engine), namespace=cases_app.namespace,
        service="cases", make=CasesUnitOfWork,
    )  # fmt: skip
    return deadline_watch(uows, DeadlineSettings(poll_s=60, batch=2), clock)


async def deadline_of(cases_app: Cases, case_id: str) -> Deadline:
    async with watch(cases_app, Clock())._uows() as uow:
        held = await uow.deadlines.held(case_id)
    assert held is not None
    return held


async def notices(cases_app: Cases) -> list[tuple[str, str, dict]]:
    """(kind, case id, data) of every deadline notice written, in order."""
    return [
        (name.removeprefix("case_"), data["case_id"], data)
        for kind, data in await outbox_events(cases_app.store.engine)
        if (name := kind.split(".")[2]) in NOTICES
    ]


async def assigned_case(cases_app: Cases) -> str:
    await cases_app.active_tksk(worker_id="tksk-binuang")
    case = await cases_app.report(psm("psm-tungkap"))
    assert case["status"] == "in_verification"
    return str(case["case_id"])


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_each_notice_is_announced_once_even_by_two_replicas_and_after_a_restart(
    make_cases, kind
):
    cases_app: Cases = await make_cases(kind)
    case_id = await assigned_case(cases_app)
    deadline = await deadline_of(cases_app, case_id)
    assert (deadline.step.value, deadline.awaiting.worker_id) == ("verify", "tksk-binuang")
    clock = Clock()
    first, second = watch(cases_app, clock), watch(cases_app, clock)
    # On SQLite one process is assumed: its two watches take turns; on PostgreSQL they race.
    for moment in (deadline.due_soon_at - SECOND, deadline.due_soon_at, deadline.due_at + SECOND,
                   deadline.escalate_at - SECOND, deadline.escalate_at):  # fmt: skip
        clock.now = moment
        await together(kind, first.round(), second.round())
        await watch(cases_app, clock).round()  # a replica restarted: nothing new to say
    said = await notices(cases_app)
    assert [(name, case) for name, case, _ in said] == [
        ("due_soon", case_id),
        ("overdue", case_id),
        ("escalated", case_id),
    ]
    due_soon, overdue, escalated = (data for _, _, data in said)
    assert due_soon["working_days_late"] == 0 and escalated["working_days_late"] == 2
    assert overdue["awaiting_id"] == "tksk-binuang" and overdue["due_day"] == str(deadline.due_day)
    assert "name" not in overdue and "nik" not in overdue


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_a_watch_that_was_down_catches_up_without_a_late_reminder(make_cases, kind):
    cases_app: Cases = await make_cases(kind)
    case_id = await assigned_case(cases_app)
    deadline = await deadline_of(cases_app, case_id)
    clock = Clock()
    clock.now = deadline.escalate_at + timedelta(days=10)
    assert await watch(cases_app, clock).round() == 2
    assert [name for name, _, _ in await notices(cases_app)] == ["overdue", "escalated"]


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_a_step_replaces_the_deadline_and_the_old_one_is_never_announced(make_cases, kind):
    cases_app: Cases = await make_cases(kind)
    case_id = await assigned_case(cases_app)
    verify = await deadline_of(cases_app, case_id)
    clock = Clock()
    clock.now = verify.due_soon_at
    await watch(cases_app, clock).round()
    await cases_app.ok(case_id, "verify", tksk("tksk-binuang"))
    assess = await deadline_of(cases_app, case_id)
    assert assess.step.value == "assess" and assess.set_by > verify.set_by
    clock.now = verify.escalate_at  # the verification's moments pass: it was done
    await watch(cases_app, clock).round()
    said = [(name, data["step"]) for name, _, data in await notices(cases_app)]
    assert ("overdue", "verify") not in said and said[0] == ("due_soon", "verify")
    clock.now = assess.due_at
    await watch(cases_app, clock).round()
    assert (await notices(cases_app))[-1][0] == "overdue"
    assert [s for _, s in said] + ["assess"] == [d["step"] for _, _, d in await notices(cases_app)]


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_an_open_case_without_a_recorded_deadline_gets_the_one_its_timeline_gives(
    make_cases, kind
):
    cases_app: Cases = await make_cases(kind)
    case_id = await assigned_case(cases_app)
    kept = await deadline_of(cases_app, case_id)
    async with cases_app.store.engine.begin() as connection:  # as before the upgrade
        await connection.execute(delete(deadlines))
    clock = Clock()
    clock.now = kept.started_at
    await watch(cases_app, clock).round()
    assert await deadline_of(cases_app, case_id) == kept


async def test_without_the_lock_two_rounds_racing_still_announce_once(make_cases):
    """The store, not the watch's lock, is what makes a notice go out once: two transactions
    read the same due deadline; the second's compare-and-set finds it announced."""
    cases_app: Cases = await make_cases("postgresql")
    case_id = await assigned_case(cases_app)
    deadline = await deadline_of(cases_app, case_id)
    uows = watch(cases_app, Clock())._uows
    async with uows() as first, uows() as second:
        assert await announce_due(first, deadline.due_soon_at) == 1
        racing = asyncio.create_task(announce_due(second, deadline.due_soon_at))
        await asyncio.sleep(0.3)  # its read sees the deadline unannounced; its write waits
        await first.commit()
        assert await racing == 0
        await second.commit()
    assert [name for name, _, _ in await notices(cases_app)] == ["due_soon"]


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_a_round_that_dies_before_its_commit_loses_no_notice(make_cases, kind):
    """A replica killed mid-round: its transaction never commits, so neither the notice's event
    nor its record of being announced stand — the next round announces it, once."""
    cases_app: Cases = await make_cases(kind)
    case_id = await assigned_case(cases_app)
    deadline = await deadline_of(cases_app, case_id)
    clock = Clock()
    clock.now = deadline.due_at
    async with watch(cases_app, clock)._uows() as dying:
        assert await announce_due(dying, clock.now) == 1
        await dying.flush()  # the event and the record written, never committed: killed here
    assert await notices(cases_app) == []
    assert await watch(cases_app, clock).round() == 1
    assert [name for name, _, _ in await notices(cases_app)] == ["overdue"]
    assert await watch(cases_app, clock).round() == 0
