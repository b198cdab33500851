"""Recording attendance and completing a batch: certificates for those who met its rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.domain.batches import Batch
from services.training.domain.certificates import Certificate, certificate_number, series_of
from services.training.domain.enrolments import Attendance, Enrolment, grade
from services.training.domain.errors import NotEnrolled
from services.training.use_cases.batches import managed_batch
from services.training.use_cases.events import batch_completed, certificate_issued
from shared.security import Principal

NewId = Callable[[], str]


@dataclass(frozen=True)
class Completion:
    certified: list[Certificate]
    not_certified: list[str]  # worker ids


async def record_attendance(
    uow: TrainingUnitOfWork, mark: Attendance, by: Principal, now: datetime
) -> Attendance:
    """Mark a participant present or absent at a session (marking again replaces the mark)."""
    batch = await managed_batch(uow, mark.batch_id, by)
    batch.ensure_open()
    batch.session(mark.session_id)
    enrolment = await uow.enrolments.seat_of(mark.batch_id, mark.worker_id)
    if enrolment is None or not enrolment.holds_seat:
        raise NotEnrolled(f"worker {mark.worker_id} holds no seat in this batch")
    await uow.attendance.record(mark)
    await uow.audit(
        by, "attendance.record", record_type="enrolment", record_id=enrolment.enrolment_id,
        wilayah=batch.organiser_wilayah, now=now,
        reason=f"session {mark.session_id}: {'present' if mark.present else 'absent'}",
    )  # fmt: skip
    return mark


async def complete_batch(
    uow: TrainingUnitOfWork, batch_id: str, by: Principal, now: datetime, new_id: NewId
) -> Completion:
    """Close the batch once: certify who met its completion rule, grade the rest not certified."""
    batch = await managed_batch(uow, batch_id, by)
    batch.complete()  # a completed batch refuses a second completion
    attended: dict[str, set[str]] = {}
    for mark in await uow.attendance.of_batch(batch_id):
        if mark.present:
            attended.setdefault(mark.worker_id, set()).add(mark.session_id)
    passed, failed = grade(batch, await uow.enrolments.of_batch(batch_id), attended)
    issued = await _certify(uow, batch, passed, now, new_id)
    for enrolment in failed:
        enrolment.grade(False, now)
        await uow.enrolments.save(enrolment)
    await uow.batches.save(batch, now)
    uow.outbox.add(batch_completed(batch, len(issued), len(failed)), sequence=batch.version)
    await uow.audit(
        by, "batch.complete", record_type="batch", record_id=batch_id,
        wilayah=batch.organiser_wilayah, now=now,
    )  # fmt: skip
    return Completion(issued, [enrolment.worker_id for enrolment in failed])


async def _certify(
    uow: TrainingUnitOfWork, batch: Batch, passed: list[Enrolment], now: datetime, new_id: NewId
) -> list[Certificate]:
    if not passed:
        return []
    series = series_of(batch.tier, batch.organiser_wilayah, batch.ends_on.year)
    sequences = await uow.certificates.reserve_numbers(series, len(passed))
    issued = []
    for enrolment, sequence in zip(passed, sequences, strict=True):
        worker = await uow.workers.get(enrolment.worker_id)
        certificate = Certificate(
            certificate_id=new_id(), number=certificate_number(series, sequence),
            batch_id=batch.batch_id, enrolment_id=enrolment.enrolment_id,
            worker_id=enrolment.worker_id,
            worker_wilayah=worker.wilayah if worker else batch.organiser_wilayah,
            tier=batch.tier, organiser_wilayah=batch.organiser_wilayah,
            issued_on=issue_date(batch, now), issuer=batch.organiser, batch_title=batch.title,
        )  # fmt: skip
        enrolment.grade(True, now)
        await uow.enrolments.save(enrolment)
        uow.outbox.add(certificate_issued(certificate), sequence=1)
        issued.append(certificate)
    await uow.certificates.add_all(issued)
    return issued


def issue_date(batch: Batch, now: datetime) -> date:
    """A sertifikat is dated the day the diklat closed, or today if it is closed early."""
    return min(batch.ends_on, now.date())
