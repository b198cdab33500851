"""The rekap as the Dinas hands it on: CSV and XLSX with kecamatan named, opened and checked as
a spreadsheet program would; and a chart (SVG) someone would rather look at than read."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree

import openpyxl
import pytest

from tests.cases.integration.conftest import RANTAU_KIWA, Cases, bearer, psm

pytestmark = pytest.mark.integration
EXPECTED = [
    ["63.05.01", "Binuang", "LUT", "in_verification", "2"],
    ["63.05.04", "Tapin Utara", "PD", "reported", "1"],
]


async def reported(cases_app: Cases) -> None:
    await cases_app.active_tksk(worker_id="tksk-binuang")
    for _ in range(2):
        await cases_app.report(psm("psm-tungkap"))
    await cases_app.report(
        psm("psm-rantau-kiwa", RANTAU_KIWA), desa=RANTAU_KIWA, categories=("PD",)
    )


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_the_rekap_as_csv_and_xlsx(make_cases, kind):
    cases_app: Cases = await make_cases(kind)
    await reported(cases_app)
    answer = await cases_app.client.get("/v1/rekap/export", headers=bearer(), params={"sep": ";"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["kecamatan", "kecamatan_name", "category", "status", "count"], *EXPECTED]
    answer = await cases_app.client.get(
        "/v1/rekap/export", headers=bearer(), params={"format": "xlsx", "wilayah": "63.05.01"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == EXPECTED[:1]


async def test_the_rekap_as_a_chart(cases_app: Cases):
    await reported(cases_app)
    answer = await cases_app.client.get("/v1/rekap/chart.svg", headers=bearer())
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
    svg = ElementTree.fromstring(answer.content)
    texts = {text.strip() for element in svg.iter() for text in element.itertext() if text.strip()}
    assert {"Binuang", "Tapin Utara", "verifikasi", "dilaporkan"} <= texts
    assert any(text.startswith("Kasus PMKS per kecamatan") for text in texts)
    outside = await cases_app.client.get(
        "/v1/rekap/chart.svg", headers=bearer(), params={"wilayah": "63.03"}
    )
    assert outside.status_code == 404
