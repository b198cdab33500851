"""Every step after the report: load the case in the caller's scope, apply the domain method,
save it over the version it was read at, record the step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from services.cases.adapters.cases import StoredCase
from services.cases.adapters.institutions import KnownInstitution
from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.actors import Actor
from services.cases.domain.cases import Case, Change
from services.cases.domain.errors import CaseNotFound, InstitutionUnknown
from services.cases.domain.guards import check
from services.cases.domain.states import Action
from services.cases.use_cases.events import record_step
from shared.security import Principal, Role, within

Step = Callable[[Case, Actor, datetime], Change]


class ReassignTargetInvalid(Exception):
    """The TKSK a case is reassigned to is not an active TKSK inside the caller's wilayah."""

    rule = "case-reassign-target-invalid"


class WorkerNotYetKnown(Exception):
    """The named worker has not reached this service's projection yet: retry shortly."""


async def visible_case(uow: CasesUnitOfWork, case_id: str, by: Principal) -> StoredCase:
    """The case, or `CaseNotFound` when it is missing or outside the caller's wilayah."""
    stored = await uow.cases.get(case_id)
    if stored is None or not by.covers(stored.case.desa):
        raise CaseNotFound()
    return stored


def readable(stored: StoredCase, by: Principal) -> bool:
    """PSM see only the cases they reported (DOMAIN.md §5); everyone else their wilayah."""
    return by.role is not Role.PSM or stored.case.reported_by == by.sub


async def readable_case(uow: CasesUnitOfWork, case_id: str, by: Principal) -> StoredCase:
    stored = await visible_case(uow, case_id, by)
    if not readable(stored, by):
        raise CaseNotFound()
    if await is_institution(uow, by) and not referred_to(stored, by.sub):
        raise CaseNotFound()  # a receiving institution reads the cases referred to it only
    return stored


async def is_institution(uow: CasesUnitOfWork, by: Principal) -> bool:
    """A receiving institution's own client (its `sub` is the institution's id)."""
    return by.role is Role.INTEGRATION and await uow.institutions.get(by.sub) is not None


def referred_to(stored: StoredCase, institution_id: str) -> bool:
    return any(referral.institution_id == institution_id for referral in stored.case.referrals)


async def take_step(
    uow: CasesUnitOfWork, case_id: str, by: Principal, now: datetime, step: Step
) -> StoredCase:
    stored = await visible_case(uow, case_id, by)
    change = step(stored.case, Actor.of(by), now)
    await uow.cases.save(change.case, over=stored.case)
    await record_step(uow, change, stored.person_id)
    return replace(stored, case=change.case)


@dataclass(frozen=True, slots=True)
class ReferralForm:
    referral_id: str
    institution_id: str | None  # a receiving institution the registry knows …
    service: str | None  # … or a service named only
    consent: bool
    override_reason: str | None


async def refer(
    uow: CasesUnitOfWork, case_id: str, form: ReferralForm, by: Principal, now: datetime
) -> StoredCase:
    """To an active institution serving the case's desa (cases' projection of the registry's
    institutions), by its name; or to a service named only."""
    institution = await uow.institutions.get(form.institution_id) if form.institution_id else None

    def step(case: Case, actor: Actor, at: datetime) -> Change:
        check(Action.REFER, actor, case)  # the guards first: a stranger learns nothing of it
        if form.institution_id and not _serves(institution, case.desa):
            raise InstitutionUnknown()
        return case.refer(
            actor, at, referral_id=form.referral_id,
            service=institution.name if institution else form.service or "",
            consent=form.consent, override_reason=form.override_reason,
            institution_id=form.institution_id,
        )  # fmt: skip

    return await take_step(uow, case_id, by, now, step)


def _serves(institution: KnownInstitution | None, desa: str) -> bool:
    return institution is not None and institution.active and within(desa, institution.wilayah)


async def reassign(
    uow: CasesUnitOfWork,
    case_id: str,
    tksk_id: str,
    reason: str | None,
    by: Principal,
    now: datetime,
) -> StoredCase:
    worker = await uow.workers.get(tksk_id)
    if worker is None:
        raise WorkerNotYetKnown()
    if not worker.is_active_tksk or not by.covers(worker.wilayah):
        raise ReassignTargetInvalid()
    return await take_step(
        uow, case_id, by, now, lambda case, actor, at: case.reassign(actor, at, tksk_id, reason)
    )
