"""Reporting a case: the step that creates it (DOMAIN.md §5 `reported`).

A PSM reports in their own desa; Dinas staff report walk-ins anywhere in their wilayah. The
case starts unassigned: `assignment` hands it to its kecamatan's TKSK when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.cases.domain.actors import Actor
from services.cases.domain.cases import Case, CaseTransitioned, Change, Detail, frozen_details
from services.cases.domain.categories import known_categories
from services.cases.domain.errors import OutsideWilayah, PersonRequired
from services.cases.domain.guards import authorise
from services.cases.domain.reasons import cleaned
from services.cases.domain.referrals import Referral
from services.cases.domain.states import TRANSITIONS, Action, CaseState
from shared.reference import PmksCategories, Wilayah, wilayah
from shared.security import within


@dataclass(frozen=True, slots=True)
class CaseReport:
    """What the reporter submits, as typed; `report_case` validates and normalises it."""

    person_ref: str
    categories: tuple[str, ...]
    desa: str
    description: str = ""


def report_case(
    case_id: str,
    form: CaseReport,
    by: Actor,
    now: datetime,
    regions: Wilayah | None = None,
    catalogue: PmksCategories | None = None,
) -> Change:
    """A new case at version 1, or the named error of the first rule the report breaks."""
    rule = TRANSITIONS[Action.REPORT]
    authorise(rule, by, _Nobody())
    regions = wilayah() if regions is None else regions
    desa = regions.require_desa(form.desa).code  # UnknownRegion, WrongRegionLevel, Malformed…
    if not within(desa, by.wilayah):
        raise OutsideWilayah(desa)
    kecamatan = regions.kecamatan_of(desa).code
    case = _new_case(case_id, form, by, now, desa, kecamatan, catalogue)
    return Change(case, _reported(case, by))


def _new_case(
    case_id: str,
    form: CaseReport,
    by: Actor,
    now: datetime,
    desa: str,
    kecamatan: str,
    catalogue: PmksCategories | None,
) -> Case:
    person = cleaned(form.person_ref)
    if person is None:
        raise PersonRequired()
    return Case(
        case_id=case_id, person_ref=person, categories=known_categories(form.categories, catalogue),
        desa=desa, kecamatan=kecamatan, description=form.description.strip(),
        status=CaseState.REPORTED, reported_by=by.sub, reporter_role=by.role,
        assigned_tksk_id=None, risk_level=None, needs=(), referrals=(), follow_ups=0,
        rejection_reason=None, closure_reason=None, version=1, reported_at=now,
        updated_at=now, closed_at=None,
    )  # fmt: skip


def _reported(case: Case, by: Actor) -> CaseTransitioned:
    facts: dict[str, Detail] = {"categories": case.categories, "desa": case.desa}
    facts["kecamatan"] = case.kecamatan
    return CaseTransitioned(
        case_id=case.case_id, sequence=case.version, action=Action.REPORT, from_state=None,
        to_state=case.status, actor_id=by.sub, actor_role=by.role, at=case.reported_at,
        reason=None, details=frozen_details(facts),
    )  # fmt: skip


class _Nobody:
    """A case not yet made: no reporter, no TKSK, no referral; only role-only parties match."""

    reported_by = ""
    assigned_tksk_id: str | None = None
    status = CaseState.REPORTED
    referrals: tuple[Referral, ...] = ()
