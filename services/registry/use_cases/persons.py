"""Registering, finding and reading PMKS/PPKS persons (callers: the HTTP entrypoint; the
register-or-merge core also serves `case_links`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.registry.domain.access import require_may_register_in, require_visible_person
from services.registry.domain.errors import (
    ConcurrentUpdate,
    PersonNotFound,
    ProtectedCategoryFilter,
)
from services.registry.domain.persons import Person, PersonForm
from services.registry.use_cases.events import record_person_change
from services.registry.use_cases.ports import PersonQuery, RegistryWork
from services.registry.use_cases.reviews import hold_person_for_review
from shared.audit import Actor
from shared.contracts.registry import PersonRegistered, PersonUpdated
from shared.reference import normalise_nik, normalise_region_code, pmks_categories
from shared.security import Principal, narrowest
from shared.security.disclosure import Audience, audience_of, is_protected


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person with the ids of the cases reported about them, oldest link first."""

    person: Person
    cases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonFilters:
    """A list request's filters, as typed by the caller."""

    wilayah: str | None = None
    category: str | None = None


async def register_person(
    uow: RegistryWork, form: PersonForm, by: Principal, now: datetime, person_id: str
) -> tuple[PersonView, bool]:
    """The new person (True), or the person the NIK names inside the caller's wilayah with the
    form's categories added (False). A NIK held by a person outside it is not refused — that
    would confirm it exists there — but kept on the new record for the Dinas to review
    (`reviews`): the caller's answer is the same as for any new person."""
    candidate = Person.register(person_id, form, now)
    require_may_register_in(by, candidate.desa)
    if candidate.nik is not None:  # the caller's own records first, one under review included
        visible = [p for p in await uow.persons.all_with_nik(candidate.nik) if by.covers(p.desa)]
        if visible:
            return await _matched(uow, visible[0], candidate, by, now), False
    known = await _with_nik(uow, candidate.nik)
    if known is None and await uow.persons.add(candidate):
        await record_person_change(
            uow, PersonRegistered, candidate, by=Actor.of(by), action="person.register", now=now
        )
        return await view_of(uow, candidate), True
    known = known or await _with_nik(uow, candidate.nik)  # a concurrent registration won
    if known is None:
        raise ConcurrentUpdate()
    if by.covers(known.desa):
        return await _matched(uow, known, candidate, by, now), False
    held = await hold_person_for_review(uow, candidate, known, Actor.of(by), now)
    return await view_of(uow, held), True


async def _matched(
    uow: RegistryWork, known: Person, candidate: Person, by: Principal, now: datetime
) -> PersonView:
    target = await current(uow, known)
    person = await add_categories(uow, target, candidate.categories, Actor.of(by), now)
    # The answer shows a known person to whoever typed their NIK: a NIK lookup, audited like
    # `POST /v1/persons/search` (a merge is audited too, as its own change). A record merged
    # into someone elsewhere answers as itself: whom it was merged into is not the caller's.
    await uow.audit(Actor.of(by), "person.match", known, now)
    return await view_of(uow, person if target is known else known)


async def register_or_merge(
    uow: RegistryWork,
    candidate: Person,
    by: Actor,
    now: datetime,
    *,
    reason: str | None = None,
) -> tuple[Person, bool]:
    """`candidate` registered (True), or the person holding its NIK, categories merged (False).

    Without a NIK nobody can tell two reports of one person apart, so the candidate is new.
    """
    known = await _with_nik(uow, candidate.nik)
    if known is None:
        if await uow.persons.add(candidate):
            await record_person_change(
                uow, PersonRegistered, candidate,
                by=by, action="person.register", now=now, reason=reason,
            )  # fmt: skip
            return candidate, True
        known = await _with_nik(uow, candidate.nik)  # a concurrent report of the NIK won
        if known is None:
            raise ConcurrentUpdate()
    return await add_categories(uow, known, candidate.categories, by, now, reason), False


async def current(uow: RegistryWork, person: Person | None) -> Person:
    """The person a record stands for: itself, or the one a review merged it into."""
    if person is not None and person.merged_into is not None:
        person = await uow.persons.get(person.merged_into)
    if person is None:
        raise PersonNotFound()
    return person


async def add_categories(
    uow: RegistryWork,
    person: Person,
    codes: Iterable[str],
    by: Actor,
    now: datetime,
    reason: str | None = None,
) -> Person:
    """The person with `codes` added; unchanged (and nothing published) when they held them."""
    changed = person.with_categories(codes, now)
    if changed is None:
        return person
    await uow.persons.save(changed, expected_version=person.version)
    await record_person_change(
        uow, PersonUpdated, changed, by=by, action="person.add_categories", now=now, reason=reason
    )
    return changed


async def read_person(uow: RegistryWork, person_id: str, by: Principal) -> PersonView:
    person = require_visible_person(by, await uow.persons.get(person_id))
    return await view_of(uow, person)


async def list_persons(
    uow: RegistryWork, filters: PersonFilters, by: Principal, *, after: str | None, limit: int
) -> list[PersonView]:
    """A page of persons inside both the caller's wilayah and the requested one."""
    wanted = normalise_region_code(filters.wilayah) if filters.wilayah else None
    scope = narrowest(by.wilayah, wanted) if wanted else by.wilayah
    if scope is None:
        return []  # the requested wilayah is outside the caller's
    category = pmks_categories().get(filters.category).code if filters.category else None
    if category is not None and is_protected([category]) and not may_list_protected(by):
        raise ProtectedCategoryFilter(category)
    found = await uow.persons.page(
        PersonQuery(scope=scope, category=category), after=after, limit=limit
    )
    return await views_of(uow, found)


async def search_persons_by_nik(
    uow: RegistryWork, nik: str, by: Principal, now: datetime
) -> list[PersonView]:
    """The persons with this NIK the caller may see. Every search is audited — a hit as a read
    of that person, a miss too, so probing for NIKs leaves a trace."""
    number = normalise_nik(nik)
    found = [p for p in await uow.persons.all_with_nik(number) if by.covers(p.desa)]
    for person in found:
        await uow.audit(Actor.of(by), "person.search", person, now)
    if not found:
        await uow.audit_search(Actor.of(by), "person.search", number, by.wilayah, now)
    return await views_of(uow, found)


async def view_of(uow: RegistryWork, person: Person) -> PersonView:
    [view] = await views_of(uow, [person])
    return view


async def views_of(uow: RegistryWork, found: list[Person]) -> list[PersonView]:
    """One query for the cases of a whole page, not one per person."""
    linked = await uow.persons.cases_of([person.person_id for person in found])
    return [PersonView(p, tuple(linked.get(p.person_id, ()))) for p in found]


async def _with_nik(uow: RegistryWork, nik: str | None) -> Person | None:
    return None if nik is None else await uow.persons.with_nik(nik)


def may_list_protected(by: Principal) -> bool:
    return audience_of(by) is Audience.OFFICER
