"""Raising a worker's training tier when the training service certifies them."""

from __future__ import annotations

from datetime import datetime

import structlog

from services.registry.domain.workers import Worker
from services.registry.use_cases.events import record_change
from services.registry.use_cases.ports import RegistryWork
from shared.audit import Actor
from shared.contracts.registry import WorkerTierRaised

log = structlog.get_logger(__name__)


async def raise_tier(
    uow: RegistryWork, worker_id: str, tier: str, *, by: Actor, now: datetime, reason: str
) -> Worker | None:
    """The worker with the higher tier, or None when nothing changes (already as high, or a
    worker the registry does not know)."""
    worker = await uow.workers.get(worker_id)
    if worker is None:
        # The registry owns workers, so no later event will create this one: waiting is
        # pointless, and failing would only fill the dead letters.
        log.warning("certificate_for_unknown_worker", worker_id=worker_id, tier=tier)
        return None
    raised = worker.tier_raised_to(tier, now)
    if raised is None:
        return None
    await uow.workers.save(raised, expected_version=worker.version)
    await record_change(
        uow, WorkerTierRaised, raised,
        by=by, action="worker.raise_tier", now=now, reason=reason, contact=False,
    )  # fmt: skip
    log.info("worker_tier_raised", worker_id=worker_id, tier=raised.tier)
    return raised
