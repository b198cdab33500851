"""The rekap by sex and age band a Dinas reports to Kemensos: PMKS cases per kecamatan × category
× sex × age band × status (DOMAIN.md §5, "rekap per … PPKS category × sex × age group").

Age bands are those of the social-welfare reports: balita (0–4, ABT), anak (5–17: a child under
UU 35/2014), dewasa (18–59), lanjut usia (60 and over: UU 13/1998). Age is counted on the last
day of the period reported (a person who turned 60 in it counts as lanjut usia). A case counts
once per category, like the main rekap; protected categories count as one, `protected`, except
for the designated officers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

AGE_BANDS = (("0-4", 0), ("5-17", 5), ("18-59", 18), ("60+", 60))  # label, from age
UNKNOWN = "tidak_diketahui"  # no birth date, or no sex, recorded
BAND_NAMES = {"0-4": "balita", "5-17": "anak", "18-59": "dewasa", "60+": "lanjut usia"}

Key = tuple[str, str, str, str, str]  # kecamatan, category, sex, age band, status


@dataclass(frozen=True, slots=True)
class CaseProfile:
    """What the rekap reads of one case: where, why, its state, and its person's sex and birth
    date as the registry (or, before the registry linked them, the report) recorded them."""

    kecamatan: str
    categories: tuple[str, ...]
    status: str
    sex: str | None
    birth_date: date | None


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_band(birth_date: date | None, day: date) -> str:
    if birth_date is None or birth_date > day:
        return UNKNOWN
    age = age_on(birth_date, day)
    return next(label for label, start in reversed(AGE_BANDS) if age >= start)


def demographic_rekap(
    cases: Iterable[CaseProfile], on: date, protected: frozenset[str], protected_as: str | None
) -> Counter[Key]:
    """Counts per key; with `protected_as`, a case's protected categories count once, so."""
    counts: Counter[Key] = Counter()
    for case in cases:
        band, sex = age_band(case.birth_date, on), case.sex or UNKNOWN
        for category in _counted(case.categories, protected, protected_as):
            counts[(case.kecamatan, category, sex, band, case.status)] += 1
    return counts


def _counted(
    categories: tuple[str, ...], protected: frozenset[str], protected_as: str | None
) -> list[str]:
    if protected_as is None:
        return list(categories)
    public = [code for code in categories if code not in protected]
    return public + ([protected_as] if len(public) < len(categories) else [])
