"""The 26 PMKS/PPKS categories of Permensos 8/2012, in its order (`pmks_categories.csv`).

Columns: `number` (order in the Permensos), `code` (our stable code; the official short codes of
the 2007 Depsos glossary are kept in `code_2007` for importing old data), `name`, `levels` (the
unit the definition is written about, `|`-separated: I individual, F family, G group/community,
M mixed person-or-group — Fakir Miskin is written "orang … dirinya dan/atau keluarganya", hence
`I|F`), `pp39_group` (the PP 39/2012 Pasal 2 criterion, slugged; empty where none fits),
`sensitive` and `note`.

`sensitive` marks categories whose mere assignment reveals something that can harm the person
if it leaks, so their records get restricted fields and break-the-glass reads (DOMAIN.md §5):
ABH (a child in conflict with the law), KTK and AKTK (victims of violence, AKTK being child
abuse), KTP (trafficking victims), ODHA (HIV status), NAPZA (drug use, also a criminal matter)
and TS (sex work). DOMAIN §5 names ABH, KTK, trafficking and ODHA, then NAPZA and violence
victims; child abuse and sex work carry the same stigma and risk of retaliation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from shared.reference.errors import ReferenceDataError, Rule, UnknownCategory
from shared.reference.manifest import read_table

CATEGORIES_FILE = "pmks_categories.csv"
_COLUMNS = (
    "number",
    "code",
    "name",
    "code_2007",
    "levels",
    "pp39_group",
    "sensitive",
    "note",
)
_BOOLEANS = {"true": True, "false": False}


class SubjectLevel(StrEnum):
    """The unit a category's definition is written about."""

    INDIVIDUAL = "I"
    FAMILY = "F"
    GROUP = "G"
    MIXED = "M"


@dataclass(frozen=True, slots=True)
class PmksCategory:
    number: int
    code: str
    name: str
    code_2007: str | None
    levels: tuple[SubjectLevel, ...]
    pp39_group: str | None
    sensitive: bool
    note: str | None


class PmksCategories:
    """The categories in Permensos order, looked up by code."""

    def __init__(self, categories: tuple[PmksCategory, ...]) -> None:
        self._ordered = tuple(sorted(categories, key=lambda category: category.number))
        self._by_code = {category.code: category for category in self._ordered}
        self._by_2007 = {c.code_2007: c for c in self._ordered if c.code_2007}
        self._sensitive = frozenset(c.code for c in self._ordered if c.sensitive)  # every read
        if len(self._by_code) != len(self._ordered):
            raise ReferenceDataError(f"{CATEGORIES_FILE} repeats a code")
        if any(code != code.upper() for code in [*self._by_code, *self._by_2007]):
            raise ReferenceDataError(f"{CATEGORIES_FILE} codes must be upper case")
        if [c.number for c in self._ordered] != list(range(1, len(self._ordered) + 1)):
            raise ReferenceDataError(f"{CATEGORIES_FILE} numbers are not 1..n")

    def __len__(self) -> int:
        return len(self._ordered)

    def ordered(self) -> tuple[PmksCategory, ...]:
        return self._ordered

    def codes(self) -> tuple[str, ...]:
        return tuple(category.code for category in self._ordered)

    def find(self, code: str) -> PmksCategory | None:
        """The category of a code, ignoring case and surrounding spaces; None if unknown."""
        return self._by_code.get(code.strip().upper())

    def get(self, code: str) -> PmksCategory:
        category = self.find(code)
        if category is None:
            raise UnknownCategory(
                Rule.PMKS_CATEGORY_UNKNOWN, f"{code.strip()[:12]!r} is not a PMKS category code"
            )
        return category

    def canonical(self, codes: Iterable[str]) -> tuple[str, ...]:
        """The codes as the reference writes them (upper case), in the order given, each once;
        `UnknownCategory` names the first unknown one. Empty in, empty out: whether a record
        needs at least one category is its owner's rule."""
        return tuple(dict.fromkeys(self.get(code).code for code in codes))

    def find_by_2007_code(self, code_2007: str) -> PmksCategory | None:
        """The category an old (2007 glossary) code became, e.g. AN → ABH, for imports."""
        return self._by_2007.get(code_2007.strip().upper())

    def sensitive(self) -> frozenset[str]:
        """Codes of the categories whose records need restricted access."""
        return self._sensitive

    def is_sensitive(self, code: str) -> bool:
        return self.get(code).sensitive


def category_from_row(row: dict[str, str]) -> PmksCategory:
    """A category from a CSV row; a bad level or flag is a release defect."""
    try:
        levels = tuple(SubjectLevel(level) for level in row["levels"].split("|"))
        sensitive = _BOOLEANS[row["sensitive"]]
        number = int(row["number"])
    except (KeyError, ValueError) as error:
        raise ReferenceDataError(f"{CATEGORIES_FILE} row {row['code']}: {error}") from error
    return PmksCategory(
        number=number,
        code=row["code"],
        name=row["name"],
        code_2007=row["code_2007"] or None,
        levels=levels,
        pp39_group=row["pp39_group"] or None,
        sensitive=sensitive,
        note=row["note"] or None,
    )


@cache
def pmks_categories() -> PmksCategories:
    """The packaged categories, loaded once per process."""
    rows = read_table(CATEGORIES_FILE, _COLUMNS)
    return PmksCategories(tuple(category_from_row(row) for row in rows))
