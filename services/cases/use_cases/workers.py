"""Keeping the workers projection, and handing waiting cases to a TKSK who became active."""

from __future__ import annotations

from datetime import datetime

from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.adapters.workers import Worker
from services.cases.domain.assignment import assign_waiting
from services.cases.use_cases.events import record_step


async def project_worker(uow: CasesUnitOfWork, worker: Worker, sequence: int, now: datetime) -> int:
    """Record a worker's state from a registry event (older versions ignored); when it is an
    active TKSK, the kecamatan's waiting cases become theirs. Returns how many were assigned."""
    if not await uow.workers.apply(worker, sequence) or not worker.is_active_tksk:
        return 0
    if await uow.workers.active_tksk(worker.kecamatan) != worker.worker_id:
        return 0  # another active TKSK is already the kecamatan's: it took the waiting cases
    waiting = await uow.cases.waiting_in(worker.kecamatan)
    read = {stored.case.case_id: stored for stored in waiting}
    changes = assign_waiting(
        [stored.case for stored in waiting], worker.kecamatan, worker.worker_id, now
    )
    for change in changes:
        before = read[change.case.case_id]
        await uow.cases.save(change.case, over=before.case)
        # The step's event carries the case's whole public state, its person link included.
        await record_step(uow, change, before.person_id)
    return len(changes)
