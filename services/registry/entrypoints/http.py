"""The registry's HTTP API: workers (here), persons (`persons`) and reference data (`reference`).

Time and ids come from here, the edge. Use cases raise named domain errors; `PROBLEMS` is the one
place that turns them into problem+json types.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.domain import errors
from services.registry.domain.workers import WorkerRole, WorkerStatus
from services.registry.entrypoints.deps import UnitsOfWork, id_after
from services.registry.entrypoints.exports import exports_router
from services.registry.entrypoints.families import families_router
from services.registry.entrypoints.institutions import institutions_router
from services.registry.entrypoints.persons import persons_router
from services.registry.entrypoints.reference import reference_router
from services.registry.entrypoints.reviews import reviews_router
from services.registry.entrypoints.schemas import (
    ContactChange,
    Deactivation,
    Items,
    NewWorker,
    NikSearch,
    WorkerOut,
)
from services.registry.use_cases import workers
from services.registry.use_cases.disclosure import disclose_worker
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import Cursor, Limit, Page, page_of
from shared.web.problems import Problem

Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
Reader = Annotated[Principal, Depends(allow(*Role))]
ContactEditor = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR, Role.PSM, Role.TKSK))]
# A NIK lookup maps an identity an agency holds to our ids: not for integration clients.
Searcher = ContactEditor
WorkerId = Annotated[str, Path(max_length=100)]


async def register(
    request: Request, key: IdempotencyKey, body: NewWorker, caller: Staff, uows: UnitsOfWork
) -> Response:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, WorkerOut]:
        form = body.registration()
        worker = await workers.register_worker(uow, form, caller, utcnow(), new_id())
        return 201, WorkerOut.of(worker, disclose_worker(worker, caller))

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def get_worker(worker_id: WorkerId, caller: Reader, uows: UnitsOfWork) -> WorkerOut:
    async with uows() as uow:
        worker = await workers.read_worker(uow, worker_id, caller)
    return WorkerOut.of(worker, disclose_worker(worker, caller))


async def list_workers(
    caller: Reader,
    uows: UnitsOfWork,
    limit: Limit = 50,
    cursor: Cursor = None,
    wilayah: Annotated[str | None, Query(max_length=20, description="a region code")] = None,
    role: Literal["psm", "tksk"] | None = None,
    status: Literal["active", "inactive"] | None = None,
    tier: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[WorkerOut]:
    after = id_after(cursor)
    filters = workers.WorkerFilters(
        wilayah=wilayah,
        role=WorkerRole(role) if role else None,
        status=WorkerStatus(status) if status else None,
        tier=tier,
    )
    async with uows() as uow:
        found = await workers.list_workers(uow, filters, caller, after=after, limit=limit + 1)
    items = [WorkerOut.of(worker, disclose_worker(worker, caller)) for worker in found]
    return page_of(items, limit, lambda item: item.worker_id)


async def search(body: NikSearch, caller: Searcher, uows: UnitsOfWork) -> Items[WorkerOut]:
    """A POST, so the NIK never lands in a URL (and so in access logs)."""
    async with uows() as uow:
        found = await workers.search_by_nik(uow, body.nik, caller, utcnow())
        await uow.commit()  # the audit row of the hit
    return Items[WorkerOut](
        items=[WorkerOut.of(worker, disclose_worker(worker, caller)) for worker in found]
    )


async def change_contact(
    request: Request,
    key: IdempotencyKey,
    worker_id: WorkerId,
    body: ContactChange,
    caller: ContactEditor,
    uows: UnitsOfWork,
) -> Response:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, WorkerOut]:
        worker = await workers.change_contact(uow, worker_id, body.phone, caller, utcnow())
        return 200, WorkerOut.of(worker, disclose_worker(worker, caller))

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def deactivate(
    request: Request,
    key: IdempotencyKey,
    worker_id: WorkerId,
    body: Deactivation,
    caller: Staff,
    uows: UnitsOfWork,
) -> Response:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, WorkerOut]:
        worker = await workers.deactivate_worker(uow, worker_id, body.reason, caller, utcnow())
        return 200, WorkerOut.of(worker, disclose_worker(worker, caller))

    return await idempotent_write(request, caller.sub, uows, write, key=key)


def workers_router() -> APIRouter:
    router = APIRouter(prefix="/v1/workers", tags=["workers"])
    route = router.add_api_route
    route(
        "",
        register,
        methods=["POST"],
        status_code=201,
        response_model=WorkerOut,
        summary="Register a PSM (in a desa/kelurahan) or a TKSK (in a kecamatan)",
    )
    route(
        "",
        list_workers,
        methods=["GET"],
        response_model=Page[WorkerOut],
        summary="Workers inside your wilayah, filtered, by pages",
    )
    route(
        "/search",
        search,
        methods=["POST"],
        response_model=Items[WorkerOut],
        summary="The worker with a NIK (audited)",
    )
    route("/{worker_id}", get_worker, methods=["GET"], response_model=WorkerOut, summary="A worker")
    route(
        "/{worker_id}/contact",
        change_contact,
        methods=["POST"],
        response_model=WorkerOut,
        summary="Change a worker's phone (staff, or the worker themself)",
    )
    route(
        "/{worker_id}/deactivate",
        deactivate,
        methods=["POST"],
        response_model=WorkerOut,
        summary="Deactivate a worker, with a reason",
    )
    return router


def routers() -> list[APIRouter]:
    return [
        reference_router(), workers_router(), persons_router(), families_router(),
        reviews_router(), exports_router(), institutions_router(),
    ]  # fmt: skip


# (status, problem type, title); `{name}` in a type is filled from the error's facts.
PROBLEMS: dict[type[errors.RegistryError], tuple[int, str, str]] = {
    errors.WorkerNotFound: (404, "not-found", "Not found"),
    errors.OutsideWilayah: (403, "outside-wilayah", "Outside your wilayah"),
    errors.NotOwnRecord: (403, "forbidden", "Forbidden"),
    errors.WrongWilayahLevel: (422, "wilayah-not-{expected}", "Wrong wilayah level for the role"),
    errors.BirthDateInFuture: (422, "birth-date-in-future", "Birth date in the future"),
    errors.NikAlreadyRegistered: (409, "nik-already-registered", "NIK already registered"),
    errors.TkskAlreadyActive: (409, "tksk-already-active", "The kecamatan has an active TKSK"),
    errors.WorkerNotActive: (409, "worker-not-active", "Worker not active"),
    errors.ConcurrentUpdate: (409, "concurrent-update", "Concurrent update"),
    errors.PersonNotFound: (404, "not-found", "Not found"),
    errors.PersonCategoryRequired: (422, "person-category-required", "No PMKS category"),
    errors.ReviewNotFound: (404, "not-found", "Not found"),
    errors.ReviewClosed: (409, "review-closed", "Review decided already"),
    errors.DecisionNotAllowed: (422, "review-decision-unknown", "Unknown decision"),
    errors.KeepNotInReview: (422, "review-keep-invalid", "Not a person of this duplicate"),
    errors.NotProtected: (409, "record-not-protected", "Not protected"),
    errors.ProtectedCategoryFilter: (403, "protected-category", "Protected category"),
    errors.CasePersonUnknown: (409, "case-person-unknown", "Unknown person"),  # consumers only
    errors.CaseNotLinkedYet: (409, "case-not-linked-yet", "Case not linked yet"),  # consumers only
    errors.FamilyNotFound: (404, "not-found", "Not found"),
    errors.KkAlreadyRegistered: (409, "kk-already-registered", "No. KK already registered"),
    errors.PersonInAnotherFamily: (409, "person-in-another-family", "In another family"),
    errors.NotAMember: (409, "not-a-member", "Not a member"),
    errors.HeadAlreadyNamed: (409, "family-head-taken", "The family has a kepala keluarga"),
    errors.MemberTwice: (422, "family-member-twice", "A person listed twice"),
    errors.UnknownRelationship: (422, "relationship-unknown", "Unknown KK relationship"),
    errors.InstitutionNotFound: (404, "not-found", "Not found"),
    errors.InstitutionNameRequired: (422, "institution-name-required", "No name"),
}


def problem_of(error: errors.RegistryError) -> Problem:
    status, rule, title = PROBLEMS[type(error)]
    problem = Problem(status, rule.format(**error.facts), title, str(error))
    problem.extensions.update(error.facts)  # e.g. the kecamatan, a visible worker_id
    return problem


async def _on_registry_error(request: Request, error: errors.RegistryError) -> JSONResponse:
    return problem_of(error).response(request.url.path)


def install_problems(app: FastAPI) -> None:
    app.add_exception_handler(errors.RegistryError, _on_registry_error)  # type: ignore[arg-type]
