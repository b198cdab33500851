"""What cases consumes, all from registry's stream: worker events into its workers projection,
person events into its persons projection, family events into its households projection, and
`person_linked` and `person_merged` onto the reported cases."""

from __future__ import annotations

from services.cases.adapters.persons import KnownPerson
from services.cases.adapters.workers import Worker
from services.cases.use_cases.persons import (
    link_person,
    merge_persons,
    project_household,
    project_person,
)
from services.cases.use_cases.workers import project_worker
from shared.contracts.registry import (
    PERSON_EVENTS,
    WORKER_EVENTS,
    WORKER_EVENTS_V1,
    FamilyChanged,
    FamilyRegistered,
    FamilyState,
    PersonLinked,
    PersonMerged,
    PersonState,
    WorkerState,
    WorkerStateV1,
)
from shared.messaging.outbox import utcnow
from shared.messaging.runner import Handler, HandlerContext


async def apply_worker_event(event: WorkerState | WorkerStateV1, context: HandlerContext) -> None:
    """Every worker event carries the worker's full state; its sequence is their version."""
    worker = Worker(
        worker_id=event.worker_id, role=event.role, wilayah=event.wilayah,
        kecamatan=event.kecamatan, status=event.status,
    )  # fmt: skip
    await project_worker(context.uow, worker, context.envelope.sequence or 0, utcnow())


async def apply_person_event(event: PersonState, context: HandlerContext) -> None:
    """Every person event carries where the person lives; its sequence is their version."""
    person = KnownPerson(person_id=event.person_id, desa=event.desa, kecamatan=event.kecamatan)
    await project_person(context.uow, person, context.envelope.sequence or 0)


async def apply_family(event: FamilyState, context: HandlerContext) -> None:
    """A family's members, by id, and since when: the household sizes cases shows."""
    members = [(member.person_id, member.joined_at) for member in event.members]
    await project_household(context.uow, event.family_id, members, context.envelope.sequence or 0)


async def apply_person_linked(event: PersonLinked, context: HandlerContext) -> None:
    await link_person(context.uow, event.case_id, event.person_id, event.matched_by, utcnow())


async def apply_person_merged(event: PersonMerged, context: HandlerContext) -> None:
    await merge_persons(context.uow, event.person_id, event.into, event.cases, utcnow())


# One logical handler per projection, registered for each of its event types. All read
# registry's stream, so the chassis still runs one subscriber for it (DESIGN.md §3).
HANDLERS = [
    *(
        Handler("cases.project_worker", event_type, apply_worker_event)
        for event_type in (*WORKER_EVENTS, *WORKER_EVENTS_V1)  # v1 entries stay readable
    ),
    *(Handler("cases.persons", event_type, apply_person_event) for event_type in PERSON_EVENTS),
    Handler("cases.link_person", PersonLinked, apply_person_linked),
    Handler("cases.person_merged", PersonMerged, apply_person_merged),
    *(
        Handler("cases.households", event, apply_family)
        for event in (FamilyRegistered, FamilyChanged)
    ),
]
