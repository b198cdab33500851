"""Registering, finding and reading PMKS/PPKS persons (callers: the HTTP entrypoint; the
register-or-merge core also serves `case_links`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from services.registry.domain.access import (
    require_may_add_to,
    require_may_register_in,
    require_visible_person,
)
from services.registry.domain.errors import ConcurrentUpdate, ProtectedCategoryFilter
from services.registry.domain.persons import Person, PersonForm
from services.registry.use_cases.events import record_person_change
from services.registry.use_cases.ports import PersonQuery, RegistryWork
from services.registry.use_cases.workers import actor
from shared.audit import Actor
from shared.contracts.registry import PersonRegistered, PersonUpdated
from shared.reference import normalise_nik, normalise_region_code, pmks_categories
from shared.security import Principal, narrowest
from shared.security.disclosure import Audience, audience_of, is_protected

Guard = Callable[[Person], None]


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
    """The new person (True), or the person the NIK already names with the form's categories
    added (False) — a known NIK is never registered twice."""
    candidate = Person.register(person_id, form, now)
    require_may_register_in(by, candidate.desa)
    person, created = await register_or_merge(
        uow, candidate, actor(by), now, guard=partial(require_may_add_to, by)
    )
    if not created:
        # The answer shows a known person to whoever typed their NIK: a NIK lookup, audited
        # like `POST /v1/persons/search` (a merge is audited too, as its own change).
        await uow.audit(actor(by), "person.match", person, now)
    return await view_of(uow, person), created


def _anyone(_: Person) -> None:
    """The service linking a case may add categories to any person."""


async def register_or_merge(
    uow: RegistryWork,
    candidate: Person,
    by: Actor,
    now: datetime,
    *,
    guard: Guard = _anyone,
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
    guard(known)
    return await add_categories(uow, known, candidate.categories, by, now, reason), False


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
    """The person with this NIK, if the caller may see them; a hit is audited (a NIK lookup is
    a read of personal data)."""
    found = await uow.persons.with_nik(normalise_nik(nik))
    if found is None or not by.covers(found.desa):
        return []
    await uow.audit(actor(by), "person.search", found, now)
    return await views_of(uow, [found])


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
