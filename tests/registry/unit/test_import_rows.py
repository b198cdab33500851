"""Reading DTKS-style extracts: CSV (`,` or `;`, BOM or not, UTF-8 or Windows-1252) and XLSX, the
columns in any order and under their usual names, every bad row reported with its line and the
rule it broke — and the good rows read all the same."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from services.registry.domain.families import Relationship
from services.registry.domain.import_rows import ImportRow, RowError
from services.registry.use_cases.imports import rows_of

TODAY = date(2026, 11, 30)
HEADER = "nik,no_kk,nama,jenis_kelamin,tanggal_lahir,kode_desa,hubungan_keluarga,kategori_pmks"
GOOD = [
    "6305015402400003,6305011203150004,Masriah,P,1940-02-14,63.05.01.2003,Kepala Keluarga,LUT",
    ",6305011203150004,Rahmat,L,03-09-1995,6305012003,anak,PD|fm",
    ",,Udin,laki-laki,03/09/1995,63.05.01.2003,,GLD",
]
BAD = [
    ("6305015402400004,,Siti,P,1941-02-14,63.05.01.2003,,LUT", "nik-birth-date-mismatch", "tanggal_lahir"),  # noqa: E501
    ("630501540240,,Siti,P,1940-02-14,63.05.01.2003,,LUT", "nik-invalid-length", "nik"),
    (",63050112031500,Siti,P,1940-02-14,63.05.01.2003,istri,LUT", "kk-invalid-length", "no_kk"),
    (",,,P,1940-02-14,63.05.01.2003,,LUT", "import-value-missing", "nama"),
    (",,Siti,X,1940-02-14,63.05.01.2003,,LUT", "import-sex-unknown", "jenis_kelamin"),
    (",,Siti,P,14 Feb 1940,63.05.01.2003,,LUT", "import-date-unreadable", "tanggal_lahir"),
    (",,Siti,P,30-02-1940,63.05.01.2003,,LUT", "import-date-unreadable", "tanggal_lahir"),
    (",,Siti,P,14-02/1940,63.05.01.2003,,LUT", "import-date-unreadable", "tanggal_lahir"),
    (",,Siti,P,2027-01-01,63.05.01.2003,,LUT", "birth-date-in-future", "tanggal_lahir"),
    (",,Siti,P,1940-02-14,63.05.01,,LUT", "wilayah-not-desa", "kode_desa"),
    (",,Siti,P,1940-02-14,63.05.01.2999,,LUT", "wilayah-unknown", "kode_desa"),
    (",,Siti,P,1940-02-14,63.05.01.2003,,XYZ", "pmks-category-unknown", "kategori_pmks"),
    (",,Siti,P,1940-02-14,63.05.01.2003,,", "import-value-missing", "kategori_pmks"),
    (",6305011203150004,Siti,P,1940-02-14,63.05.01.2003,tetangga,LUT", "relationship-unknown", "hubungan_keluarga"),  # noqa: E501
    (",,Siti,P,1890-02-14,63.05.01.2003,,LUT", "birth-date-before-1900", "tanggal_lahir"),
]  # fmt: skip


def write(
    tmp_path: Path, lines: list[str], *, encoding: str = "utf-8", name: str = "x.csv"
) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_every_bad_row_is_reported_with_its_line_and_rule_and_good_rows_still_read(tmp_path):
    path = write(tmp_path, [HEADER, *GOOD, *(row for row, _, _ in BAD)])
    read = list(rows_of(path, today=TODAY))
    good, bad = read[: len(GOOD)], read[len(GOOD) :]
    assert all(isinstance(row, ImportRow) for row in good)
    assert [(r.line, r.rule, r.column) for r in bad] == [
        (line, rule, column) for line, (_, rule, column) in enumerate(BAD, start=len(GOOD) + 2)
    ]
    masriah, rahmat, udin = good
    assert (masriah.line, masriah.person.nik, masriah.no_kk) == (
        2,
        "6305015402400003",
        "6305011203150004",
    )
    assert masriah.relationship is Relationship.KEPALA_KELUARGA
    assert (masriah.person.birth_date, masriah.person.desa) == (date(1940, 2, 14), "63.05.01.2003")
    assert (rahmat.person.nik, rahmat.person.categories, rahmat.person.birth_date) == (
        None, ("PD", "FM"), date(1995, 9, 3),
    )  # fmt: skip
    assert (udin.person.sex, udin.no_kk, udin.relationship) == ("L", None, None)
    assert udin.person.birth_date == date(1995, 9, 3)


@pytest.mark.parametrize(
    ("separator", "encoding", "bom"),
    [(",", "utf-8", False), (";", "utf-8", True), (";", "cp1252", False)],
)
def test_any_column_order_aliases_separators_and_encodings(tmp_path, separator, encoding, bom):
    header = [
        "Kategori PMKS",
        "Nama Lengkap",
        "JK",
        "Tgl Lahir",
        "Kode Desa",
        "NIK",
        "No. KK",
        "SHDK",
    ]
    row = ["LUT", "Masriâh", "P", "14-02-1940", "6305012003", "6305015402400003", "", ""]
    text = "\n".join(separator.join(cells) for cells in (header, row))
    path = tmp_path / "extract.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    [read] = list(rows_of(path, today=TODAY))
    assert isinstance(read, ImportRow)
    assert (read.person.name, read.person.nik, read.person.desa) == (
        "Masriâh", "6305015402400003", "63.05.01.2003",
    )  # fmt: skip


def test_a_header_without_a_required_column_is_one_error(tmp_path):
    path = write(tmp_path, ["nik,nama,jenis_kelamin", "6305015402400003,Masriah,P"])
    assert list(rows_of(path, today=TODAY)) == [
        RowError(1, "import-header-incomplete", "kode_desa,kategori_pmks")
    ]


def test_an_xlsx_extract_with_number_and_date_cells_reads_like_its_csv(tmp_path):
    path = tmp_path / "extract.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("DTKS")
    sheet.write_row(0, 0, HEADER.split(","))
    sheet.write_number(1, 0, 6305015402400003)  # a NIK typed as a number
    sheet.write_number(1, 1, 6305011203150004)
    sheet.write_string(1, 2, "Masriah")
    sheet.write_string(1, 3, "P")
    sheet.write_datetime(1, 4, date(1940, 2, 14), book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write_number(1, 5, 6305012003)
    sheet.write_string(1, 6, "kepala keluarga")
    sheet.write_string(1, 7, "LUT")
    sheet.write_row(2, 0, ["", "", "", "P", "", "63.05.01.2003", "", "LUT"])
    book.close()
    masriah, nameless = list(rows_of(path, today=TODAY))
    assert isinstance(masriah, ImportRow)
    assert (masriah.person.nik, masriah.no_kk, masriah.person.birth_date) == (
        "6305015402400003", "6305011203150004", date(1940, 2, 14),
    )  # fmt: skip
    assert nameless == RowError(3, "import-value-missing", "nama")


def test_a_kk_member_without_a_category_is_a_household_member_but_nobody_else_is(tmp_path):
    path = write(tmp_path, [
        HEADER,
        ",6305011203150004,Aisyah,P,2015-05-01,63.05.01.2003,cucu,",
        ",,Aisyah,P,2015-05-01,63.05.01.2003,,",
    ])  # fmt: skip
    member, stranger = rows_of(path, today=TODAY)
    assert isinstance(member, ImportRow)
    assert (member.person.categories, member.person.household) == ((), True)
    assert member.relationship is Relationship.CUCU
    assert stranger == RowError(3, "import-value-missing", "kategori_pmks")
