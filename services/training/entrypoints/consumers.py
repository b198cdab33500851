"""What training consumes: registry's worker events, into its own workers projection."""

from __future__ import annotations

from services.training.domain.eligibility import Worker
from services.training.use_cases.workers import project_worker
from shared.contracts.registry import WORKER_EVENTS, WORKER_EVENTS_V1, WorkerState, WorkerStateV1
from shared.messaging.runner import Handler, HandlerContext


async def apply_worker_event(event: WorkerState | WorkerStateV1, context: HandlerContext) -> None:
    """Every worker event carries the worker's full state; its sequence is their version."""
    worker = Worker(
        worker_id=event.worker_id, role=event.role, wilayah=event.wilayah,
        kecamatan=event.kecamatan, status=event.status, tier=event.tier,
    )  # fmt: skip
    await project_worker(context.uow, worker, context.envelope.sequence or 0)


# One logical projection, registered for each worker event type (v1 entries stay readable).
HANDLERS = [
    Handler("training.project_worker", event_type, apply_worker_event)
    for event_type in (*WORKER_EVENTS, *WORKER_EVENTS_V1)
]
