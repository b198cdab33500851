"""Exports as files a Dinas opens in a spreadsheet: CSV (UTF-8 with a BOM, so Excel reads the
names right; `;`-separated on request, as Indonesian Excel expects) or XLSX.

Rows come page by page from the caller's query (each page read, disclosed and audited in its own
transaction), so an export of a whole province never holds it in memory: CSV is streamed as the
pages come; XLSX, a zip that cannot be streamed, is written to a temporary file first
(xlsxwriter's constant-memory mode) and sent from there; a sheet holds 1,048,576 lines, so a
province's 1.7 million persons continue on a second sheet (`persons (2)`), its header repeated.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import xlsxwriter
from fastapi import Query
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.responses import Response

from shared.reference import normalise_region_code
from shared.security import Principal, narrowest
from shared.web.problems import Problem


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


Format = Annotated[ExportFormat, Query(description="csv (UTF-8, the default) or xlsx")]
Wilayah = Annotated[str | None, Query(max_length=20, description="a region code; default: yours")]
Separator = Annotated[
    str, Query(pattern="^[,;]$", description="CSV only: `,` or `;` (Excel in Indonesian)")
]
Pages = AsyncIterator[list[dict[str, Any]]]
Rows = list[dict[str, Any]]
PAGE = 500  # records read, disclosed and audited per transaction


async def paged(read: Callable[[Any], Awaitable[tuple[Rows, Any]]]) -> Pages:
    """The pages `read(after)` returns, each with the key to read the next one after; a key of
    None ends the export."""
    after = None
    while True:
        rows, after = await read(after)
        yield rows
        if after is None:
            return


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_ROWS = 1_048_576  # a sheet's rows, its header among them (Excel's limit, and the format's)
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, XLSX_TYPE: {}}, "description": "The file"}
}


async def one_page(rows: Rows) -> Pages:
    """Rows already in hand (a report of a few thousand lines), as the pages an export takes."""
    yield rows


def export_scope(caller: Principal, wilayah: str | None) -> str:
    """The caller's wilayah, or the part of it they asked for. A wilayah outside it is refused
    (403 `outside-wilayah`) rather than answered with an empty file."""
    if wilayah is None:
        return caller.wilayah
    asked = normalise_region_code(wilayah)
    scope = narrowest(caller.wilayah, asked)
    if scope is None:
        raise Problem(403, "outside-wilayah", "Outside your wilayah", f"{asked} is outside it")
    return scope


async def export_response(
    pages: Pages, columns: Sequence[str], *, name: str, format: ExportFormat, separator: str = ","
) -> Response:
    if format is ExportFormat.XLSX:
        return await _xlsx(pages, columns, name)
    return StreamingResponse(
        _csv(pages, columns, separator),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


async def _csv(pages: Pages, columns: Sequence[str], separator: str) -> AsyncIterator[bytes]:
    yield "\ufeff".encode()
    yield _csv_lines([list(columns)], separator)
    async for page in pages:
        yield _csv_lines([[_cell(row.get(c)) for c in columns] for row in page], separator)


def _csv_lines(rows: list[list[Any]], separator: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode("utf-8")


async def _xlsx(pages: Pages, columns: Sequence[str], name: str) -> Response:
    descriptor, name_on_disk = tempfile.mkstemp(prefix="kesos-export-", suffix=".xlsx")
    os.close(descriptor)  # xlsxwriter opens the path itself
    path = Path(name_on_disk)
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False}
    )
    bold = workbook.add_format({"bold": True})
    try:
        sheets = 1
        sheet, line = _sheet(workbook, name, sheets, columns, bold), 1
        async for page in pages:
            for row in page:
                if line == XLSX_ROWS:  # xlsxwriter drops a row past the limit without a word
                    sheets += 1
                    sheet, line = _sheet(workbook, name, sheets, columns, bold), 1
                # Text, always: a NIK or No. KK as a number would lose its digits.
                sheet.write_row(line, 0, [_cell(row.get(c)) for c in columns])
                line += 1
    finally:
        workbook.close()
    return FileResponse(
        path, media_type=XLSX_TYPE, filename=f"{name}.xlsx",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )  # fmt: skip


def _sheet(
    workbook: xlsxwriter.Workbook, name: str, number: int, columns: Sequence[str], bold: Any
) -> Any:
    """The export's sheet `number`, its header written: a province's persons fill more than
    one."""
    sheet = workbook.add_worksheet(name[:31] if number == 1 else f"{name[:24]} ({number})")
    sheet.write_row(0, 0, list(columns), bold)
    return sheet


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "|".join(str(item) for item in value)
    return str(value)
