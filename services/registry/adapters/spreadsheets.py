"""Reading an uploaded extract, CSV or XLSX, as numbered rows of cells (line 1: the header).

CSV as Indonesian spreadsheets export it: `,` or `;` (told from the header line), UTF-8 with or
without a BOM — or Windows-1252, which Excel writes when not told "CSV UTF-8". XLSX through
python-calamine (the first sheet), cells as it types them: text, numbers, dates. Rows are read
one at a time: a province's file is never held in memory.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from python_calamine import CalamineWorkbook

Row = tuple[int, list[object]]
SNIFF_BYTES = 64 * 1024


def read_rows(path: Path) -> Iterator[Row]:
    """(line, cells) of every non-empty row, the header first."""
    rows = _xlsx_rows(path) if _is_zip(path) else _csv_rows(path)
    for line, cells in rows:
        if any(cell not in (None, "") for cell in cells):
            yield line, cells


def _is_zip(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"PK\x03\x04"


def _csv_rows(path: Path) -> Iterator[Row]:
    encoding = "utf-8-sig" if _decodes_as_utf8(path) else "cp1252"
    with path.open(encoding=encoding, newline="") as file:
        first = file.readline()
        separator = ";" if first.count(";") > first.count(",") else ","
        file.seek(0)
        for line, cells in enumerate(csv.reader(file, delimiter=separator), start=1):
            yield line, list(cells)


def _decodes_as_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        try:
            while chunk := file.read(SNIFF_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _xlsx_rows(path: Path) -> Iterator[Row]:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    for line, cells in enumerate(sheet.iter_rows(), start=1):
        yield line, [_cell(cell) for cell in cells]


def _cell(value: object) -> object:
    """A whole number as its digits: a NIK typed into a number cell is 6.3e15 to the sheet."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value
