"""`GET /v1/rekap`: PMKS cases per kecamatan × category × status, as the Dinas reports them;
`GET /v1/rekap/demographics`: also by sex and age band, for a period (`domain.demographics`);
`GET /v1/rekap/kpi`: the key figures of the case work (`domain.kpis`), for the Dinas.

Protected categories are counted as one, `protected`, except for the designated officers: a
count of ODHA in a small kecamatan says why those few are followed (docs/adr/0005).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import pygal
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.demographics import AGE_BANDS, BAND_NAMES, UNKNOWN
from services.cases.domain.kpis import kpis
from services.cases.entrypoints import schemas as s
from services.cases.use_cases import queries
from shared.messaging.outbox import utcnow
from shared.persistence.unit_of_work import UnitOfWorkFactory
from shared.reference.calendar import wita_day
from shared.reference.wilayah import region_name
from shared.security import Principal, Role, narrowest
from shared.security.disclosure import Audience, audience_of
from shared.web.auth import allow
from shared.web.exports import (
    EXPORT_RESPONSES,
    ExportFormat,
    Format,
    Separator,
    Wilayah,
    export_response,
    one_page,
)
from shared.web.problems import Problem

Caller = Annotated[Principal, Depends(allow(*Role))]
SVG = "image/svg+xml"
EXPORT_COLUMNS = ("kecamatan", "kecamatan_name", "category", "status", "count")
Dinas = Annotated[Principal, Depends(allow(Role.OPERATOR, Role.ADMIN))]
First = Annotated[date | None, Query(alias="from", description="first day (WITA)")]
Last = Annotated[date | None, Query(alias="to", description="last day (WITA), included")]
DEMOGRAPHIC_COLUMNS = (
    "kecamatan", "kecamatan_name", "category", "sex", "age_band", "status", "count",
)  # fmt: skip


def rekap_router(uows: UnitOfWorkFactory[CasesUnitOfWork]) -> APIRouter:
    router = APIRouter(prefix="/v1/rekap", tags=["rekap"])

    async def rekap_rows(caller: Principal, wilayah: str | None) -> tuple[str, list[dict]]:
        """The caller's wilayah (or the part asked for) and its rekap rows."""
        scope = scope_of(caller, wilayah)
        officer = audience_of(caller) is Audience.OFFICER
        async with uows() as uow:
            counts = await queries.rekap(uow, scope, split_protected=officer)
        rows = [
            {"kecamatan": k, "category": c, "status": st, "count": n}
            for (k, c, st), n in sorted(counts.items())
        ]
        return scope, rows

    @router.get("", response_model=s.Rekap)
    async def get_rekap(caller: Caller, wilayah: str | None = None) -> Any:
        """Cases per kecamatan × PMKS category × status inside the caller's wilayah."""
        scope, rows = await rekap_rows(caller, wilayah)
        # Thousands of rows for a province: written as JSON at once, not built as models and
        # validated again against `s.Rekap` (which documents the same shape).
        body = json.dumps({"wilayah": scope, "items": rows}, separators=(",", ":"))
        return Response(body, media_type="application/json")

    @router.get(
        "/export", responses=EXPORT_RESPONSES,
        summary="The rekap as CSV or XLSX, kecamatan named (for the Dinas's report)",
    )  # fmt: skip
    async def export_rekap(
        caller: Caller, format: Format = ExportFormat.CSV, wilayah: Wilayah = None,
        sep: Separator = ",",
    ) -> Response:  # fmt: skip
        scope, rows = await rekap_rows(caller, wilayah)
        named = [{**row, "kecamatan_name": region_name(row["kecamatan"])} for row in rows]
        return await export_response(
            one_page(named), EXPORT_COLUMNS, name=f"rekap-{scope}", format=format, separator=sep
        )

    @router.get(
        "/chart.svg", response_class=Response,
        responses={200: {"content": {SVG: {}}, "description": "an SVG image"}},
        summary="The rekap as a chart: cases per kecamatan, by status",
    )  # fmt: skip
    async def rekap_chart(caller: Caller, wilayah: str | None = None) -> Response:
        scope, rows = await rekap_rows(caller, wilayah)
        return Response(status_chart(scope, rows), media_type=SVG)

    async def demographic_rows(
        caller: Principal, wilayah: str | None, first: date | None, last: date | None
    ) -> tuple[str, date, list[dict[str, Any]]]:
        """The caller's wilayah (or the part asked for), the day ages are counted on, and the
        rows of the cases reported in the period."""
        scope = scope_of(caller, wilayah)
        last = last or wita_day(utcnow())
        require_period(first, last)
        officer = audience_of(caller) is Audience.OFFICER
        async with uows() as uow:
            counts = await queries.demographic_rekap(uow, scope, first, last, officer)
        rows = [
            {"kecamatan": k, "category": c, "sex": sex, "age_band": band, "status": st, "count": n}
            for (k, c, sex, band, st), n in sorted(counts.items())
        ]
        return scope, last, rows

    @router.get("/demographics", response_model=s.DemographicRekap, response_model_by_alias=True)
    async def get_demographics(
        caller: Dinas, first: First = None, last: Last = None, wilayah: str | None = None
    ) -> Any:
        """Cases reported in the period (by default all, until today) per kecamatan × PMKS
        category × sex × age band × status, inside the caller's wilayah: the rekap the Dinas
        reports to Kemensos. Dinas staff only: cells this small can point at a person."""
        scope, last, rows = await demographic_rows(caller, wilayah, first, last)
        return s.DemographicRekap(
            wilayah=scope, first_day=first, last_day=last, age_on=last,
            items=[s.DemographicRow(**row) for row in rows],
        )  # fmt: skip

    @router.get(
        "/demographics/export", responses=EXPORT_RESPONSES,
        summary="The rekap by sex and age band as CSV or XLSX, kecamatan named",
    )  # fmt: skip
    async def export_demographics(
        caller: Dinas, format: Format = ExportFormat.CSV, wilayah: Wilayah = None,
        sep: Separator = ",", first: First = None, last: Last = None,
    ) -> Response:  # fmt: skip
        scope, last, rows = await demographic_rows(caller, wilayah, first, last)
        named = [{**row, "kecamatan_name": region_name(row["kecamatan"])} for row in rows]
        return await export_response(
            one_page(named), DEMOGRAPHIC_COLUMNS, name=f"rekap-usia-{scope}-{last}",
            format=format, separator=sep,
        )  # fmt: skip

    @router.get(
        "/demographics/chart.svg", response_class=Response,
        responses={200: {"content": {SVG: {}}, "description": "an SVG image"}},
        summary="The rekap by sex and age band as a chart",
    )  # fmt: skip
    async def demographics_chart(
        caller: Dinas, first: First = None, last: Last = None, wilayah: str | None = None
    ) -> Response:
        scope, last, rows = await demographic_rows(caller, wilayah, first, last)
        return Response(band_chart(scope, last, rows), media_type=SVG)

    @router.get("/kpi", response_model=s.KpiOut)
    async def get_kpis(
        caller: Dinas,
        first: Annotated[
            date | None, Query(alias="from", description="first day (WITA); default: the 1st")
        ] = None,
        last: Annotated[
            date | None, Query(alias="to", description="last day (WITA), included; default: today")
        ] = None,
        wilayah: str | None = None,
    ) -> Any:
        """Median working days to verify and to close (steps taken in the period; by default
        this month so far), cases open and overdue now, and each TKSK's open cases — inside the
        caller's wilayah."""
        now = utcnow()
        last = last or wita_day(now)
        first = first or last.replace(day=1)
        scope = scope_of(caller, wilayah)
        require_period(first, last)
        async with uows() as uow:
            times = await uow.cases.times_in(scope)
        return s.KpiOut.of(scope, first, last, kpis(times, first, last, now))

    return router


def scope_of(caller: Principal, wilayah: str | None) -> str:
    """The caller's wilayah, or the part of it asked for; 404 for one outside it."""
    scope = narrowest(caller.wilayah, wilayah) if wilayah else caller.wilayah
    if scope is None:
        raise Problem(404, "not-found", "Not found", "no such wilayah inside yours")
    return scope


def require_period(first: date | None, last: date) -> None:
    if first is not None and last < first:
        raise Problem(422, "period-invalid", "Invalid period", "`to` is before `from`")


def status_chart(scope: str, rows: list[dict[str, Any]]) -> bytes:
    """Cases per kecamatan, a bar each, stacked by status; kecamatan by name. A case in two
    categories counts in each (as in the rekap)."""
    kecamatan = sorted({row["kecamatan"] for row in rows})
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["status"], row["kecamatan"])
        counts[key] = counts.get(key, 0) + row["count"]
    chart = pygal.HorizontalStackedBar(
        title=f"Kasus PMKS per kecamatan — {region_name(scope)}",
        x_title="kasus (per kategori)", legend_at_bottom=True, disable_xml_declaration=False,
    )  # fmt: skip
    chart.x_labels = [region_name(code) for code in kecamatan]
    for status in STATUS_ORDER:
        if any(key[0] == status for key in counts):
            values = [counts.get((status, code), 0) for code in kecamatan]
            chart.add(STATUS_WORDS.get(status, status), values)
    return bytes(chart.render())


def band_chart(scope: str, day: date, rows: list[dict[str, Any]]) -> bytes:
    """Cases per age band, a bar each, laki-laki and perempuan side by side."""
    bands = [*(label for label, _ in AGE_BANDS), UNKNOWN]
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["sex"], row["age_band"])
        counts[key] = counts.get(key, 0) + row["count"]
    chart = pygal.Bar(
        title=f"Kasus PMKS menurut kelompok umur — {region_name(scope)}, umur per {day}",
        y_title="kasus (per kategori)", legend_at_bottom=True, disable_xml_declaration=False,
    )  # fmt: skip
    chart.x_labels = [BAND_NAMES.get(band, "tidak diketahui") + f" ({band})" for band in bands]
    for sex, name in (("L", "laki-laki"), ("P", "perempuan"), (UNKNOWN, "tidak diketahui")):
        if any(key[0] == sex for key in counts):
            chart.add(name, [counts.get((sex, band), 0) for band in bands])
    return bytes(chart.render())


# The workflow's states as the Dinas says them, in the order a case goes through them.
STATUS_WORDS = {
    "reported": "dilaporkan", "in_verification": "verifikasi", "returned": "dikembalikan",
    "verified": "terverifikasi", "assessed": "asesmen",
    "assessment_review": "menunggu persetujuan asesmen", "planned": "rencana tindak lanjut",
    "plan_review": "menunggu persetujuan rencana", "referred": "dirujuk",
    "monitoring": "pemantauan", "closure_requested": "menunggu penutupan", "closed": "ditutup",
    "rejected": "ditolak",
}  # fmt: skip
STATUS_ORDER = tuple(STATUS_WORDS)
