"""What cases consumes, all from registry's stream: worker events into its workers projection,
person events into its persons projection, family events into its households projection, and
`person_linked` and `person_merged` onto the reported cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.cases.adapters.persons import KnownPerson
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.adapters.workers import Worker
from services.cases.use_cases.persons import (
    link_person,
    merge_persons,
    project_household,
    project_households,
    project_person,
    project_persons,
)
from services.cases.use_cases.workers import project_worker
from shared.contracts.envelope import Envelope
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
    await project_person(context.uow, *_known(event, context.envelope))


async def apply_person_events(
    uow: CasesUnitOfWork, items: Sequence[tuple[PersonState, Envelope]], now: datetime
) -> None:
    await project_persons(uow, [_known(event, envelope) for event, envelope in items])


def _known(event: PersonState, envelope: Envelope) -> tuple[KnownPerson, int]:
    person = KnownPerson(person_id=event.person_id, desa=event.desa, kecamatan=event.kecamatan)
    return person, envelope.sequence or 0


async def apply_family(event: FamilyState, context: HandlerContext) -> None:
    """A family's members, by id, and since when: the household sizes cases shows."""
    await project_household(context.uow, *_household(event, context.envelope))


async def apply_families(
    uow: CasesUnitOfWork, items: Sequence[tuple[FamilyState, Envelope]], now: datetime
) -> None:
    await project_households(uow, [_household(event, envelope) for event, envelope in items])


def _household(
    event: FamilyState, envelope: Envelope
) -> tuple[str, list[tuple[str, datetime]], int]:
    members = [(member.person_id, member.joined_at) for member in event.members]
    return event.family_id, members, envelope.sequence or 0


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
    *(
        Handler("cases.persons", event_type, apply_person_event, apply_person_events)
        for event_type in PERSON_EVENTS
    ),
    Handler("cases.link_person", PersonLinked, apply_person_linked),
    Handler("cases.person_merged", PersonMerged, apply_person_merged),
    *(
        Handler("cases.households", event, apply_family, apply_families)
        for event in (FamilyRegistered, FamilyChanged)
    ),
]
