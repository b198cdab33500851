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
from services.cases.entrypoints.http import households_of
from services.cases.use_cases import queries
from services.cases.use_cases.disclosure import disclose_cases
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
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
from shared.web.pagination import TimeAndId

Staff = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
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

        wanted = status.value if status else None

        async def read(after: TimeAndId | None) -> tuple[Rows, TimeAndId | None]:
            async with uows() as uow:
                found = await queries.list_cases(uow, CaseFilter(scope, wanted, after=after), PAGE)
                shown = await disclose_cases(uow, found, caller, utcnow())
                sizes = await households_of(uow, found)
                await uow.commit()  # this page's audit rows, before it leaves
            rows = [
                _row(s.CaseOut.of(stored, seen, households=sizes))
                for stored, seen in zip(found, shown, strict=True)
            ]
            last = found[-1].case if len(found) == PAGE else None
            return rows, (last.reported_at, last.case_id) if last else None

        return await export_response(
            paged(read), COLUMNS, name=f"cases-{scope}", format=format, separator=sep
        )

    return router


def _row(case: s.CaseOut) -> dict[str, Any]:
    return case.model_dump(mode="json", include=set(COLUMNS))
