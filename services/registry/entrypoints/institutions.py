"""The registry's HTTP API for receiving institutions (`/v1/institutions`): the Dinas registers
and changes them; every role reads those reaching its wilayah (a referral names one)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.registry.adapters.unit_of_work import RegistryUnitOfWork
from services.registry.domain.institutions import Institution, InstitutionKind
from services.registry.entrypoints.deps import UnitsOfWork, id_after
from services.registry.use_cases import institutions
from shared.ids import new_id
from shared.messaging.outbox import utcnow
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.bodies import Body, Flag
from shared.web.idempotency import IdempotencyKey, idempotent_write
from shared.web.pagination import Cursor, Limit, Page, page_of

Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
Reader = Annotated[Principal, Depends(allow(*Role))]
InstitutionId = Annotated[str, Path(max_length=100)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class NewInstitution(Body):
    kind: InstitutionKind
    name: Text = Field(examples=["UPTD Panti Sosial Tresna Werdha Budi Sejahtera"])
    wilayah: str = Field(max_length=20, description="the area it serves", examples=["63"])
    address: Text | None = None
    phone: Annotated[str, Field(max_length=30)] | None = None


class InstitutionChange(Body):
    name: Text | None = None
    address: Text | None = None
    phone: Annotated[str, Field(max_length=30)] | None = None
    active: Flag | None = Field(None, description="false: takes no new referrals")


class InstitutionOut(BaseModel):
    institution_id: str
    kind: InstitutionKind
    name: str
    wilayah: str
    address: str | None
    phone: str | None
    active: bool
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, institution: Institution) -> InstitutionOut:
        return cls(
            institution_id=institution.institution_id, kind=institution.kind,
            name=institution.name, wilayah=institution.wilayah, address=institution.address,
            phone=institution.phone, active=institution.active, version=institution.version,
            updated_at=institution.updated_at,
        )  # fmt: skip


async def register(
    request: Request, key: IdempotencyKey, body: NewInstitution, caller: Staff, uows: UnitsOfWork
) -> Response:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, InstitutionOut]:
        new = Institution.register(
            new_id(), body.kind, body.name, body.wilayah, body.address, body.phone,
            utcnow(),
        )  # fmt: skip
        return 201, InstitutionOut.of(await institutions.register_institution(uow, new, caller))

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def change(
    request: Request,
    key: IdempotencyKey,
    institution_id: InstitutionId,
    body: InstitutionChange,
    caller: Staff,
    uows: UnitsOfWork,
) -> Response:
    async def write(uow: RegistryUnitOfWork) -> tuple[int, InstitutionOut]:
        changed = await institutions.change_institution(
            uow, institution_id, caller, utcnow(), **body.model_dump(exclude_unset=True)
        )
        return 200, InstitutionOut.of(changed)

    return await idempotent_write(request, caller.sub, uows, write, key=key)


async def get_institution(
    institution_id: InstitutionId, caller: Reader, uows: UnitsOfWork
) -> InstitutionOut:
    async with uows() as uow:
        return InstitutionOut.of(await institutions.read_institution(uow, institution_id, caller))


async def list_institutions(
    caller: Reader,
    uows: UnitsOfWork,
    limit: Limit = 50,
    cursor: Cursor = None,
    kind: InstitutionKind | None = None,
) -> Page[InstitutionOut]:
    after = id_after(cursor)
    async with uows() as uow:
        found = await institutions.list_institutions(uow, caller, kind, after, limit + 1)
    items = [InstitutionOut.of(institution) for institution in found]
    return page_of(items, limit, lambda item: item.institution_id)


def institutions_router() -> APIRouter:
    router = APIRouter(prefix="/v1/institutions", tags=["institutions"])
    router.add_api_route(
        "", register, methods=["POST"], status_code=201, response_model=InstitutionOut,
        summary="Register a receiving institution serving inside your wilayah (Dinas staff)",
    )  # fmt: skip
    router.add_api_route(
        "", list_institutions, methods=["GET"], response_model=Page[InstitutionOut],
        summary="The institutions serving inside your wilayah or an area holding it",
    )  # fmt: skip
    router.add_api_route(
        "/{institution_id}", get_institution, methods=["GET"], response_model=InstitutionOut
    )
    router.add_api_route(
        "/{institution_id}", change, methods=["PATCH"], response_model=InstitutionOut,
        summary="Rename, change its contact, or (de)activate it (Dinas staff)",
    )  # fmt: skip
    return router
