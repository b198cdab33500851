"""Keeping training's projection of registry's workers."""

from __future__ import annotations

from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.domain.eligibility import Worker


async def project_worker(uow: TrainingUnitOfWork, worker: Worker, sequence: int) -> bool:
    """Record a worker's state from a registry event; an older version than held is ignored."""
    return await uow.workers.apply(worker, sequence)
