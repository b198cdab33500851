"""Registering families, reading them, and adding or moving their members (callers: the HTTP
entrypoint; the import, later, registers families the same way).

Scope: a family is seen by whoever covers its desa, like a person; a member must be a person the
caller sees. A move changes two families, and the caller must cover both. Every write is
audited and published; a read is audited (a family names who lives with whom).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.registry.domain.access import require_may_register_in, require_visible_person
from services.registry.domain.errors import (
    ConcurrentUpdate,
    FamilyNotFound,
    KkAlreadyRegistered,
    PersonInAnotherFamily,
)
from services.registry.domain.families import Family, Relationship
from services.registry.domain.persons import Person, PersonForm
from services.registry.use_cases.events import record_family_change
from services.registry.use_cases.persons import current, register_person
from services.registry.use_cases.ports import RegistryWork
from shared.audit import Actor
from shared.contracts.registry import FamilyChanged, FamilyRegistered
from shared.ids import new_id
from shared.reference import wilayah
from shared.security import Principal

# A member: a registered person's id, or how to register a new one in the family's desa (a
# household member: no PMKS category needed).
NewMemberRef = str | Callable[[str], PersonForm]


@dataclass(frozen=True, slots=True)
class FamilyForm:
    no_kk: str | None
    desa: str
    members: Sequence[tuple[NewMemberRef, str]]  # a member, their relationship as typed


async def register_family(
    uow: RegistryWork, form: FamilyForm, by: Principal, now: datetime, family_id: str
) -> Family:
    desa = wilayah().require_desa(form.desa).code
    require_may_register_in(by, desa)
    members = [
        ((await _member(uow, named, desa, by, now)).person_id, Relationship.of(relationship))
        for named, relationship in form.members
    ]
    family = Family.register(family_id, form.no_kk, desa, members, now)
    if family.no_kk is not None:
        known = await uow.families.with_kk(family.no_kk)
        if known is not None:
            raise KkAlreadyRegistered(known.family_id if by.covers(known.desa) else None)
    for person_id in family.member_ids:
        await _not_in_a_family(uow, person_id)
    if not await uow.families.add(family):  # a concurrent request won the KK or a member
        raise ConcurrentUpdate()
    await record_family_change(
        uow, FamilyRegistered, family, by=Actor.of(by), action="family.register", now=now
    )
    return family


async def read_family(uow: RegistryWork, family_id: str, by: Principal, now: datetime) -> Family:
    family = _visible(by, await uow.families.get(family_id))
    await uow.audit(Actor.of(by), "family.read", family, now)
    return family


async def list_families(
    uow: RegistryWork, scope: str, by: Principal, now: datetime, *, after: str | None, limit: int
) -> list[Family]:
    """A page of the families inside `scope` (already narrowed to the caller's), each read
    audited."""
    found = await uow.families.page(scope, after=after, limit=limit)
    for family in found:
        await uow.audit(Actor.of(by), "family.read", family, now)
    return found


async def add_member(
    uow: RegistryWork,
    family_id: str,
    named: NewMemberRef,
    relationship: str,
    by: Principal,
    now: datetime,
    *,
    move: bool = False,
) -> Family:
    """The family with the person joined (a new one registered first); with `move`, the person
    leaves their current family first (both changes published). Without it, a person in
    another family is refused."""
    family = _visible(by, await uow.families.get(family_id))
    person = await _member(uow, named, family.desa, by, now)
    kind = Relationship.of(relationship)
    previous = await uow.families.of_person(person.person_id)
    if previous is not None and previous.family_id == family.family_id:
        return family  # already a member: the request is done (a retry, or a repeat)
    if previous is not None:
        if not move:
            raise PersonInAnotherFamily(person.person_id)
        await _leave(uow, _visible(by, previous), person.person_id, by, now)
    joined = family.with_member(person.person_id, kind, now)
    if not await uow.families.save(
        joined, expected_version=family.version, joined=[joined.members[-1]]
    ):
        raise ConcurrentUpdate()  # the person joined another family meanwhile
    await record_family_change(
        uow, FamilyChanged, joined, by=Actor.of(by),
        action="family.move_in" if previous else "family.add_member", now=now,
    )  # fmt: skip
    return joined


async def _leave(
    uow: RegistryWork, family: Family, person_id: str, by: Principal, now: datetime
) -> None:
    left = family.without(person_id, now)
    await uow.families.save(left, expected_version=family.version, left=[person_id])
    await record_family_change(
        uow, FamilyChanged, left, by=Actor.of(by), action="family.move_out", now=now
    )


async def _member(
    uow: RegistryWork, named: NewMemberRef, desa: str, by: Principal, now: datetime
) -> Person:
    """The person a member id stands for (one merged away: the person it was merged into), or
    the new member registered in the family's desa (a NIK the caller's records hold: them)."""
    if callable(named):
        view, _ = await register_person(uow, named(desa), by, now, new_id())
        return await current(uow, view.person)
    person = require_visible_person(by, await uow.persons.get(named))
    return require_visible_person(by, await current(uow, person))


async def _not_in_a_family(uow: RegistryWork, person_id: str) -> None:
    if await uow.families.of_person(person_id) is not None:
        raise PersonInAnotherFamily(person_id)


def _visible(by: Principal, family: Family | None) -> Family:
    if family is None or not by.covers(family.desa):
        raise FamilyNotFound()
    return family
