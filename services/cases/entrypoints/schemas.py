"""Request and response bodies of the cases API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.cases.adapters.cases import Step as StoredStep
from services.cases.adapters.cases import StoredCase
from services.cases.domain.deadlines import Deadline
from services.cases.domain.kpis import Kpis
from services.cases.domain.persons import PersonDetails, PersonForm
from services.cases.domain.referrals import Referral
from shared.messaging.outbox import utcnow
from shared.security.disclosure import Disclosure, Level, is_protected
from shared.web.bodies import Body, Flag


class PersonIn(Body):
    """Checked by the registry's rules at intake (`domain.persons`), not here: a blank name or
    a birth date in the future answers its own problem type."""

    nik: str | None = Field(None, description="16 digits; optional (not everyone has one)")
    name: str = Field(max_length=200)
    sex: Literal["L", "P"] = Field(description="L = laki-laki, P = perempuan")
    birth_date: date | None = Field(None, description="not after today")

    def form(self) -> PersonForm:
        return PersonForm(name=self.name, sex=self.sex, nik=self.nik, birth_date=self.birth_date)


class NewCase(Body):
    """A report names its person exactly once: typed in, or by registry person id."""

    categories: list[str] = Field(max_length=26, description="PMKS codes, e.g. LUT, PD")
    desa: str = Field(max_length=20, description="desa/kelurahan code, 63.05.01.2003")
    description: str = Field("", max_length=4000)
    person: PersonIn | None = Field(None, description="the person as typed in; or person_id")
    person_id: str | None = Field(
        None, max_length=64, description="a registry person inside your wilayah; or person"
    )


class Verification(Body):
    categories: list[str] | None = Field(None, max_length=26, description="corrected codes")


class Reason(Body):
    reason: str | None = Field(None, max_length=2000)


class Resubmission(Body):
    description: str | None = Field(None, max_length=4000)


class Rejection(Body):
    reason: str | None = Field(None, description="bukan_ppks, duplikat or di_luar_wilayah")
    note: str | None = Field(None, max_length=2000)


class Assessment(Body):
    risk_level: str = Field(max_length=10, description="high, medium or low")
    needs: list[str] = Field(max_length=50)


class NewReferral(Body):
    """To a receiving institution the registry knows (`institution_id`: it can then answer
    through its own client); or, for a service it does not know, named by `service` (the TKSK
    records its answers)."""

    institution_id: str | None = Field(None, max_length=64, description="from /v1/institutions")
    service: str | None = Field(None, max_length=200, description="e.g. Puskesmas Binuang")
    consent: Flag
    override_reason: str | None = Field(None, max_length=2000)


class PlanItemIn(Body):
    service: str = Field(max_length=200, description="e.g. kursi roda, permakanan lansia")
    provider: str = Field(max_length=200, description="who gives it: an institution, the desa …")
    target_date: date


class Plan(Body):
    items: list[PlanItemIn] = Field(max_length=20)

    def rows(self) -> list[tuple[str, str, date]]:
        return [(item.service, item.provider, item.target_date) for item in self.items]


class ReferralDecline(Body):
    reason: str | None = Field(
        None,
        description="kapasitas_penuh, tidak_memenuhi_syarat, di_luar_layanan, "
        "ditolak_penerima or lainnya",
    )
    note: str | None = Field(None, max_length=2000)


class ReferralCompletion(Body):
    outcome: str = Field(
        max_length=40,
        description="dilayani, dilayani_sebagian, tidak_dilayani, dirujuk_lanjut or meninggal",
    )
    note: str | None = Field(None, max_length=2000)


class FollowUp(Body):
    note: str = Field(max_length=4000)


class ClosureRequest(Body):
    reason: str | None = Field(None, description="tertangani, meninggal, pindah_domisili, …")
    note: str | None = Field(None, max_length=2000)


class Reassignment(Body):
    tksk_id: str = Field(max_length=64)
    reason: str | None = Field(None, max_length=2000)


class PersonOut(BaseModel):
    nik: str | None = Field(description="full, masked (630501**********) or absent (null)")
    name: str | None
    sex: str | None
    birth_date: str | None = Field(description="YYYY-MM-DD, masked (1940-**-**) or null")


class StepOut(BaseModel):
    sequence: int
    action: str
    from_state: str | None
    to_state: str
    actor_id: str
    actor_role: str
    at: datetime
    reason: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, step: StoredStep, shown: Disclosure) -> StepOut:
        """Free text (notes, reasons) is narrative; a withheld case keeps only its actions."""
        narrative = shown.level("narrative") is Level.FULL
        details = step.details if narrative else {}
        return cls(
            sequence=step.sequence, action=step.action, from_state=step.from_state,
            to_state=step.to_state, actor_id=step.actor_id, actor_role=step.actor_role,
            at=step.at, reason=step.reason if narrative else None, details=details,
        )  # fmt: skip


class ReferralOut(BaseModel):
    referral_id: str
    service: str | None = Field(description="null for callers who see no narrative")
    institution_id: str | None = Field(
        description="the receiving institution (as public as the case_referred event); null: "
        "named only"
    )
    status: str = Field(description="sent, accepted, declined or completed")
    consent: bool
    override_reason: str | None
    referred_at: datetime
    referred_by: str
    answered_at: datetime | None
    decline_reason: str | None
    outcome: str | None
    note: str | None = Field(description="the institution's words; narrative")
    completed_at: datetime | None


class PlanItemOut(BaseModel):
    service: str
    provider: str
    target_date: date


class DeadlineOut(BaseModel):
    """The case's next step and by when (working days on the Dinas's calendar, WITA)."""

    step: str = Field(description="the step due: verify, assess, approve_closure, …")
    awaiting_role: str = Field(description="tksk, psm or operator")
    awaiting_id: str | None = Field(description="the worker; null: any operator of the wilayah")
    due_day: date = Field(description="the last day (WITA) to take the step")
    due_at: datetime = Field(description="overdue from then (the due day's end)")
    due_soon: bool = Field(description="within the reminder's window now")
    overdue: bool
    working_days_late: int
    escalate_at: datetime = Field(description="when an overdue step goes to the Dinas")
    escalated: bool = Field(description="late past the escalation threshold: the Dinas's now")
    holidays_known: bool = Field(
        description="false: the due day's year has no holiday decree yet; the day may move"
    )

    @classmethod
    def of(cls, deadline: Deadline, now: datetime) -> DeadlineOut:
        overdue = deadline.due_at <= now
        return cls(
            step=deadline.step.value, awaiting_role=deadline.awaiting.role.value,
            awaiting_id=deadline.awaiting.worker_id, due_day=deadline.due_day,
            due_at=deadline.due_at, due_soon=deadline.due_soon_at <= now < deadline.due_at,
            overdue=overdue, working_days_late=deadline.working_days_late(now) if overdue else 0,
            escalate_at=deadline.escalate_at, escalated=deadline.escalate_at <= now,
            holidays_known=deadline.holidays_known,
        )  # fmt: skip


DISCLOSURE = Field(
    description="the personal fields you see masked or not at all (absent): a null elsewhere "
    "is then not an unknown value (docs/adr/0005)"
)


class CaseOut(BaseModel):
    case_id: str
    categories: list[str] = Field(description="empty when the case is protected from you")
    protected: bool = Field(
        description="in a protected category (ODHA, ABH, …): who and why are shown only to "
        "its TKSK, its reporter, the designated officers, or through a broken glass"
    )
    desa: str
    kecamatan: str
    status: str
    reported_by: str
    reporter_role: str
    assigned_tksk_id: str | None
    person_id: str | None
    household_size: int | None = Field(
        None,
        description="members of the person's current family (Kartu Keluarga) as the registry "
        "last told; null when unknown or when the person is not shown to you",
    )
    person: PersonOut | None = Field(
        description="the person as typed in, as far as you may see them; null when the case "
        "names a registry person or you may see nothing of them"
    )
    description: str | None
    risk_level: str | None
    needs: list[str]
    referrals: list[ReferralOut]
    plan: list[PlanItemOut] = Field(description="the intervention plan; empty: none, or withheld")
    follow_ups: int
    rejection_reason: str | None
    closure_reason: str | None
    version: int
    reported_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    deadline: DeadlineOut | None = Field(None, description="none once rejected or closed")
    disclosure: dict[str, str] = DISCLOSURE
    timeline: list[StepOut] | None = None

    @classmethod
    def of(
        cls,
        stored: StoredCase,
        shown: Disclosure,
        steps: list[StoredStep] | None = None,
        households: Mapping[str, int] | None = None,
        deadlines: Mapping[str, Deadline] | None = None,
        now: datetime | None = None,
    ) -> CaseOut:
        case, withheld = stored.case, shown.withheld
        narrative = shown.level("narrative") is Level.FULL
        return cls(
            case_id=case.case_id, categories=[] if withheld else list(case.categories),
            protected=withheld or is_protected(case.categories), desa=case.desa,
            kecamatan=case.kecamatan, status=case.status.value, reported_by=case.reported_by,
            reporter_role=case.reporter_role.value, assigned_tksk_id=case.assigned_tksk_id,
            person_id=stored.person_id if shown.identifies else None,
            household_size=(households or {}).get(stored.person_id or "")
            if shown.identifies else None,
            person=_person_out(stored.person, shown),
            description=case.description if narrative else None,
            risk_level=case.risk_level.value if case.risk_level and not withheld else None,
            needs=list(case.needs) if narrative else [],
            referrals=[] if withheld else [_referral_out(r, narrative) for r in case.referrals],
            plan=[PlanItemOut(service=i.service, provider=i.provider, target_date=i.target_date)
                  for i in case.plan] if narrative else [],
            follow_ups=case.follow_ups,
            rejection_reason=_code(case.rejection_reason, withheld),
            closure_reason=_code(case.closure_reason, withheld),
            version=case.version, reported_at=case.reported_at, updated_at=case.updated_at,
            closed_at=case.closed_at, disclosure=_summary(shown),
            deadline=_deadline_out((deadlines or {}).get(case.case_id), now),
            timeline=None if steps is None else [StepOut.of(step, shown) for step in steps],
        )  # fmt: skip


def _deadline_out(deadline: Deadline | None, now: datetime | None) -> DeadlineOut | None:
    return None if deadline is None else DeadlineOut.of(deadline, now or utcnow())


def _person_out(person: PersonDetails | None, shown: Disclosure) -> PersonOut | None:
    if person is None or shown.withheld:
        return None
    birth = person.birth_date.isoformat() if person.birth_date else None
    out = PersonOut(
        nik=shown.show("nik", person.nik), name=shown.show("name", person.name),
        sex=shown.show("sex", person.sex), birth_date=shown.show("birth_date", birth),
    )  # fmt: skip
    return None if out == PersonOut(nik=None, name=None, sex=None, birth_date=None) else out


def _referral_out(referral: Referral, narrative: bool) -> ReferralOut:
    """Where a person was referred (an RSJ, a clinic) says why: narrative like the notes."""
    return ReferralOut(
        referral_id=referral.referral_id, service=referral.service if narrative else None,
        institution_id=referral.institution_id, status=referral.status.value,
        consent=referral.consent,
        override_reason=referral.override_reason if narrative else None,
        referred_at=referral.referred_at, referred_by=referral.referred_by,
        answered_at=referral.answered_at, decline_reason=_code(referral.decline_reason, False),
        outcome=_code(referral.outcome, False), note=referral.note if narrative else None,
        completed_at=referral.completed_at,
    )  # fmt: skip


def _code(reason: StrEnum | None, withheld: bool) -> str | None:
    return None if reason is None or withheld else reason.value


def _summary(shown: Disclosure) -> dict[str, str]:
    return {**shown.summary(), **({"reasons": "absent"} if shown.withheld else {})}


class ReferredCase(BaseModel):
    """A referral made to the caller's institution, and its case as the caller may see it."""

    referral_id: str
    case: CaseOut


class RekapRow(BaseModel):
    kecamatan: str
    category: str
    status: str
    count: int


class Rekap(BaseModel):
    wilayah: str
    items: list[RekapRow]


class DemographicRow(BaseModel):
    kecamatan: str
    category: str
    sex: str = Field(description="L, P, or tidak_diketahui")
    age_band: str = Field(description="0-4, 5-17, 18-59, 60+ or tidak_diketahui")
    status: str
    count: int


class DemographicRekap(BaseModel):
    wilayah: str
    first_day: date | None = Field(serialization_alias="from", description="null: from the start")
    last_day: date = Field(serialization_alias="to")
    age_on: date = Field(description="ages are counted on this day: the period's last")
    items: list[DemographicRow]


class TkskLoadOut(BaseModel):
    tksk_id: str
    open: int
    overdue: int


class KpiOut(BaseModel):
    wilayah: str
    first_day: date = Field(serialization_alias="from")
    last_day: date = Field(serialization_alias="to")
    verified: int = Field(description="cases verified in the period")
    verify_median_working_days: float | None = Field(
        description="median working days from assignment to verification; null: none verified"
    )
    closed: int = Field(description="cases closed in the period")
    close_median_working_days: float | None = Field(
        description="median working days from report to closure; null: none closed"
    )
    open: int = Field(description="cases open now")
    overdue: int = Field(description="open cases whose next step is past its deadline now")
    overdue_percent: float | None
    per_tksk: list[TkskLoadOut]

    @classmethod
    def of(cls, wilayah: str, first: date, last: date, figures: Kpis) -> KpiOut:
        return cls(
            wilayah=wilayah, first_day=first, last_day=last, verified=figures.verified,
            verify_median_working_days=figures.verify_median_working_days,
            closed=figures.closed, close_median_working_days=figures.close_median_working_days,
            open=figures.open, overdue=figures.overdue, overdue_percent=figures.overdue_percent,
            per_tksk=[TkskLoadOut(tksk_id=t.tksk_id, open=t.open, overdue=t.overdue)
                      for t in figures.per_tksk],
        )  # fmt: skip
