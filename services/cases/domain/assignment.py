"""Automatic assignment: a case goes to the active TKSK of its kecamatan (DOMAIN.md §5).

Permensos 28/2018 gives a kecamatan one TKSK at a time, so the choice is a lookup, not a
decision: the service acts alone (`SYSTEM`). A kecamatan without an active TKSK keeps its cases
waiting unassigned in `reported`, and they are assigned, oldest first, when one is registered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple

from services.cases.domain.cases import Case, CaseTransitioned, Change
from services.cases.domain.states import CaseState


class Assignment(NamedTuple):
    case: Case
    event: CaseTransitioned | None  # None: no active TKSK yet, the case waits as it was


def is_waiting(case: Case) -> bool:
    return case.status is CaseState.REPORTED and case.assigned_tksk_id is None


def auto_assign(case: Case, active_tksk: Mapping[str, str | None], now: datetime) -> Assignment:
    """Assign a waiting case to the active TKSK of its kecamatan, if the mapping names one.

    `active_tksk` maps a kecamatan code to its active TKSK's worker id (missing or None: none).
    """
    tksk_id = active_tksk.get(case.kecamatan)
    if not is_waiting(case) or tksk_id is None:
        return Assignment(case, None)
    assigned, event = case.assign(tksk_id, now)
    return Assignment(assigned, event)


def assign_waiting(
    cases: Iterable[Case], kecamatan: str, tksk_id: str, now: datetime
) -> list[Change]:
    """A TKSK became active in `kecamatan`: the cases there that waited for one, now theirs.

    Oldest report first, so the TKSK's notifications arrive in the order people were reported.
    """
    waiting = [case for case in cases if case.kecamatan == kecamatan and is_waiting(case)]
    waiting.sort(key=lambda case: (case.reported_at, case.case_id))
    return [case.assign(tksk_id, now) for case in waiting]
