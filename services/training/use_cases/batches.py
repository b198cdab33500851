"""Scheduling batches, and finding one as a caller may see or run it."""

from __future__ import annotations

from datetime import datetime

from services.training.adapters.batches import BatchFilter
from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.domain.batches import Batch, BatchPlan, plan_batch
from services.training.domain.errors import BatchNotFound, OutsideWilayah
from services.training.domain.organisers import manages, sees
from services.training.use_cases.events import batch_scheduled
from shared.reference import training_tiers, wilayah
from shared.security import Principal


async def schedule_batch(
    uow: TrainingUnitOfWork, batch_id: str, plan: BatchPlan, by: Principal, now: datetime
) -> Batch:
    batch = plan_batch(batch_id, plan, training_tiers(), wilayah())
    if not manages(by.wilayah, batch.organiser_wilayah):
        raise OutsideWilayah(f"{batch.organiser_wilayah} is outside your wilayah")
    await uow.batches.add(batch, now)
    uow.outbox.add(batch_scheduled(batch), sequence=batch.version)
    await uow.audit(
        by, "batch.schedule", record_type="batch", record_id=batch_id,
        wilayah=batch.organiser_wilayah, now=now,
    )  # fmt: skip
    return batch


async def visible_batch(
    uow: TrainingUnitOfWork, batch_id: str, by: Principal, *, lock: bool = False
) -> Batch:
    """The batch, if the caller may see it; one it may not see is as missing as no batch."""
    batch = await uow.batches.get(batch_id, lock=lock)
    if batch is None or not sees(by.wilayah, batch.organiser_wilayah):
        raise BatchNotFound(batch_id)
    return batch


async def managed_batch(uow: TrainingUnitOfWork, batch_id: str, by: Principal) -> Batch:
    """The batch, locked for a change only its organiser's area may make."""
    batch = await visible_batch(uow, batch_id, by, lock=True)
    if not manages(by.wilayah, batch.organiser_wilayah):
        raise OutsideWilayah(f"batch {batch_id} is run by {batch.organiser_wilayah}")
    return batch


async def list_batches(uow: TrainingUnitOfWork, wanted: BatchFilter, limit: int) -> list[Batch]:
    return await uow.batches.matching(wanted, limit)
