"""An XLSX export longer than a sheet continues on the next one (shared/web/exports.py): a
province's 1.7 million persons exceed a sheet's 1,048,576 lines, and xlsxwriter drops the rows
past the limit without an error. The limit is lowered here; the file is read back as a Dinas
would open it."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl

from shared.web import exports
from shared.web.exports import ExportFormat, export_response


async def pages_of(rows: list[dict[str, str]], size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def test_rows_past_a_sheets_limit_continue_on_the_next_sheet_with_the_header(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_ROWS", 4)  # a header and three rows a sheet
    rows = [{"person_id": f"p-{n}", "desa": "63.05.01.2003"} for n in range(8)]
    answer = await export_response(
        pages_of(rows, 3), ["person_id", "desa"], name="persons", format=ExportFormat.XLSX
    )
    path = Path(answer.path)  # type: ignore[attr-defined]
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["persons", "persons (2)", "persons (3)"]
    lines = [list(sheet.values) for sheet in book.worksheets]
    assert all(sheet[0] == ("person_id", "desa") for sheet in lines)
    assert [row[0] for sheet in lines for row in sheet[1:]] == [r["person_id"] for r in rows]
    assert [len(sheet) for sheet in lines] == [4, 4, 3]
    os.unlink(path)  # the answer's background task would have
