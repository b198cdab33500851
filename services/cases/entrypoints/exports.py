"""Exports of the cases for the Dinas: every case inside the caller's wilayah (optionally one
status), as CSV or XLSX (`shared.web.exports`). Dinas staff only; each case passes the same
disclosure policy as a read (a protected case's categories and person only for the designated
officers) and leaves the same audit row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from services.cases.adapters.cases import CaseFilter
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.states import CaseState
from services.cases.entrypoints import schemas as s
from services.cases.use_cases import queries
from services.cases.use_cases.disclosure import disclose_cases
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.exports import (
    EXPORT_RESPONSES,
    ExportFormat,
    Format,
    Pages,
    Separator,
    Wilayah,
    export_response,
    export_scope,
)

Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
PAGE = 500
COLUMNS = (
    "case_id", "categories", "protected", "desa", "kecamatan", "status", "reported_by",
    "reporter_role", "assigned_tksk_id", "person_id", "household_size", "risk_level", "needs",
    "follow_ups", "rejection_reason", "closure_reason", "reported_at", "updated_at",
    "closed_at", "version",
)  # fmt: skip


def exports_router(uows: UnitOfWorkFactory[CasesUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1/exports", tags=["exports"])

    @router.get(
        "/cases", responses=EXPORT_RESPONSES,
        summary="Cases inside your wilayah as CSV or XLSX (Dinas staff; each case audited)",
    )  # fmt: skip
    async def export_cases(
        caller: Staff,
        format: Format = ExportFormat.CSV,
        wilayah: Wilayah = None,
        status: CaseState | None = None,
        sep: Separator = ",",
    ) -> Response:
        scope = export_scope(caller, wilayah)

        async def pages() -> Pages:
            wanted = CaseFilter(scope, status=status.value if status else None)
            while True:
                async with uows() as uow:
                    found = await queries.list_cases(uow, wanted, PAGE)
                    shown = await disclose_cases(uow, found, caller, utcnow())
                    sizes = await uow.households.sizes_of([c.person_id or "" for c in found])
                    await uow.commit()  # this page's audit rows, before it leaves
                yield [
                    _row(s.CaseOut.of(stored, seen, households=sizes))
                    for stored, seen in zip(found, shown, strict=True)
                ]
                if len(found) < PAGE:
                    return
                last = found[-1].case
                wanted = CaseFilter(
                    scope, status=wanted.status, after=(last.reported_at, last.case_id)
                )

        return await export_response(
            pages(), COLUMNS, name=f"cases-{scope}", format=format, separator=sep
        )

    return router


def _row(case: s.CaseOut) -> dict[str, Any]:
    return case.model_dump(mode="json", include=set(COLUMNS))
