"""The cases export as the Dinas opens it: CSV and XLSX, inside the caller's wilayah only."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.cases.integration.conftest import TAPIN, TUNGKAP, Cases, bearer, psm


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(
        csv.DictReader(io.StringIO(response.content.decode("utf-8").removeprefix("\ufeff")))
    )


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_cases_export_as_csv_and_xlsx_inside_the_callers_wilayah(make_cases, kind) -> None:
    cases_app: Cases = await make_cases(kind)
    reported = [await cases_app.report(psm("psm-tungkap")) for _ in range(3)]
    get = cases_app.client.get

    rows = rows_of(await get("/v1/exports/cases?format=csv", headers=bearer()))
    assert sorted(r["case_id"] for r in rows) == sorted(c["case_id"] for c in reported)
    assert {(r["desa"], r["status"], r["categories"]) for r in rows} == {
        (TUNGKAP, "reported", "LUT")
    }
    assert rows_of(await get("/v1/exports/cases?format=csv&status=closed", headers=bearer())) == []

    sheet = await get(f"/v1/exports/cases?format=xlsx&wilayah={TAPIN}", headers=bearer())
    book = openpyxl.load_workbook(io.BytesIO(sheet.content), read_only=True)
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][0] == "case_id" and len(values) == 4

    banjar = await get(
        f"/v1/exports/cases?format=csv&wilayah={TAPIN}", headers=bearer("operator", "63.03")
    )
    assert (banjar.status_code, banjar.json()["type"]) == (403, "urn:kesos:problem:outside-wilayah")
    field_worker = await get("/v1/exports/cases?format=csv", headers=psm("psm-tungkap"))
    assert field_worker.status_code == 403
