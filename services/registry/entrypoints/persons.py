"""The registry's HTTP API for PMKS/PPKS persons: register (or find by NIK), read, list, search.

Persons are personal data about vulnerable people: Dinas staff and the field workers of their
wilayah handle them; `integration` clients read the person events instead (ADR 0003).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.entrypoints.deps import UnitsOfWork, id_after
from services.registry.entrypoints.schemas import Items, NewPerson, NikSearch, PersonOut
from services.registry.use_cases import persons
from shared.messaging.outbox import utcnow
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import Cursor, Limit, Page, page_of

PERSON_ROLES = (Role.ADMIN, Role.OPERATOR, Role.TKSK, Role.PSM)
Handler = Annotated[Principal, Depends(allow(*PERSON_ROLES))]
PersonId = Annotated[str, Path(max_length=100)]


async def register(
    request: Request, key: IdempotencyKey, body: NewPerson, caller: Handler, uows: UnitsOfWork
) -> JSONResponse:
    """201 with a new person; 200 with the person a known NIK names, categories merged."""

    async def write(uow: RegistryUnitOfWork) -> tuple[int, PersonOut]:
        view, created = await persons.register_person(
            uow, body.form(), caller, utcnow(), str(uuid.uuid4())
        )
        return (201 if created else 200), PersonOut.of(view, caller)

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def get_person(person_id: PersonId, caller: Handler, uows: UnitsOfWork) -> PersonOut:
    async with uows() as uow:
        view = await persons.read_person(uow, person_id, caller)
    return PersonOut.of(view, caller)


async def list_persons(
    caller: Handler,
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
    items = [PersonOut.of(view, caller) for view in found]
    return page_of(items, limit, lambda item: item.person_id)


async def search(body: NikSearch, caller: Handler, uows: UnitsOfWork) -> Items[PersonOut]:
    """A POST, so the NIK never lands in a URL (and so in access logs)."""
    async with uows() as uow:
        found = await persons.search_persons_by_nik(uow, body.nik, caller, utcnow())
        await uow.commit()  # the audit row of the hit
    return Items[PersonOut](items=[PersonOut.of(view, caller) for view in found])


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
        summary="Persons inside your wilayah, filtered, by pages",
    )
    route(
        "/search",
        search,
        methods=["POST"],
        response_model=Items[PersonOut],
        summary="The person with a NIK (audited)",
    )
    route("/{person_id}", get_person, methods=["GET"], response_model=PersonOut, summary="A person")
    return router
