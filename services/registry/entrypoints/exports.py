"""Exports of the registry for the Dinas: persons and families inside the caller's wilayah, as
CSV or XLSX (`shared.web.exports`).

Dinas staff only: an export is the register itself. Every person in it passes the same
disclosure policy as a read and leaves the same audit row (a protected person's identity only
for the designated officers); every family in it is audited as read. A wilayah outside the
caller's is refused (403 `outside-wilayah`), not answered with an empty file.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from services.registry.entrypoints.deps import UnitsOfWork
from services.registry.entrypoints.persons import answer
from services.registry.use_cases import families, persons
from shared.messaging.outbox import utcnow
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.exports import (
    EXPORT_RESPONSES,
    PAGE,
    ExportFormat,
    Format,
    Rows,
    Separator,
    Wilayah,
    export_response,
    export_scope,
    paged,
)

Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]

PERSON_COLUMNS = (
    "person_id", "nik", "nik_recorded", "name", "sex", "birth_date", "desa", "kecamatan",
    "categories", "protected", "cases", "merged_into", "version",
)  # fmt: skip
FAMILY_COLUMNS = (
    "family_id", "no_kk", "kk_recorded", "desa", "kecamatan", "size", "members", "version",
)  # fmt: skip


async def export_persons(
    caller: Staff,
    uows: UnitsOfWork,
    format: Format = ExportFormat.CSV,
    wilayah: Wilayah = None,
    sep: Separator = ",",
) -> Response:
    scope = export_scope(caller, wilayah)

    async def read(after: str | None) -> tuple[Rows, str | None]:
        async with uows() as uow:
            filters = persons.PersonFilters(wilayah=scope)
            found = await persons.list_persons(uow, filters, caller, after=after, limit=PAGE)
            shown = await answer(uow, found, caller, audit=True)
            await uow.commit()  # this page's audit rows, before it leaves
        last = found[-1].person.person_id if len(found) == PAGE else None
        return [item.model_dump(mode="json") for item in shown], last

    return await export_response(
        paged(read), PERSON_COLUMNS, name=f"persons-{scope}", format=format, separator=sep
    )


async def export_families(
    caller: Staff,
    uows: UnitsOfWork,
    format: Format = ExportFormat.CSV,
    wilayah: Wilayah = None,
    sep: Separator = ",",
) -> Response:
    scope = export_scope(caller, wilayah)

    async def read(after: str | None) -> tuple[Rows, str | None]:
        async with uows() as uow:
            found = await families.list_families(
                uow, scope, caller, utcnow(), after=after, limit=PAGE
            )
            await uow.commit()  # this page's audit rows, before it leaves
        last = found[-1].family_id if len(found) == PAGE else None
        return [_family_row(family) for family in found], last

    return await export_response(
        paged(read), FAMILY_COLUMNS, name=f"families-{scope}", format=format, separator=sep
    )


def _family_row(family: families.Family) -> dict[str, Any]:
    return {
        "family_id": family.family_id, "no_kk": family.no_kk,
        "kk_recorded": family.no_kk is not None, "desa": family.desa,
        "kecamatan": family.kecamatan, "size": family.size,
        "members": [f"{m.person_id}:{m.relationship}" for m in family.members],
        "version": family.version,
    }  # fmt: skip


def exports_router() -> APIRouter:
    router = APIRouter(prefix="/v1/exports", tags=["exports"])
    router.add_api_route(
        "/persons", export_persons, methods=["GET"], responses=EXPORT_RESPONSES,
        summary="Persons inside your wilayah as CSV or XLSX (Dinas staff; each person audited)",
    )  # fmt: skip
    router.add_api_route(
        "/families", export_families, methods=["GET"], responses=EXPORT_RESPONSES,
        summary="Families inside your wilayah as CSV or XLSX (Dinas staff; each family audited)",
    )  # fmt: skip
    return router
