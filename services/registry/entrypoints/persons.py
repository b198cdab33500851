"""The registry's HTTP API for PMKS/PPKS persons: register (or find by NIK), read, list, search,
and break the glass on a protected one.

Persons are personal data about vulnerable people. Every answer goes through the disclosure
policy (`shared.security.disclosure`): Dinas staff see them whole, a person's own PSM and TKSK
see what their work needs, an `integration` client sees no identity unless granted; every read
that shows who someone is leaves an audit row (docs/adr/0005).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.entrypoints.deps import UnitsOfWork, id_after
from services.registry.entrypoints.schemas import (
    Items,
    NewPerson,
    NikSearch,
    PersonOut,
)
from services.registry.use_cases import persons
from services.registry.use_cases.disclosure import disclose_persons, open_protected_person
from services.registry.use_cases.persons import PersonView
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.glass import GlassOut, GlassRequest, GlassTtl
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import Cursor, Limit, Page, page_of

PERSON_ROLES = (Role.ADMIN, Role.OPERATOR, Role.TKSK, Role.PSM)
Handler = Annotated[Principal, Depends(allow(*PERSON_ROLES))]
Reader = Annotated[Principal, Depends(allow(*Role))]  # integration: no identity (the policy)
Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
PersonId = Annotated[str, Path(max_length=100)]


async def answer(
    uow: RegistryUnitOfWork, views: list[PersonView], by: Principal, *, audit: bool
) -> list[PersonOut]:
    shown = await disclose_persons(uow, [v.person for v in views], by, utcnow(), audit=audit)
    merged = {view.person.merged_into for view in views if view.person.merged_into}
    visible = {target for target in merged if await _covers(uow, by, target)}
    return [
        PersonOut.of(view, seen, merged_visible=view.person.merged_into in visible)
        for view, seen in zip(views, shown, strict=True)
    ]


async def _covers(uow: RegistryUnitOfWork, by: Principal, person_id: str) -> bool:
    """A merge names the other record only to whoever may see it: else it tells where it is."""
    target = await uow.persons.get(person_id)
    return target is not None and by.covers(target.desa)


async def register(
    request: Request, key: IdempotencyKey, body: NewPerson, caller: Handler, uows: UnitsOfWork
) -> Response:
    """201 with a new person; 200 with the person a known NIK names, categories merged."""

    async def write(uow: RegistryUnitOfWork) -> tuple[int, PersonOut]:
        view, created = await persons.register_person(uow, body.form(), caller, utcnow(), new_id())
        [shown] = await answer(uow, [view], caller, audit=False)  # the write is audited
        return (201 if created else 200), shown

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def get_person(person_id: PersonId, caller: Reader, uows: UnitsOfWork) -> PersonOut:
    async with uows() as uow:
        view = await persons.read_person(uow, person_id, caller)
        [shown] = await answer(uow, [view], caller, audit=True)
        await uow.commit()  # the read's audit row
    return shown


async def list_persons(
    caller: Reader,
    uows: UnitsOfWork,
    limit: Limit = 50,
    cursor: Cursor = None,
    wilayah: Annotated[str | None, Query(max_length=20, description="a region code")] = None,
    category: Annotated[str | None, Query(max_length=12, description="a PMKS code")] = None,
) -> Page[PersonOut]:
    after = id_after(cursor)
    filters = persons.PersonFilters(wilayah=wilayah, category=category)
    async with uows() as uow:
        found = await persons.list_persons(uow, filters, caller, after=after, limit=limit + 1)
        page = page_of(found, limit, lambda view: view.person.person_id)
        items = await answer(uow, page.items, caller, audit=True)
        await uow.commit()  # one audit row per person shown
    return Page[PersonOut](items=items, next_cursor=page.next_cursor)


async def search(body: NikSearch, caller: Handler, uows: UnitsOfWork) -> Items[PersonOut]:
    """A POST, so the NIK never lands in a URL (and so in access logs)."""
    async with uows() as uow:
        found = await persons.search_persons_by_nik(uow, body.nik, caller, utcnow())
        items = await answer(uow, found, caller, audit=False)  # the search is audited
        await uow.commit()  # the audit row of the hit
    return Items[PersonOut](items=items)


async def break_glass(
    request: Request,
    key: IdempotencyKey,
    person_id: PersonId,
    body: GlassRequest,
    caller: Staff,
    uows: UnitsOfWork,
    ttl_s: GlassTtl,
) -> Response:
    """Open a protected person for a limited time, with a reason (audited; the designated
    officers are told)."""

    async def write(uow: RegistryUnitOfWork) -> tuple[int, GlassOut]:
        grant = await open_protected_person(uow, person_id, body.reason, caller, utcnow(), ttl_s)
        return 201, GlassOut.of(grant)

    return await idempotent_write(request, caller.sub, uows, write, key=key)


def persons_router() -> APIRouter:
    router = APIRouter(prefix="/v1/persons", tags=["persons"])
    route = router.add_api_route
    route(
        "",
        register,
        methods=["POST"],
        status_code=201,
        response_model=PersonOut,
        responses={200: {"model": PersonOut, "description": "The NIK's person, categories added"}},
        summary="Register a PMKS/PPKS person, or add categories to the person a NIK names",
    )
    route(
        "",
        list_persons,
        methods=["GET"],
        response_model=Page[PersonOut],
        summary="Persons inside your wilayah, filtered, by pages (reads audited)",
    )
    route(
        "/search",
        search,
        methods=["POST"],
        response_model=Items[PersonOut],
        summary="The person with a NIK (audited)",
    )
    route(
        "/{person_id}",
        get_person,
        methods=["GET"],
        response_model=PersonOut,
        summary="A person (audited)",
    )
    route(
        "/{person_id}/break-glass",
        break_glass,
        methods=["POST"],
        status_code=201,
        response_model=GlassOut,
        summary="Open a protected person for a while, with a reason (Dinas staff; audited)",
    )
    return router
