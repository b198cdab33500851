"""The Dinas's key figures of its case work, from each case's times (issue 13; Primero KPIs).

- days to verify: working days (the Dinas's calendar) from the assignment to the TKSK's
  verification, for cases verified in the period; their median;
- days to close: working days from the report to the approved closure, for cases closed in the
  period; their median;
- overdue: of the cases open now, how many have their next step past its deadline;
- cases per TKSK: the open cases each TKSK holds, and how many of those are overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

from shared.reference.calendar import wita_day, working_days_between


@dataclass(frozen=True, slots=True)
class CaseTimes:
    case_id: str
    assigned_tksk_id: str | None
    open: bool
    reported_at: datetime
    assigned_at: datetime | None  # the first assignment
    verified_at: datetime | None  # the first verification
    closed_at: datetime | None
    due_at: datetime | None  # the next deadline's end, while open


@dataclass(frozen=True, slots=True)
class TkskLoad:
    tksk_id: str
    open: int
    overdue: int


@dataclass(frozen=True, slots=True)
class Kpis:
    verified: int
    verify_median_working_days: float | None
    closed: int
    close_median_working_days: float | None
    open: int
    overdue: int
    per_tksk: list[TkskLoad] = field(default_factory=list)

    @property
    def overdue_percent(self) -> float | None:
        return None if not self.open else round(100 * self.overdue / self.open, 1)


def kpis(cases: Iterable[CaseTimes], first: date, last: date, now: datetime) -> Kpis:
    """The figures for the period `first`..`last` (WITA days, both included) and, for open
    cases, at `now`."""

    def in_period(at: datetime | None) -> bool:
        return at is not None and first <= wita_day(at) <= last

    to_verify: list[int] = []
    to_close: list[int] = []
    loads: dict[str, tuple[int, int]] = {}  # TKSK → (open, overdue)
    open_count = overdue = 0
    for case in cases:
        if (
            case.assigned_at is not None
            and case.verified_at is not None
            and in_period(case.verified_at)
        ):
            to_verify.append(_working_days(case.assigned_at, case.verified_at))
        if case.closed_at is not None and in_period(case.closed_at):
            to_close.append(_working_days(case.reported_at, case.closed_at))
        if not case.open:
            continue
        late = case.due_at is not None and case.due_at <= now
        open_count, overdue = open_count + 1, overdue + late
        if case.assigned_tksk_id is not None:
            held, held_late = loads.get(case.assigned_tksk_id, (0, 0))
            loads[case.assigned_tksk_id] = (held + 1, held_late + late)
    return Kpis(
        verified=len(to_verify), verify_median_working_days=_median(to_verify),
        closed=len(to_close), close_median_working_days=_median(to_close),
        open=open_count, overdue=overdue,
        per_tksk=[TkskLoad(t, n, late) for t, (n, late) in sorted(loads.items())],
    )  # fmt: skip


def _working_days(start: datetime, end: datetime) -> int:
    return working_days_between(wita_day(start), wita_day(end))


def _median(values: list[int]) -> float | None:
    return float(median(values)) if values else None
