"""The registry's HTTP API for families (Kartu Keluarga): register, read, add or move members.

Dinas staff and field workers of the family's wilayah use it; an `integration` client does not
(a family says who lives with whom). Writes are idempotent (`Idempotency-Key`) and audited;
a read is audited too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.entrypoints.deps import UnitsOfWork
from services.registry.entrypoints.schemas import FamilyOut, MoveMember, NewFamily
from services.registry.use_cases import families
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.idempotency import IdempotencyKey, idempotent_write

FAMILY_ROLES = (Role.ADMIN, Role.OPERATOR, Role.TKSK, Role.PSM)
Handler = Annotated[Principal, Depends(allow(*FAMILY_ROLES))]
FamilyId = Annotated[str, Path(max_length=100)]


async def register(
    request: Request, key: IdempotencyKey, body: NewFamily, caller: Handler, uows: UnitsOfWork
) -> Response:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, FamilyOut]:
        family = await families.register_family(uow, body.form(), caller, utcnow(), new_id())
        return 201, FamilyOut.of(family, caller)

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def get_family(family_id: FamilyId, caller: Handler, uows: UnitsOfWork) -> FamilyOut:
    async with uows() as uow:
        family = await families.read_family(uow, family_id, caller, utcnow())
        await uow.commit()  # the read's audit row
    return FamilyOut.of(family, caller)


async def add_member(
    request: Request,
    key: IdempotencyKey,
    family_id: FamilyId,
    body: MoveMember,
    caller: Handler,
    uows: UnitsOfWork,
) -> Response:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, FamilyOut]:
        family = await families.add_member(
            uow, family_id, body.member(), body.relationship, caller, utcnow(),
            move=body.move,
        )  # fmt: skip
        return 200, FamilyOut.of(family, caller)

    return await idempotent_write(request, caller.sub, uows, write, key=key)


def families_router() -> APIRouter:
    router = APIRouter(prefix="/v1/families", tags=["families"])
    router.add_api_route(
        "", register, methods=["POST"], status_code=201, response_model=FamilyOut,
        summary="Register a family (Kartu Keluarga) with its first members",
    )  # fmt: skip
    router.add_api_route(
        "/{family_id}", get_family, methods=["GET"], response_model=FamilyOut,
        summary="A family and its current members (audited)",
    )  # fmt: skip
    router.add_api_route(
        "/{family_id}/members", add_member, methods=["POST"], response_model=FamilyOut,
        summary="Add a person to the family, or move them here from their current family",
    )  # fmt: skip
    return router
