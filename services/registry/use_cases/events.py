"""A worker or person change becomes an event carrying its public state, with its version as
`sequence`, so other services' projections are order-tolerant.

Public state identifies no one: no NIK, name, birth date or phone. How to reach a worker goes
to notifications alone, as `worker_contact` on the restricted contacts stream (ADR 0005)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.registry.domain.families import Family
from services.registry.domain.persons import Person
from services.registry.domain.workers import Worker
from services.registry.use_cases.ports import RegistryWork
from shared.audit import Actor
from shared.contracts.registry import (
    FamiliesImported,
    FamilyState,
    PersonProfile,
    PersonsImported,
    PersonState,
    WorkerContact,
    WorkerState,
)
from shared.security.disclosure import public_categories


def public_state(worker: Worker) -> dict[str, object]:
    return {
        "worker_id": worker.worker_id,
        "role": str(worker.role),
        "wilayah": worker.wilayah,
        "kecamatan": worker.kecamatan,
        "status": str(worker.status),
        "tier": worker.tier,
    }


def contact_of(worker: Worker) -> WorkerContact:
    return WorkerContact.model_validate(
        {
            **public_state(worker),
            "name": worker.name,
            "phone": worker.phone,
        }
    )


async def record_change(
    uow: RegistryWork,
    event: type[WorkerState] | None,
    worker: Worker,
    *,
    by: Actor,
    action: str,
    now: datetime,
    reason: str | None = None,
    contact: bool = True,
) -> None:
    """The public event (if any), the worker's contact for notifications (unless the change
    cannot touch it) and the audit row, in the change's own transaction."""
    if event is not None:
        uow.outbox.add(event.model_validate(public_state(worker)), sequence=worker.version)
    if contact:
        uow.outbox.add(contact_of(worker), sequence=worker.version)
    await uow.audit(by, action, worker, now, reason)


def person_state(person: Person) -> dict[str, object]:
    """Where the person lives and why they are registered — a protected category only as
    `protected` (an agency learns a person is protected, not why)."""
    categories, protected = public_categories(person.categories)
    return {
        "person_id": person.person_id,
        "desa": person.desa,
        "kecamatan": person.kecamatan,
        "categories": categories,
        "nik_recorded": person.nik_recorded,
        "protected": protected,
    }


async def record_person_change(
    uow: RegistryWork,
    event: type[PersonState],
    person: Person,
    *,
    by: Actor,
    action: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    """The event and the audit row, in the change's own transaction; the person's profile for
    cases when they have a case."""
    uow.outbox.add(event.model_validate(person_state(person)), sequence=person.version)
    if (await uow.persons.cases_of([person.person_id])).get(person.person_id):
        publish_profile(uow, person)
    await uow.audit(by, action, person, now, reason)


def publish_profile(uow: RegistryWork, person: Person) -> None:
    """Sex and birth date, for cases' rekap only (the restricted profiles stream)."""
    profile = PersonProfile(
        person_id=person.person_id, sex=person.sex, birth_date=person.birth_date
    )
    uow.outbox.add(profile, sequence=person.version)


def family_state(family: Family) -> dict[str, object]:
    """Where the family lives and who is in it, by id: no No. KK, names or relationships."""
    return {
        "family_id": family.family_id,
        "desa": family.desa,
        "kecamatan": family.kecamatan,
        "size": family.size,
        "members": [
            {"person_id": member.person_id, "joined_at": member.joined_at}
            for member in family.members
        ],
        "kk_recorded": family.no_kk is not None,
    }


async def record_family_change(
    uow: RegistryWork,
    event: type[FamilyState],
    family: Family,
    *,
    by: Actor,
    action: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    """The event and the audit row, in the change's own transaction."""
    uow.outbox.add(event.model_validate(family_state(family)), sequence=family.version)
    await uow.audit(by, action, family, now, reason)


def persons_imported(import_id: str, persons: Sequence[Person]) -> PersonsImported:
    """One event for the persons an import batch registered or changed (ADR 0010)."""
    states = [{**person_state(person), "version": person.version} for person in persons]
    return PersonsImported.model_validate({"import_id": import_id, "persons": states})


def families_imported(import_id: str, families: Sequence[Family]) -> FamiliesImported:
    """One event for the families an import batch registered or changed (ADR 0010)."""
    states = [{**family_state(family), "version": family.version} for family in families]
    return FamiliesImported.model_validate({"import_id": import_id, "families": states})
