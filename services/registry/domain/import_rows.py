"""One row of a DTKS-style extract, read into a person and their place on a KK — or the rule it
breaks, with its line, so that bad rows never stop good ones.

The columns (`COLUMNS`) may come in any order and under the names the extracts use (`ALIASES`):
`nik, no_kk, nama, jenis_kelamin, tanggal_lahir, kode_desa, hubungan_keluarga, kategori_pmks`.
Values as Indonesian spreadsheets hold them: `jenis_kelamin` L/P (or spelled out), `tanggal_lahir`
YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY (or a spreadsheet date), `kode_desa` dotted or as 10 digits,
`hubungan_keluarga` as printed on the KK, `kategori_pmks` codes separated by `|`; `nik` and
`no_kk` may be empty (not yet recorded). A row with a No. KK and no category is a member of the
PMKS's household (a spouse, a child), registered without one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from services.registry.domain.errors import UnknownRelationship
from services.registry.domain.families import Relationship
from services.registry.domain.persons import PersonForm
from shared.reference import (
    InvalidReference,
    PmksCategories,
    Wilayah,
    check_identity,
    normalise_kk,
    normalise_nik,
    pmks_categories,
    wilayah,
)

COLUMNS = (
    "nik", "no_kk", "nama", "jenis_kelamin", "tanggal_lahir", "kode_desa", "hubungan_keluarga",
    "kategori_pmks",
)  # fmt: skip
REQUIRED = ("nama", "jenis_kelamin", "kode_desa", "kategori_pmks")
# Header names seen in extracts and spreadsheets, after `header_key` (lower case, `_` for gaps).
ALIASES: Mapping[str, tuple[str, ...]] = {
    "nik": ("nik", "no_nik", "nomor_nik", "nomor_induk_kependudukan"),
    "no_kk": ("no_kk", "nokk", "nomor_kk", "kk", "no_kartu_keluarga", "nomor_kartu_keluarga"),
    "nama": ("nama", "nama_lengkap", "nama_art", "name"),
    "jenis_kelamin": ("jenis_kelamin", "jk", "kelamin", "sex", "l_p"),
    "tanggal_lahir": ("tanggal_lahir", "tgl_lahir", "tgllahir", "tanggal_lhr", "birth_date"),
    "kode_desa": ("kode_desa", "kd_desa", "kode_kelurahan", "kode_desa_kelurahan", "kode_wilayah"),
    "hubungan_keluarga": (
        "hubungan_keluarga", "hub_keluarga", "hubungan", "shdk", "status_hubungan",
        "status_hubungan_dalam_keluarga",
    ),
    "kategori_pmks": ("kategori_pmks", "kategori", "pmks", "ppks", "jenis_pmks"),
}  # fmt: skip
SEXES = {"l": "L", "lk": "L", "laki_laki": "L", "laki": "L", "p": "P", "pr": "P", "perempuan": "P"}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")
_FULL_DATE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})|(?P<d>\d{2})([-/])(?P<m>\d{2})\5(?P<y>\d{4})",
    re.ASCII,
)
CATEGORY_SEPARATOR = "|"


class ImportRule:
    """Rules of the file itself, besides the domain's and the reference data's own."""

    MISSING = "import-value-missing"
    SEX = "import-sex-unknown"
    DATE = "import-date-unreadable"
    HEADER = "import-header-incomplete"


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    person: PersonForm
    no_kk: str | None  # normalised
    relationship: Relationship | None  # None: no KK given (the person lives in no known KK)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    rule: str
    column: str | None = None  # the column whose value broke it (never the value: it may be a NIK)


def header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lstrip("\ufeff").casefold()).strip("_")


def columns_of(header: list[str]) -> dict[str, int] | RowError:
    """Our column name → its position in the file's header; the missing required ones refused."""
    found: dict[str, int] = {}
    for position, name in enumerate(header):
        key = header_key(name)
        for column, aliases in ALIASES.items():
            if key in aliases and column not in found:
                found[column] = position
    missing = [column for column in REQUIRED if column not in found]
    if missing:
        return RowError(1, ImportRule.HEADER, ",".join(missing))
    return found


def read_row(
    line: int,
    values: Mapping[str, object],
    *,
    today: date,
    regions: Wilayah | None = None,
    catalogue: PmksCategories | None = None,
) -> ImportRow | RowError:
    """`values`: column → the cell as read (text, or a date from a spreadsheet)."""
    regions = wilayah() if regions is None else regions
    catalogue = pmks_categories() if catalogue is None else catalogue
    column = "nik"
    try:
        nik = _optional(values.get("nik"))
        nik = normalise_nik(nik, regions) if nik else None
        column = "no_kk"
        no_kk = _optional(values.get("no_kk"))
        no_kk = normalise_kk(no_kk, regions) if no_kk else None
        column = "nama"
        name = _required(values.get("nama"))
        column = "jenis_kelamin"
        sex = SEXES.get(header_key(_required(values.get("jenis_kelamin"))))
        if sex is None:
            return RowError(line, ImportRule.SEX, column)
        column = "tanggal_lahir"
        born = _date(values.get("tanggal_lahir"))
        column = "kode_desa"
        desa = regions.require_desa(_required(values.get("kode_desa"))).code
        column = "hubungan_keluarga"
        relation = _optional(values.get("hubungan_keluarga"))
        relationship = Relationship.of(relation) if relation and no_kk else None
        column = "kategori_pmks"
        listed = (_optional(values.get("kategori_pmks")) or "").split(CATEGORY_SEPARATOR)
        categories = catalogue.canonical(code.strip() for code in listed if code.strip())
        if not categories and no_kk is None:  # only a KK's member may be without one
            return RowError(line, ImportRule.MISSING, column)
        column = "tanggal_lahir"
        if born is not None and born > today:
            return RowError(line, "birth-date-in-future", column)
        check_identity(nik, sex, born)
    except _Missing:
        return RowError(line, ImportRule.MISSING, column)
    except _Unreadable:
        return RowError(line, ImportRule.DATE, column)
    except InvalidReference as error:
        return RowError(line, str(error.rule), column)
    except UnknownRelationship:
        return RowError(line, "relationship-unknown", column)
    form = PersonForm(
        nik=nik, name=name, sex=sex, birth_date=born, desa=desa, categories=categories,
        household=not categories,
    )  # fmt: skip
    return ImportRow(line, form, no_kk, relationship)


class _Missing(ValueError):
    pass


class _Unreadable(ValueError):
    pass


def _optional(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _required(value: object) -> str:
    text = _optional(value)
    if text is None:
        raise _Missing()
    return text


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _optional(value)
    if text is None:
        return None
    full = _FULL_DATE.fullmatch(text)  # every digit written: read without strptime (a row's µs)
    if full is not None:
        year, month, day = (
            full["year"] or full["y"],
            full["month"] or full["m"],
            full["day"] or full["d"],
        )
        try:
            return date(int(year), int(month), int(day))
        except ValueError:  # 30-02-1940: no layout reads it either
            raise _Unreadable() from None
    for layout in DATE_FORMATS:
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise _Unreadable()
