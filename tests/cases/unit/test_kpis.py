"""The Dinas's key figures against a fixture computed by hand on the 2026 calendar (Nyepi
18–19 March, Lebaran 20–24 March off)."""

from __future__ import annotations

from datetime import date, datetime

from services.cases.domain.kpis import CaseTimes, Kpis, TkskLoad, kpis
from shared.reference.calendar import WITA

NOW = datetime(2026, 4, 6, 9, 0, tzinfo=WITA)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=WITA)


CASES = [
    # assigned Tue 17 Mar, verified Fri 27 Mar: 25, 26, 27 → 3 working days; open, overdue
    CaseTimes("a", "t1", True, at(3, 17), at(3, 17), at(3, 27), None, at(4, 1)),
    # assigned Mon 2 Mar, verified Wed 4 Mar → 2; reported Sun 1 Mar, closed Tue 31 Mar → 17
    CaseTimes("b", "t2", False, at(3, 1), at(3, 2), at(3, 4), at(3, 31), None),
    # assigned Mon 9 Mar, verified Wed 18 Mar (Nyepi's cuti bersama) → 6; open, due later
    CaseTimes("c", "t2", True, at(3, 9), at(3, 9), at(3, 18), None, at(4, 20)),
    # verified on 2 April: outside the period; open, without a deadline yet
    CaseTimes("d", "t1", True, at(3, 30), at(3, 30), at(4, 2), None, None),
    # reported, waiting for a TKSK
    CaseTimes("e", None, True, at(3, 31), None, None, None, at(4, 2)),
]


def test_the_figures_of_march_2026():
    figures = kpis(CASES, date(2026, 3, 1), date(2026, 3, 31), NOW)
    assert figures == Kpis(
        verified=3, verify_median_working_days=3.0, closed=1, close_median_working_days=17.0,
        open=4, overdue=2, per_tksk=[TkskLoad("t1", 2, 1), TkskLoad("t2", 1, 0)],
    )  # fmt: skip
    assert figures.overdue_percent == 50.0


def test_a_period_without_steps_has_no_medians():
    figures = kpis(CASES, date(2026, 1, 1), date(2026, 1, 31), NOW)
    assert (figures.verified, figures.verify_median_working_days) == (0, None)
    assert (figures.closed, figures.close_median_working_days) == (0, None)
    assert kpis([], date(2026, 1, 1), date(2026, 1, 31), NOW).overdue_percent is None
