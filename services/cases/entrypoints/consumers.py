"""What cases consumes, all from registry's stream: worker events into its workers projection,
person events into its persons projection, family events into its households projection,
institution events into its institutions projection, and `person_linked` and `person_merged`
onto the reported cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.cases.adapters.institutions import KnownInstitution
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
from shared.contracts.envelope import Envelope, Event
from shared.contracts.registry import (
    PERSON_EVENTS,
    WORKER_EVENTS,
    WORKER_EVENTS_V1,
    FamiliesImported,
    FamilyChanged,
    FamilyMember,
    FamilyRegistered,
    FamilyState,
    InstitutionChanged,
    InstitutionRegistered,
    InstitutionState,
    PersonLinked,
    PersonMerged,
    PersonProfile,
    PersonsImported,
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


PersonEvent = PersonState | PersonsImported
FamilyEvent = FamilyState | FamiliesImported
Household = tuple[str, list[tuple[str, datetime]], int]  # family id, (member, since), version


async def apply_person_event(event: PersonEvent, context: HandlerContext) -> None:
    """Every person event carries where the person lives (an import's, for each of its
    persons) and their version."""
    for person, version in _known(event, context.envelope):
        await project_person(context.uow, person, version)


async def apply_person_events(
    uow: CasesUnitOfWork, items: Sequence[tuple[PersonEvent, Envelope]], now: datetime
) -> None:
    await project_persons(uow, [known for item in items for known in _known(*item)])


def _known(event: PersonEvent, envelope: Envelope) -> list[tuple[KnownPerson, int]]:
    if isinstance(event, PersonsImported):
        return [(KnownPerson(p.person_id, p.desa, p.kecamatan), p.version) for p in event.persons]
    person = KnownPerson(person_id=event.person_id, desa=event.desa, kecamatan=event.kecamatan)
    return [(person, envelope.sequence or 0)]


async def apply_family(event: FamilyEvent, context: HandlerContext) -> None:
    """A family's members, by id, and since when: the household sizes cases shows."""
    for household in _households(event, context.envelope):
        await project_household(context.uow, *household)


async def apply_families(
    uow: CasesUnitOfWork, items: Sequence[tuple[FamilyEvent, Envelope]], now: datetime
) -> None:
    await project_households(uow, [household for item in items for household in _households(*item)])


def _households(event: FamilyEvent, envelope: Envelope) -> list[Household]:
    if isinstance(event, FamiliesImported):
        return [(f.family_id, _members(f.members), f.version) for f in event.families]
    return [(event.family_id, _members(event.members), envelope.sequence or 0)]


def _members(members: Sequence[FamilyMember]) -> list[tuple[str, datetime]]:
    return [(member.person_id, member.joined_at) for member in members]


async def apply_person_linked(event: PersonLinked, context: HandlerContext) -> None:
    await link_person(context.uow, event.case_id, event.person_id, event.matched_by, utcnow())


async def apply_person_merged(event: PersonMerged, context: HandlerContext) -> None:
    await merge_persons(context.uow, event.person_id, event.into, event.cases, utcnow())


async def apply_institution(event: InstitutionState, context: HandlerContext) -> None:
    """Every institution event carries its whole state; its sequence is its version."""
    institution = KnownInstitution(
        institution_id=event.institution_id, kind=event.kind, name=event.institution_name,
        wilayah=event.wilayah, active=event.active,
    )  # fmt: skip
    await context.uow.institutions.apply(institution, context.envelope.sequence or 0)


async def apply_profile(event: PersonProfile, context: HandlerContext) -> None:
    """A person with a case: their sex and birth date, for the rekap (ADR 0012)."""
    sequence = context.envelope.sequence or 0
    await context.uow.profiles.apply(event.person_id, event.sex, event.birth_date, sequence)


PERSON_EVENT_TYPES: tuple[type[Event], ...] = (*PERSON_EVENTS, PersonsImported)  # ADR 0010

# One logical handler per projection, registered for each of its event types. All read
# registry's stream, so the chassis still runs one subscriber for it (DESIGN.md §3).
HANDLERS = [
    *(
        Handler("cases.project_worker", event_type, apply_worker_event)
        for event_type in (*WORKER_EVENTS, *WORKER_EVENTS_V1)  # v1 entries stay readable
    ),
    *(
        Handler("cases.persons", event_type, apply_person_event, apply_person_events)
        for event_type in PERSON_EVENT_TYPES
    ),
    Handler("cases.link_person", PersonLinked, apply_person_linked),
    Handler("cases.person_merged", PersonMerged, apply_person_merged),
    *(
        Handler("cases.households", event, apply_family, apply_families)
        for event in (FamilyRegistered, FamilyChanged, FamiliesImported)
    ),
    *(
        Handler("cases.institutions", event, apply_institution)
        for event in (InstitutionRegistered, InstitutionChanged)
    ),
    Handler("cases.profiles", PersonProfile, apply_profile),  # the restricted profiles stream
]
