"""The training API (`/v1/batches`, `/v1/certificates`) and the one map from rules to problems.

Writes run in one unit of work through `idempotent_write`: the use case's state, its outbox rows,
its audit row and the stored answer commit together. Roles are checked here; wilayah scope by
the use cases, which raise the domain errors `install` maps to problem+json.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from services.training.adapters.batches import BatchFilter
from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.domain import errors
from services.training.domain.organisers import normalised
from services.training.entrypoints.schemas import (
    AttendanceMark,
    AttendanceOut,
    BatchOut,
    CertificateOut,
    CompletionOut,
    EnrolmentOut,
    Enrolments,
    NewBatch,
    NewEnrolment,
    Withdrawal,
)
from services.training.use_cases import certificates, completion, enrolments
from services.training.use_cases.batches import list_batches, schedule_batch, visible_batch
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import Cursor, Limit, Page, decode_cursor, page_of, sort_key_after
from shared.web.problems import Problem, not_found, not_yet_known

Uows = UnitOfWorkFactory[TrainingUnitOfWork]

# Dinas staff run batches; an agency's client may too when its token grants it.
Manager = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR, grant="training:write"))]
Reader = Annotated[Principal, Depends(allow(*Role))]
# Participant lists and attendance are for staff, the kecamatan's TKSK and agencies, not PSM.
RosterReader = Annotated[
    Principal, Depends(allow(Role.ADMIN, Role.OPERATOR, Role.TKSK, Role.INTEGRATION))
]

# rule broken → (status, problem type, title)
PROBLEMS: dict[type[errors.TrainingError], tuple[int, str, str]] = {
    errors.OutsideWilayah: (403, "outside-wilayah", "Outside your wilayah"),
    errors.OrganiserLevelMismatch: (422, "organiser-wilayah-level", "Organiser of another level"),
    errors.BatchDatesInvalid: (422, "batch-dates-invalid", "Batch ends before it starts"),
    errors.SessionOutsideBatch: (422, "session-outside-batch", "Session outside the batch"),
    errors.CompletionRuleInvalid: (422, "completion-rule-invalid", "Invalid completion rule"),
    errors.WorkerNotEligible: (422, "worker-not-eligible", "Worker not eligible"),
    errors.BatchFull: (409, "batch-full", "Batch full"),
    errors.AlreadyEnrolled: (409, "already-enrolled", "Already enrolled"),
    errors.BatchClosed: (409, "batch-closed", "Batch completed"),
    errors.UnknownSession: (422, "unknown-session", "Unknown session"),
    errors.NotEnrolled: (409, "not-enrolled", "Not enrolled"),
}


def problem_for(error: errors.TrainingError) -> Problem:
    if isinstance(error, errors.BatchNotFound):
        return not_found("batch")
    if isinstance(error, errors.EnrolmentNotFound):
        return not_found("enrolment")
    if isinstance(error, errors.WorkerNotYetKnown):
        return not_yet_known("worker")
    status, rule, title = PROBLEMS[type(error)]
    problem = Problem(status, rule, title, str(error) or None)
    if isinstance(error, errors.WorkerNotEligible):
        problem.extensions["reasons"] = error.reasons  # each rule that refuses the worker
    return problem


def install(app: FastAPI) -> None:
    """Answer every training rule broken with its problem (called by `app.py`)."""

    async def on_training_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, errors.TrainingError)
        return problem_for(error).response(request.url.path)

    app.add_exception_handler(errors.TrainingError, on_training_error)


def batches_router(uows: Uows) -> APIRouter:
    router = APIRouter(prefix="/v1/batches", tags=["batches"])

    @router.post("", status_code=201, response_model=BatchOut)
    async def create_batch(
        request: Request, key: IdempotencyKey, body: NewBatch, caller: Manager
    ) -> Any:
        async def write(uow: TrainingUnitOfWork) -> tuple[int, Any]:
            plan = body.plan(new_id)
            batch = await schedule_batch(uow, new_id(), plan, caller, utcnow())
            return 201, BatchOut.of(batch)

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    @router.get("/{batch_id}", response_model=BatchOut)
    async def get_batch(batch_id: str, caller: Reader) -> Any:
        async with uows() as uow:
            return BatchOut.of(await visible_batch(uow, batch_id, caller))

    @router.get("", response_model=Page[BatchOut])
    async def get_batches(
        caller: Reader,
        limit: Limit = 50,
        cursor: Cursor = None,
        tier: str | None = None,
        status: Literal["scheduled", "completed"] | None = None,
        wilayah: str | None = None,
    ) -> Any:
        wanted = BatchFilter(
            caller.wilayah, tier=tier and tier.strip().lower(), status=status,
            organiser_wilayah=_wilayah_filter(wilayah),
            after=sort_key_after(cursor, date.fromisoformat),
        )  # fmt: skip
        async with uows() as uow:
            found = await list_batches(uow, wanted, limit + 1)
        items = [BatchOut.of(batch) for batch in found]
        return page_of(items, limit, lambda b: [b.starts_on.isoformat(), b.batch_id])

    _participant_routes(router, uows)
    _completion_routes(router, uows)
    return router


def _participant_routes(router: APIRouter, uows: Uows) -> None:
    @router.post("/{batch_id}/enrolments", status_code=201, response_model=EnrolmentOut)
    async def enrol(
        request: Request, key: IdempotencyKey, batch_id: str, body: NewEnrolment, caller: Manager
    ) -> Any:
        async def write(uow: TrainingUnitOfWork) -> tuple[int, Any]:
            enrolment = await enrolments.enrol_worker(
                uow, batch_id, body.worker_id, new_id(), caller, utcnow()
            )
            return 201, EnrolmentOut.of(enrolment)

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    @router.post("/{batch_id}/enrolments/{enrolment_id}/withdraw", response_model=EnrolmentOut)
    async def withdraw(
        request: Request,
        key: IdempotencyKey,
        batch_id: str,
        enrolment_id: str,
        body: Withdrawal,
        caller: Manager,
    ) -> Any:
        async def write(uow: TrainingUnitOfWork) -> tuple[int, Any]:
            enrolment = await enrolments.withdraw_participant(
                uow, batch_id, enrolment_id, body.reason, caller, utcnow()
            )
            return 200, EnrolmentOut.of(enrolment)

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    @router.get("/{batch_id}/enrolments", response_model=Enrolments)
    async def get_enrolments(batch_id: str, caller: RosterReader) -> Any:
        async with uows() as uow:
            batch, participants = await enrolments.participants_of(uow, batch_id, caller)
        return Enrolments(items=[EnrolmentOut.with_attendance(batch, p) for p in participants])


def _completion_routes(router: APIRouter, uows: Uows) -> None:
    @router.post("/{batch_id}/attendance", response_model=AttendanceOut)
    async def mark(
        request: Request, key: IdempotencyKey, batch_id: str, body: AttendanceMark, caller: Manager
    ) -> Any:
        async def write(uow: TrainingUnitOfWork) -> tuple[int, Any]:
            now = utcnow()
            marked = await completion.record_attendance(uow, body.mark(batch_id, now), caller, now)
            return 200, AttendanceOut.of(marked)

        return await idempotent_write(request, caller.sub, uows, write, key=key)

    @router.post("/{batch_id}/complete", response_model=CompletionOut)
    async def complete(
        request: Request, key: IdempotencyKey, batch_id: str, caller: Manager
    ) -> Any:
        async def write(uow: TrainingUnitOfWork) -> tuple[int, Any]:
            done = await completion.complete_batch(uow, batch_id, caller, utcnow(), new_id)
            return 200, CompletionOut.of(done)

        return await idempotent_write(request, caller.sub, uows, write, key=key)


def certificates_router(uows: Uows) -> APIRouter:
    router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

    @router.get("", response_model=Page[CertificateOut])
    async def get_certificates(
        caller: Reader,
        limit: Limit = 50,
        cursor: Cursor = None,
        worker_id: str | None = None,
        batch_id: str | None = None,
    ) -> Any:
        after = decode_cursor(cursor)
        wanted = certificates.certificate_filter(
            caller, worker_id=worker_id, batch_id=batch_id, after=str(after) if after else None
        )
        async with uows() as uow:
            found = await certificates.list_certificates(uow, wanted, limit + 1)
        items = [CertificateOut.of(certificate) for certificate in found]
        return page_of(items, limit, lambda c: c.number)

    return router


def _wilayah_filter(code: str | None) -> str | None:
    if code is None:
        return None
    area = normalised(code)
    if area is None:
        raise Problem(422, "wilayah-malformed", "Invalid wilayah", "a code like 63.05, or ID")
    return area
