"""The Dinas's working calendar: WITA days, weekends and Indonesia's national holidays.

Holidays are not typed here: they come from the `lokal-id` package (`lokal.holidays`), which
ships each year's libur nasional and cuti bersama from the SKB 3 Menteri with its decree and
source (the package's version is pinned and recorded in `manifest.json`). Government offices
close on both, so both count as days off.

A year the package does not cover yet (the SKB appears around September of the year before) is
counted with weekends only, and `holidays_known` says so, so a deadline is never refused and
never silently wrong: the caller can show that its date may move.

Kalimantan Selatan keeps WITA (UTC+8, no daylight saving); a day here is a WITA day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from types import ModuleType

WITA = timezone(timedelta(hours=8), "WITA")
OFFICE_OPENS = time(8, 0)  # when a reminder is worth sending: the start of a working day
WEEKEND = frozenset({5, 6})  # Saturday, Sunday (date.weekday())


@cache
def _holidays() -> ModuleType:
    """`lokal.holidays`, imported on first use: the `lokal` package imports all its modules
    (its PII detectors too), a third of a second a service need not spend starting up."""
    from lokal import holidays

    return holidays


@cache
def _days_off(year: int) -> frozenset[date] | None:
    """The year's holidays and cuti bersama; None when the package has no data for it."""
    if year not in _holidays().HOLIDAY_YEARS:
        return None
    listed = _holidays().get_holidays(year).holidays
    return frozenset(date.fromisoformat(holiday.date) for holiday in listed)


def holidays_known(day: date) -> bool:
    """Whether the national holidays of `day`'s year are known (else weekends only count)."""
    return _days_off(day.year) is not None


def is_working_day(day: date) -> bool:
    return day.weekday() not in WEEKEND and day not in (_days_off(day.year) or ())


def holiday_names(day: date) -> list[str]:
    """What closes the offices on `day` (for a message or a screen), if anything."""
    if not holidays_known(day):
        return []
    return [holiday.name for holiday in _holidays().holidays_on(day)]


def add_working_days(day: date, count: int) -> date:
    """The working day `count` working days after `day` (before, when negative)."""
    step = timedelta(days=1 if count >= 0 else -1)
    left = abs(count)
    while left:
        day += step
        if is_working_day(day):
            left -= 1
    return day


def on_or_after_working_day(day: date) -> date:
    """`day`, or the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` ≤ `start`): how many
    working days a step took, or how late it is."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def wita_day(at: datetime) -> date:
    return at.astimezone(WITA).date()


def start_of(day: date) -> datetime:
    """Midnight WITA at the start of `day`, in UTC."""
    return datetime.combine(day, time(0), WITA).astimezone(UTC)


def office_opens(day: date) -> datetime:
    """08:00 WITA on `day`, in UTC: when a reminder for that day goes out."""
    return datetime.combine(day, OFFICE_OPENS, WITA).astimezone(UTC)
