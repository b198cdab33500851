"""Enrolling workers in a batch, withdrawing them, and reading who takes part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.domain.batches import Batch
from services.training.domain.eligibility import Worker, ensure_eligible, highest_tier
from services.training.domain.enrolments import Enrolment
from services.training.domain.errors import (
    AlreadyEnrolled,
    EnrolmentNotFound,
    OutsideWilayah,
    WorkerNotYetKnown,
)
from services.training.domain.organisers import inside, manages
from services.training.use_cases.batches import visible_batch
from services.training.use_cases.events import participant_enrolled, participant_withdrawn
from shared.reference import training_tiers
from shared.security import Principal


@dataclass(frozen=True)
class Participant:
    enrolment: Enrolment
    attendance: dict[str, bool]  # session id → present, for the sessions marked so far


async def enrol_worker(
    uow: TrainingUnitOfWork,
    batch_id: str,
    worker_id: str,
    enrolment_id: str,
    by: Principal,
    now: datetime,
) -> Enrolment:
    """Give a worker a seat; the batch row stays locked until commit, so seats never oversell."""
    batch = await visible_batch(uow, batch_id, by, lock=True)
    batch.ensure_open()
    worker = await _known_worker(uow, worker_id)
    _ensure_may_act_for(by, batch, worker)
    await _ensure_eligible(uow, batch, worker)
    batch.take_seat()
    enrolment = Enrolment(enrolment_id, batch_id, worker_id, enrolled_at=now)
    await uow.enrolments.add(enrolment)
    await uow.batches.save(batch, now)
    uow.outbox.add(participant_enrolled(batch, enrolment), sequence=enrolment.version)
    await uow.audit(
        by, "enrolment.enrol", record_type="enrolment", record_id=enrolment_id,
        wilayah=worker.wilayah, now=now,
    )  # fmt: skip
    return enrolment


async def withdraw_participant(
    uow: TrainingUnitOfWork,
    batch_id: str,
    enrolment_id: str,
    reason: str,
    by: Principal,
    now: datetime,
) -> Enrolment:
    """Take a participant out of a batch and free their seat."""
    batch = await visible_batch(uow, batch_id, by, lock=True)
    enrolment = await uow.enrolments.get(enrolment_id)
    if enrolment is None or enrolment.batch_id != batch_id:
        raise EnrolmentNotFound(enrolment_id)
    worker = await uow.workers.get(enrolment.worker_id)
    _ensure_may_act_for(by, batch, worker)
    batch.ensure_open()
    enrolment.withdraw(reason, now)
    batch.free_seat()
    await uow.enrolments.save(enrolment)
    await uow.batches.save(batch, now)
    uow.outbox.add(participant_withdrawn(enrolment), sequence=enrolment.version)
    await uow.audit(
        by, "enrolment.withdraw", record_type="enrolment", record_id=enrolment_id,
        wilayah=worker.wilayah if worker else batch.organiser_wilayah, now=now, reason=reason,
    )  # fmt: skip
    return enrolment


async def participants_of(
    uow: TrainingUnitOfWork, batch_id: str, by: Principal
) -> tuple[Batch, list[Participant]]:
    """Everyone ever enrolled in the batch (withdrawn too), with their marks so far."""
    batch = await visible_batch(uow, batch_id, by)
    marks: dict[str, dict[str, bool]] = {}
    for mark in await uow.attendance.of_batch(batch_id):
        marks.setdefault(mark.worker_id, {})[mark.session_id] = mark.present
    enrolments = await uow.enrolments.of_batch(batch_id)
    return batch, [Participant(e, marks.get(e.worker_id, {})) for e in enrolments]


async def _known_worker(uow: TrainingUnitOfWork, worker_id: str) -> Worker:
    worker = await uow.workers.get(worker_id)
    if worker is None:
        raise WorkerNotYetKnown(worker_id)  # the registry's event is on its way: retry
    return worker


def _ensure_may_act_for(by: Principal, batch: Batch, worker: Worker | None) -> None:
    """The organiser's area runs its batch; a Dinas may also nominate its own workers to a
    batch that covers it (a kabupaten's PSM to the province's madya batch)."""
    if manages(by.wilayah, batch.organiser_wilayah):
        return
    if worker is None or not inside(worker.wilayah, by.wilayah):
        raise OutsideWilayah("the worker is outside your wilayah")


async def _ensure_eligible(uow: TrainingUnitOfWork, batch: Batch, worker: Worker) -> None:
    if await uow.enrolments.seat_of(batch.batch_id, worker.worker_id) is not None:
        raise AlreadyEnrolled(f"worker {worker.worker_id} is already enrolled")
    tiers = training_tiers()
    # Training's own certificates count too: the registry may not have raised the tier yet.
    held = highest_tier(tiers, worker.tier, *await uow.certificates.tiers_of(worker.worker_id))
    ensure_eligible(worker, batch.tier, batch.organiser_wilayah, held, tiers)
