"""The cases API (`/v1/cases`, `/v1/rekap`) and the one map from rules to problems.

Writes run in one unit of work through `idempotent_write`: the case's new state, its step, its
outbox row, its audit row and the stored answer commit together. Who may take which step is the
domain's transition table; scope (404 outside the caller's wilayah) is the use cases'.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from services.cases.adapters.cases import CaseFilter, Queue, QueueFilter, StoredCase
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.actors import Actor
from services.cases.domain.approvals import Approvals, default_approvals
from services.cases.domain.errors import CaseError, CaseRule
from services.cases.domain.referrals import ReferralStatus
from services.cases.domain.reporting import CaseReport
from services.cases.domain.states import Action, CaseState
from services.cases.entrypoints import schemas as s
from services.cases.use_cases import queries, reporting, transitions
from services.cases.use_cases.disclosure import disclose_cases, open_protected_case
from services.cases.use_cases.transitions import Step
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.reference.calendar import office_opens, wita_day
from shared.security import Principal, Role, narrowest
from shared.web.auth import allow
from shared.web.glass import GlassOut, GlassRequest, GlassTtl
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import (
    Cursor,
    Limit,
    Page,
    page_of,
    time_and_id,
    time_and_id_after,
)
from shared.web.problems import Problem, not_yet_known

Uows = UnitOfWorkFactory[CasesUnitOfWork]
PATH_PARAMETER = re.compile(r"{(\w+)}")

# Any role reaches the endpoints; the transition table decides who may take a step.
Caller = Annotated[Principal, Depends(allow(*Role))]
Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]

FORBIDDEN = {
    CaseRule.ROLE_NOT_ALLOWED,
    CaseRule.NOT_ASSIGNED_TKSK,
    CaseRule.NOT_REPORTER,
    CaseRule.OUTSIDE_WILAYAH,
    CaseRule.NOT_THE_INSTITUTION,
}
CONFLICT = {
    CaseRule.NOT_PROTECTED,
    CaseRule.REFERRAL_STATE,
    CaseRule.CONCURRENT_UPDATE,
    CaseRule.TRANSITION_NOT_ALLOWED,
    CaseRule.CLOSED,
    CaseRule.ALREADY_ASSIGNED,
}


def problem_for(error: CaseError) -> Problem:
    """403 role/relation refusals, 409 state refusals, 404 missing, 422 the rest (bad input)."""
    rule = error.rule
    if rule in (CaseRule.NOT_FOUND, CaseRule.REFERRAL_NOT_FOUND):
        status = 404
    elif rule in FORBIDDEN:
        status = 403
    elif rule in CONFLICT:
        status = 409
    else:
        status = 422
    title = rule.value.removeprefix("case-").replace("-", " ").capitalize()
    problem = Problem(status, rule.value, title, error.message)
    problem.extensions.update(error.facts)  # what a client may be told: action, state, …
    return problem


def install(app: FastAPI) -> None:
    """Answer every case rule broken with its problem (called by `app.py`)."""

    async def on_case_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, CaseError)
        return problem_for(error).response(request.url.path)

    async def on_not_yet_known(request: Request, error: Exception) -> JSONResponse:
        return not_yet_known("worker").response(request.url.path)

    async def on_person_not_yet_known(request: Request, error: Exception) -> JSONResponse:
        # Also a person outside the caller's wilayah: answering 422 there would tell the caller
        # that the id exists elsewhere (see reporting.PersonNotYetKnown).
        return not_yet_known("person").response(request.url.path)

    async def on_bad_target(request: Request, error: Exception) -> JSONResponse:
        problem = Problem(
            422, transitions.ReassignTargetInvalid.rule, "Not an active TKSK",
            "reassign to an active TKSK inside your wilayah",
        )  # fmt: skip
        return problem.response(request.url.path)

    app.add_exception_handler(CaseError, on_case_error)
    app.add_exception_handler(transitions.WorkerNotYetKnown, on_not_yet_known)
    app.add_exception_handler(reporting.PersonNotYetKnown, on_person_not_yet_known)
    app.add_exception_handler(transitions.ReassignTargetInvalid, on_bad_target)


async def answer(uow: CasesUnitOfWork, stored: StoredCase, caller: Principal) -> s.CaseOut:
    """A write's answer: the case as the caller may see it (the write itself is audited)."""
    [shown] = await disclose_cases(uow, [stored], caller, utcnow(), audit=False)
    households = await households_of(uow, [stored])
    deadlines = await uow.deadlines.of_cases([stored.case.case_id])
    return s.CaseOut.of(stored, shown, households=households, deadlines=deadlines)


async def households_of(uow: CasesUnitOfWork, found: list[StoredCase]) -> dict[str, int]:
    return await uow.households.sizes_of([stored.person_id or "" for stored in found])


async def shown_page(
    uow: CasesUnitOfWork, found: list[StoredCase], caller: Principal, now: datetime
) -> list[s.CaseOut]:
    """A page of cases as the caller may see them, with household sizes and deadlines; one
    audit row per case whose person was shown (committed here)."""
    shown = await disclose_cases(uow, found, caller, now)
    households = await households_of(uow, found)
    deadlines = await uow.deadlines.of_cases([stored.case.case_id for stored in found])
    await uow.commit()
    return [
        s.CaseOut.of(stored, seen, households=households, deadlines=deadlines, now=now)
        for stored, seen in zip(found, shown, strict=True)
    ]


AsOf = Annotated[
    date | None,
    Query(
        description="a day to come (WITA): the queue as it will stand at office opening then, "
        "if nobody acts before — to plan ahead of a long holiday"
    ),
]


def forecast_moment(as_of: date | None, now: datetime) -> datetime:
    """When a queue is read for: now, or office opening on a day to come (today: now)."""
    if as_of is None or as_of == wita_day(now):
        return now
    if as_of < wita_day(now):
        raise Problem(422, "as-of-in-the-past", "Not a day to come", "`as_of` is before today")
    return office_opens(as_of)


def queues_router(uows: Uows) -> APIRouter:
    router = APIRouter(prefix="/v1/queues", tags=["work queues"])

    @router.get(
        "/{queue}", response_model=Page[s.CaseOut],
        summary="A work queue: awaiting-me (my next steps), overdue or due-soon, nearest first",
    )  # fmt: skip
    async def get_queue(
        queue: Queue, caller: Caller, limit: Limit = 50, cursor: Cursor = None, as_of: AsOf = None
    ) -> Any:
        if caller.wilayah is None or caller.role is Role.INTEGRATION:
            return Page[s.CaseOut](items=[])
        now = forecast_moment(as_of, utcnow())
        wanted = QueueFilter(
            queue, caller.wilayah, now, caller.role.value, caller.sub,
            reported_by=caller.sub if caller.role is Role.PSM else None,
            after=time_and_id_after(cursor),
        )  # fmt: skip
        async with uows() as uow:
            found = await uow.cases.in_queue(wanted, limit + 1)
            page = page_of(found, limit, lambda item: time_and_id(item[1], item[0].case.case_id))
            items = await shown_page(uow, [stored for stored, _ in page.items], caller, now)
        return Page[s.CaseOut](items=items, next_cursor=page.next_cursor)

    return router


def referrals_router(uows: Uows) -> APIRouter:
    router = APIRouter(prefix="/v1/referrals", tags=["referrals"])

    @router.get(
        "", response_model=Page[s.ReferredCase],
        summary="A receiving institution's own referrals, the newest first (its client only)",
    )  # fmt: skip
    async def get_referrals(
        caller: Caller,
        limit: Limit = 50,
        cursor: Cursor = None,
        status: ReferralStatus | None = None,
    ) -> Any:
        now = utcnow()
        async with uows() as uow:
            if not await transitions.is_institution(uow, caller):
                raise Problem(
                    403, "institutions-only", "Not an institution's client",
                    "the referrals made to an institution are listed to its own client",
                )  # fmt: skip
            found = await uow.cases.referred_to(
                caller.sub, status.value if status else None, time_and_id_after(cursor), limit + 1
            )
            page = page_of(found, limit, lambda item: time_and_id(item[2], item[1]))
            shown = await shown_page(uow, [stored for stored, _, _ in page.items], caller, now)
        items = [
            s.ReferredCase(referral_id=referral_id, case=case)
            for (_, referral_id, _), case in zip(page.items, shown, strict=True)
        ]
        return Page[s.ReferredCase](items=items, next_cursor=page.next_cursor)

    return router


def cases_router(uows: Uows, approvals: Approvals | None = None) -> APIRouter:
    """`approvals`: which assessments and plans the Dinas approves (default: domain/approvals)."""
    approvals = approvals or default_approvals()
    router = APIRouter(prefix="/v1/cases", tags=["cases"])

    @router.post("", status_code=201, response_model=s.CaseOut)
    async def report_case(
        request: Request, key: IdempotencyKey, body: s.NewCase, caller: Caller
    ) -> Any:
        async def write(uow: CasesUnitOfWork) -> tuple[int, Any]:
            form = CaseReport(new_id(), tuple(body.categories), body.desa, body.description)
            stored = await reporting.report(
                uow, new_id(), form, Actor.of(caller), utcnow(),
                typed=body.person.form() if body.person else None, person_id=body.person_id,
            )  # fmt: skip
            return 201, await answer(uow, stored, caller)

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    @router.get(
        "/{case_id}", response_model=s.CaseOut, summary="A case (a read of its person is audited)"
    )
    async def get_case(case_id: str, caller: Caller) -> Any:
        async with uows() as uow:
            stored = await transitions.readable_case(uow, case_id, caller)
            steps = await uow.cases.steps_of(case_id)
            [shown] = await disclose_cases(uow, [stored], caller, utcnow())
            households = await households_of(uow, [stored])
            deadlines = await uow.deadlines.of_cases([case_id])
            await uow.commit()  # the read's audit row
        return s.CaseOut.of(stored, shown, steps, households, deadlines)

    @router.get("", response_model=Page[s.CaseOut])
    async def get_cases(
        caller: Caller,
        limit: Limit = 50,
        cursor: Cursor = None,
        status: CaseState | None = None,
        wilayah: str | None = None,
        assigned_to_me: bool = False,
        reported_by_me: bool = False,
    ) -> Any:
        scope = narrowest(caller.wilayah, wilayah) if wilayah else caller.wilayah
        if scope is None:
            return Page[s.CaseOut](items=[])
        mine = reported_by_me or caller.role is Role.PSM  # a PSM sees only their own reports
        wanted = CaseFilter(
            scope, status=status.value if status else None,
            assigned_to=caller.sub if assigned_to_me else None,
            reported_by=caller.sub if mine else None, after=time_and_id_after(cursor),
        )  # fmt: skip
        async with uows() as uow:
            if await transitions.is_institution(uow, caller):
                return Page[s.CaseOut](items=[])  # it reads its referrals' cases one by one
            found = await queries.list_cases(uow, wanted, limit + 1)
            page = page_of(found, limit, lambda c: time_and_id(c.case.reported_at, c.case.case_id))
            items = await shown_page(uow, page.items, caller, utcnow())
        return Page[s.CaseOut](items=items, next_cursor=page.next_cursor)

    _step_routes(router, uows, approvals)
    _referral_routes(router, uows)
    return router


def _step_route(
    router: APIRouter,
    uows: Uows,
    path: str,
    step_of: Callable[..., Step],
    body_type: Any,
    name: str | None = None,
) -> None:
    """`POST /{case_id}/<path>`: the step `step_of(body, **path's other parameters)` taken in
    one idempotent unit of work, answered with the case as the caller may see it."""
    parameters = PATH_PARAMETER.findall(path)

    async def act(
        request: Request, key: str | None, case_id: str, body: Any, caller: Principal, **found: str
    ) -> Any:
        async def write(uow: CasesUnitOfWork) -> tuple[int, Any]:
            step = step_of(body, **found)
            stored = await transitions.take_step(uow, case_id, caller, utcnow(), step)
            return 200, await answer(uow, stored, caller)

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    act.__signature__ = _signature(body_type, parameters)  # type: ignore[attr-defined]
    router.add_api_route(
        f"/{{case_id}}/{path}", act, methods=["POST"], response_model=s.CaseOut,
        name=name or path.replace("-", "_"),
    )  # fmt: skip


def _step_routes(router: APIRouter, uows: Uows, approvals: Approvals) -> None:
    def post(path: str, step_of: Callable[..., Step], body_type: Any) -> None:
        _step_route(router, uows, path, step_of, body_type)

    post(
        "verify", lambda b: lambda c, a, t: c.verify(a, t, b and b.categories), _opt(s.Verification)
    )
    post("return", lambda b: lambda c, a, t: c.return_to_reporter(a, t, b.reason), s.Reason)
    post(
        "resubmit",
        lambda b: lambda c, a, t: c.resubmit(a, t, b and b.description),
        _opt(s.Resubmission),
    )
    post("reject", lambda b: lambda c, a, t: c.reject(a, t, b.reason, b.note), s.Rejection)
    post(
        "assess",
        lambda b: (
            lambda c, a, t: c.assess(
                a, t, b.risk_level, b.needs, review=approvals.needed(Action.ASSESS, c.categories)
            )
        ),
        s.Assessment,
    )
    post(
        "approve-assessment",
        lambda b: lambda c, a, t: c.approve_assessment(a, t, b and b.reason),
        _opt(s.Reason),
    )
    post(
        "return-assessment", lambda b: lambda c, a, t: c.return_assessment(a, t, b.reason), s.Reason
    )
    post(
        "plan",
        lambda b: (
            lambda c, a, t: c.make_plan(
                a, t, b.rows(), review=approvals.needed(Action.PLAN, c.categories)
            )
        ),
        s.Plan,
    )
    post(
        "approve-plan",
        lambda b: lambda c, a, t: c.approve_plan(a, t, b and b.reason),
        _opt(s.Reason),
    )
    post("return-plan", lambda b: lambda c, a, t: c.return_plan(a, t, b.reason), s.Reason)
    post("start-monitoring", lambda b: lambda c, a, t: c.start_monitoring(a, t), _opt(s.Reason))
    post("follow-ups", lambda b: lambda c, a, t: c.record_follow_up(a, t, b.note), s.FollowUp)
    post(
        "request-closure",
        lambda b: lambda c, a, t: c.request_closure(a, t, b.reason, b.note),
        s.ClosureRequest,
    )
    post(
        "approve-closure",
        lambda b: lambda c, a, t: c.approve_closure(a, t, b and b.reason),
        _opt(s.Reason),
    )
    post("reject-closure", lambda b: lambda c, a, t: c.reject_closure(a, t, b.reason), s.Reason)
    post("reopen", lambda b: lambda c, a, t: c.reopen(a, t, b.reason), s.Reason)

    @router.post(
        "/{case_id}/break-glass",
        status_code=201,
        response_model=GlassOut,
        summary="Open a protected case for a while, with a reason (Dinas staff; audited)",
    )
    async def break_glass(
        request: Request,
        key: IdempotencyKey,
        case_id: str,
        body: GlassRequest,
        caller: Staff,
        ttl_s: GlassTtl,
    ) -> Any:
        async def write(uow: CasesUnitOfWork) -> tuple[int, Any]:
            grant = await open_protected_case(uow, case_id, body.reason, caller, utcnow(), ttl_s)
            return 201, GlassOut.of(grant)

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    @router.post("/{case_id}/reassign", response_model=s.CaseOut)
    async def reassign(
        request: Request, key: IdempotencyKey, case_id: str, body: s.Reassignment, caller: Caller
    ) -> Any:
        async def write(uow: CasesUnitOfWork) -> tuple[int, Any]:
            stored = await transitions.reassign(
                uow, case_id, body.tksk_id, body.reason, caller, utcnow()
            )
            return 200, await answer(uow, stored, caller)

        return await idempotent_write(request, caller.sub, uows, write, key=key)


class _Optional:
    """A step whose body may be left out entirely."""

    def __init__(self, body_type: type[Any]) -> None:
        self.body_type = body_type


def _opt(body_type: type[Any]) -> _Optional:
    return _Optional(body_type)


def _signature(body_type: Any, parameters: list[str]) -> inspect.Signature:
    """What FastAPI reads to build a step's route: the body model differs per step, and a step
    on a part of the case (a referral) names it in the path."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    optional = isinstance(body_type, _Optional)
    body = inspect.Parameter(
        "body", keyword, annotation=body_type.body_type | None if optional else body_type,
        default=None if optional else inspect.Parameter.empty,
    )  # fmt: skip
    return inspect.Signature([
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("key", keyword, annotation=IdempotencyKey),
        inspect.Parameter("case_id", keyword, annotation=str),
        *(inspect.Parameter(name, keyword, annotation=str) for name in parameters),
        body,
        inspect.Parameter("caller", keyword, annotation=Caller),
    ])  # fmt: skip


def _referral_routes(router: APIRouter, uows: Uows) -> None:
    """Referring, and the referral's answers — by the receiving institution's own integration
    client or by the assigned TKSK on its behalf."""

    @router.post("/{case_id}/refer", response_model=s.CaseOut)
    async def refer(
        request: Request, key: IdempotencyKey, case_id: str, body: s.NewReferral, caller: Caller
    ) -> Any:
        async def write(uow: CasesUnitOfWork) -> tuple[int, Any]:
            form = transitions.ReferralForm(
                new_id(), body.institution_id, body.service, body.consent, body.override_reason
            )
            stored = await transitions.refer(uow, case_id, form, caller, utcnow())
            return 200, await answer(uow, stored, caller)

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    def answer_route(action: str, step_of: Callable[..., Step], body_type: Any) -> None:
        path = f"referrals/{{referral_id}}/{action}"
        _step_route(router, uows, path, step_of, body_type, name=f"{action}_referral")

    answer_route(
        "accept",
        lambda b, referral_id: lambda c, a, t: c.accept_referral(a, t, referral_id),
        _opt(s.Reason),
    )
    answer_route(
        "decline",
        lambda b, referral_id: (
            lambda c, a, t: c.decline_referral(a, t, referral_id, b.reason, b.note)
        ),
        s.ReferralDecline,
    )
    answer_route(
        "complete",
        lambda b, referral_id: (
            lambda c, a, t: c.complete_referral(a, t, referral_id, b.outcome, b.note)
        ),
        s.ReferralCompletion,
    )
