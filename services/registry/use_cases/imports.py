"""Importing a DTKS-style extract (CSV or XLSX) into the registry.

This part reads the file: every row becomes an `ImportRow` or a `RowError` naming its line and
the rule it broke, so the job that applies the rows (persons by NIK, families by No. KK) can
report every bad row without stopping at one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from services.registry.adapters.spreadsheets import read_rows
from services.registry.domain.import_rows import ImportRow, RowError, columns_of, read_row


def rows_of(path: Path, *, today: date) -> Iterator[ImportRow | RowError]:
    """The file's rows read, in order; a header lacking a required column is one `RowError`
    (line 1) and nothing else."""
    rows = read_rows(path)
    header = next(rows, None)
    if header is None:
        return
    columns = columns_of([str(cell or "") for cell in header[1]])
    if isinstance(columns, RowError):
        yield columns
        return
    for line, cells in rows:
        values = {name: cells[at] if at < len(cells) else None for name, at in columns.items()}
        yield read_row(line, values, today=today)
