"""What the Dinas reports of its training: coverage (of the active PSM of each kecamatan, how
many hold each tier), as JSON, CSV or XLSX; and a worker's training history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.responses import Response

from services.training.adapters.unit_of_work import TrainingUnitOfWork
from services.training.domain.coverage import KecamatanCoverage, coverage
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.reference.tiers import training_tiers
from shared.reference.wilayah import region_name
from shared.security import Principal, Role
from shared.web.auth import allow
from shared.web.exports import (
    EXPORT_RESPONSES,
    ExportFormat,
    Format,
    Separator,
    Wilayah,
    export_response,
    export_scope,
    one_page,
)
from shared.web.problems import not_found

Dinas = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR))]
Reader = Annotated[Principal, Depends(allow(Role.ADMIN, Role.OPERATOR, Role.TKSK, Role.PSM))]


class TierCoverage(BaseModel):
    tier: str
    holding: int = Field(description="active PSM holding this tier or a higher one")
    percent: float


class CoverageRow(BaseModel):
    kecamatan: str
    kecamatan_name: str
    active_psm: int
    tiers: list[TierCoverage]

    @classmethod
    def of(cls, row: KecamatanCoverage) -> CoverageRow:
        return cls(
            kecamatan=row.kecamatan, kecamatan_name=region_name(row.kecamatan),
            active_psm=row.active_psm,
            tiers=[TierCoverage(tier=t, holding=n, percent=row.percent(t))
                   for t, n in row.holding.items()],
        )  # fmt: skip


class Coverage(BaseModel):
    wilayah: str
    items: list[CoverageRow]


class HistoryEntry(BaseModel):
    batch_id: str
    batch_title: str
    tier: str
    organiser: str
    starts_on: date
    ends_on: date
    enrolment_status: str = Field(description="enrolled, withdrawn, certified, not_certified")
    enrolled_at: datetime
    closed_at: datetime | None
    certificate_number: str | None
    certified_on: date | None


class History(BaseModel):
    worker_id: str
    items: list[HistoryEntry]


def reports_router(uows: UnitOfWorkFactory[TrainingUnitOfWork]) -> APIRouter:
    router = APIRouter(tags=["reports"])

    async def coverage_in(caller: Principal, wilayah: str | None) -> tuple[str, list[CoverageRow]]:
        scope = export_scope(caller, wilayah)
        async with uows() as uow:
            psm = await uow.workers.active_psm_in(scope)
        return scope, [CoverageRow.of(row) for row in coverage(psm, training_tiers())]

    @router.get("/v1/coverage", response_model=Coverage, summary="Training coverage of the PSM")
    async def get_coverage(caller: Dinas, wilayah: Wilayah = None) -> Any:
        scope, rows = await coverage_in(caller, wilayah)
        return Coverage(wilayah=scope, items=rows)

    @router.get("/v1/coverage/export", responses=EXPORT_RESPONSES,
                summary="Training coverage as CSV or XLSX")  # fmt: skip
    async def export_coverage(
        caller: Dinas, format: Format = ExportFormat.CSV, wilayah: Wilayah = None,
        sep: Separator = ",",
    ) -> Response:  # fmt: skip
        scope, rows = await coverage_in(caller, wilayah)
        codes = training_tiers().codes()
        columns = ("kecamatan", "kecamatan_name", "active_psm",
                   *(f"{c}{part}" for c in codes for part in ("", "_percent")))  # fmt: skip
        flat = [_flat(row) for row in rows]
        return await export_response(
            one_page(flat), columns, name=f"coverage-{scope}", format=format, separator=sep
        )

    @router.get(
        "/v1/workers/{worker_id}/history", response_model=History,
        summary="A worker's diklat: batches, outcome, certificates (each read audited)",
    )  # fmt: skip
    async def get_history(worker_id: str, caller: Reader) -> Any:
        async with uows() as uow:
            worker = await uow.workers.get(worker_id)
            mine = caller.role is not Role.PSM or caller.sub == worker_id
            if worker is None or not caller.covers(worker.wilayah) or not mine:
                raise not_found("worker")
            rows = await uow.workers.history_of(worker_id)
            await uow.audit(caller, "worker.training_history", record_type="worker",
                            record_id=worker_id, wilayah=worker.wilayah, now=utcnow())  # fmt: skip
            await uow.commit()
        items = [HistoryEntry(
            batch_id=r["batch_id"], batch_title=r["title"], tier=r["tier"],
            organiser=r["organiser"], starts_on=r["starts_on"], ends_on=r["ends_on"],
            enrolment_status=r["status"], enrolled_at=r["enrolled_at"], closed_at=r["closed_at"],
            certificate_number=r["certificate_number"], certified_on=r["issued_on"],
        ) for r in rows]  # fmt: skip
        return History(worker_id=worker_id, items=items)

    return router


def _flat(row: CoverageRow) -> dict[str, Any]:
    flat: dict[str, Any] = {"kecamatan": row.kecamatan, "kecamatan_name": row.kecamatan_name,
                            "active_psm": row.active_psm}  # fmt: skip
    for tier in row.tiers:
        flat[tier.tier], flat[f"{tier.tier}_percent"] = tier.holding, tier.percent
    return flat
