"""What cases consumes: registry's worker events, into its own workers projection."""

from __future__ import annotations

from services.cases.adapters.workers import Worker
from services.cases.use_cases.workers import project_worker
from shared.contracts.registry import WORKER_EVENTS, WorkerState
from shared.messaging.outbox import utcnow
from shared.messaging.runner import Handler, HandlerContext


async def apply_worker_event(event: WorkerState, context: HandlerContext) -> None:
    """Every worker event carries the worker's full state; its sequence is their version."""
    worker = Worker(
        worker_id=event.worker_id, role=event.role, wilayah=event.wilayah,
        kecamatan=event.kecamatan, status=event.status,
    )  # fmt: skip
    await project_worker(context.uow, worker, context.envelope.sequence or 0, utcnow())


# One logical projection, registered for each of the four worker event types.
HANDLERS = [
    Handler("cases.project_worker", event_type, apply_worker_event) for event_type in WORKER_EVENTS
]
