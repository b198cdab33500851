"""`GET /v1/rekap`: PMKS cases per kecamatan × category × status, as the Dinas reports them;
`GET /v1/rekap/kpi`: the key figures of the case work (`domain.kpis`), for the Dinas.

Protected categories are counted as one, `protected`, except for the designated officers: a
count of ODHA in a small kecamatan says why those few are followed (docs/adr/0005).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.kpis import kpis
from services.cases.entrypoints import schemas as s
from services.cases.use_cases import queries
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.security import Principal, Role, narrowest
from shared.security.disclosure import Audience, audience_of
from shared.web.auth import allow
from shared.web.problems import Problem

Caller = Annotated[Principal, Depends(allow(*Role))]
Dinas = Annotated[Principal, Depends(allow(Role.OPERATOR, Role.ADMIN))]


def rekap_router(uows: UnitOfWorkFactory[CasesUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1/rekap", tags=["rekap"])

    @router.get("", response_model=s.Rekap)
    async def get_rekap(caller: Caller, wilayah: str | None = None) -> Any:
        """Cases per kecamatan × PMKS category × status inside the caller's wilayah."""
        scope = narrowest(caller.wilayah, wilayah) if wilayah else caller.wilayah
        if scope is None:
            raise Problem(404, "not-found", "Not found", "no such wilayah inside yours")
        officer = audience_of(caller) is Audience.OFFICER
        async with uows() as uow:
            counts = await queries.rekap(uow, scope, split_protected=officer)
        # Thousands of rows for a province: written as JSON at once, not built as models and
        # validated again against `s.Rekap` (which documents the same shape).
        rows = [
            {"kecamatan": k, "category": c, "status": st, "count": n}
            for (k, c, st), n in sorted(counts.items())
        ]
        body = json.dumps({"wilayah": scope, "items": rows}, separators=(",", ":"))
        return Response(body, media_type="application/json")

    @router.get("/kpi", response_model=s.KpiOut)
    async def get_kpis(
        caller: Dinas,
        first: Annotated[date, Query(alias="from", description="first day (WITA)")],
        last: Annotated[date, Query(alias="to", description="last day (WITA), included")],
        wilayah: str | None = None,
    ) -> Any:
        """Median working days to verify and to close (steps taken in the period), cases open
        and overdue now, and each TKSK's open cases — inside the caller's wilayah."""
        scope = narrowest(caller.wilayah, wilayah) if wilayah else caller.wilayah
        if scope is None:
            raise Problem(404, "not-found", "Not found", "no such wilayah inside yours")
        if last < first:
            raise Problem(422, "period-invalid", "Invalid period", "`to` is before `from`")
        async with uows() as uow:
            times = await uow.cases.times_in(scope)
        return s.KpiOut.of(scope, first, last, kpis(times, first, last, utcnow()))

    return router
