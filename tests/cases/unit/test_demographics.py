"""The rekap by sex and age band (domain/demographics.py) against counts made by hand."""

from __future__ import annotations

from datetime import date

import pytest

from services.cases.domain.demographics import CaseProfile, age_band, demographic_rekap

PROTECTED = frozenset({"ODHA", "ABH"})
ON = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2021, 4, 1), "0-4"),  # 4 years old, 5 tomorrow
        (date(2021, 3, 31), "5-17"),  # 5 today
        (date(2008, 4, 1), "5-17"),  # 17, 18 tomorrow
        (date(2008, 3, 31), "18-59"),
        (date(1966, 4, 1), "18-59"),  # 59
        (date(1966, 3, 31), "60+"),
        (date(1940, 2, 14), "60+"),
        (None, "tidak_diketahui"),
        (date(2026, 4, 1), "tidak_diketahui"),  # born after the day counted: a typing error
    ],
)
def test_age_bands_turn_on_the_birthday(born: date | None, band: str) -> None:
    assert age_band(born, ON) == band


def test_a_february_29_birthday_turns_on_march_1_in_other_years() -> None:
    assert age_band(date(1964, 2, 29), date(2024, 2, 28)) == "18-59"
    assert age_band(date(1964, 2, 29), date(2024, 2, 29)) == "60+"
    assert age_band(date(1965, 2, 28), date(2025, 2, 28)) == "60+"


# Six cases in two kecamatan, counted by hand below.
CASES = [
    CaseProfile("63.05.01", ("LUT",), "verified", "P", date(1940, 2, 14)),
    CaseProfile("63.05.01", ("LUT",), "verified", "P", date(1950, 1, 1)),
    CaseProfile("63.05.01", ("LUT", "PD"), "closed", "L", date(1960, 1, 1)),
    CaseProfile("63.05.04", ("PD",), "reported", "L", date(2015, 5, 5)),
    CaseProfile("63.05.04", ("AT", "ODHA"), "assessed", "L", date(2012, 7, 1)),
    CaseProfile("63.05.04", ("ABH", "ODHA"), "referred", None, None),
]


def test_each_case_counts_once_per_category_with_protected_ones_as_one() -> None:
    counts = demographic_rekap(CASES, ON, PROTECTED, "protected")
    assert dict(counts) == {
        ("63.05.01", "LUT", "P", "60+", "verified"): 2,
        ("63.05.01", "LUT", "L", "60+", "closed"): 1,
        ("63.05.01", "PD", "L", "60+", "closed"): 1,
        ("63.05.04", "PD", "L", "5-17", "reported"): 1,
        ("63.05.04", "AT", "L", "5-17", "assessed"): 1,
        ("63.05.04", "protected", "L", "5-17", "assessed"): 1,
        ("63.05.04", "protected", "tidak_diketahui", "tidak_diketahui", "referred"): 1,
    }


def test_the_designated_officers_see_each_protected_category() -> None:
    counts = demographic_rekap(CASES, ON, PROTECTED, None)
    assert counts[("63.05.04", "ODHA", "L", "5-17", "assessed")] == 1
    assert counts[("63.05.04", "ABH", "tidak_diketahui", "tidak_diketahui", "referred")] == 1
    assert counts[("63.05.04", "ODHA", "tidak_diketahui", "tidak_diketahui", "referred")] == 1
    assert sum(counts.values()) == 9  # one per category of each case: 1+1+2+1+2+2
