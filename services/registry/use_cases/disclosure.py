"""What each caller may see of the persons and workers the registry answers with, the audit row
of every read that showed who someone is, and breaking the glass on a protected person.

The registry knows where a person lives but not which TKSK or PSM handles their case (cases
does): a field worker who can see a person — her own desa, his own kecamatan — counts as the
person's own PSM or TKSK, except for a person in a protected category, whom a field worker sees
whole only through their case (the cases API), where the relation is known.
"""

from __future__ import annotations

from datetime import datetime

from services.registry.domain.access import is_self, require_visible_person
from services.registry.domain.errors import NotProtected
from services.registry.domain.persons import Person
from services.registry.domain.workers import Worker
from services.registry.use_cases.ports import RegistryWork
from shared.audit import Actor
from shared.contracts.registry import PersonRecordOpened
from shared.glass import GlassGrant
from shared.security import Principal, Role
from shared.security.disclosure import (
    Disclosure,
    Relation,
    is_protected,
    person_disclosure,
    worker_disclosure,
)

FIELD_RELATION = {Role.TKSK: Relation.ASSIGNED_TKSK, Role.PSM: Relation.REPORTING_PSM}


def person_relation(by: Principal, person: Person) -> Relation:
    if is_protected(person.categories):
        return Relation.NONE
    return FIELD_RELATION.get(by.role, Relation.NONE)


async def disclose_persons(
    uow: RegistryWork, persons: list[Person], by: Principal, now: datetime, *, audit: bool = True
) -> list[Disclosure]:
    """Each person as `by` may see them; every one whose identity shows is an audited read
    (unless the caller's own write or search is audited already)."""
    protected = [p.person_id for p in persons if is_protected(p.categories)]
    grants = await uow.glass_grants(by.sub, "person", protected, now) if protected else {}
    shown = [
        person_disclosure(
            by, person_relation(by, person), protected=is_protected(person.categories),
            grant_id=grants.get(person.person_id),
        )
        for person in persons
    ]  # fmt: skip
    if audit:
        reads = [(p, d.why) for p, d in zip(persons, shown, strict=True) if d.identifies]
        await uow.audit_reads(Actor.of(by), "person.read", reads, now)
    return shown


def disclose_worker(worker: Worker, by: Principal) -> Disclosure:
    return worker_disclosure(by, Relation.SELF if is_self(by, worker) else Relation.NONE)


async def open_protected_person(
    uow: RegistryWork, person_id: str, reason: str, by: Principal, now: datetime, ttl_s: int
) -> GlassGrant:
    """Break the glass on a protected person inside the caller's wilayah: audited, reported to
    the designated officers (`protected_record_opened` on the oversight stream)."""
    person = require_visible_person(by, await uow.persons.get(person_id))
    if not is_protected(person.categories):
        raise NotProtected()
    grant = await uow.break_glass(Actor.of(by), person, reason, now, ttl_s)
    uow.outbox.add(grant.announced(PersonRecordOpened))
    return grant
