"""Request and response bodies of the cases API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.cases.adapters.cases import Step as StoredStep
from services.cases.adapters.cases import StoredCase
from services.cases.domain.persons import PersonDetails, PersonForm
from shared.security import Principal, Role
from shared.web.bodies import Body, Flag


def new_id() -> str:
    return str(uuid.uuid4())


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
    service: str = Field(max_length=200, description="e.g. Puskesmas Binuang")
    consent: Flag
    override_reason: str | None = Field(None, max_length=2000)


class FollowUp(Body):
    note: str = Field(max_length=4000)


class ClosureRequest(Body):
    reason: str | None = Field(None, description="tertangani, meninggal, pindah_domisili, …")
    note: str | None = Field(None, max_length=2000)


class Reassignment(Body):
    tksk_id: str = Field(max_length=64)
    reason: str | None = Field(None, max_length=2000)


class PersonOut(BaseModel):
    nik: str | None
    name: str
    sex: str
    birth_date: str | None


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
    def of(cls, step: StoredStep) -> StepOut:
        return cls(
            sequence=step.sequence, action=step.action, from_state=step.from_state,
            to_state=step.to_state, actor_id=step.actor_id, actor_role=step.actor_role,
            at=step.at, reason=step.reason, details=step.details,
        )  # fmt: skip


class ReferralOut(BaseModel):
    referral_id: str
    service: str
    consent: bool
    override_reason: str | None
    referred_at: datetime
    referred_by: str


class CaseOut(BaseModel):
    case_id: str
    categories: list[str]
    desa: str
    kecamatan: str
    status: str
    reported_by: str
    reporter_role: str
    assigned_tksk_id: str | None
    person_id: str | None
    person: PersonOut | None  # null when the case was reported by registry person id
    description: str
    risk_level: str | None
    needs: list[str]
    referrals: list[ReferralOut]
    follow_ups: int
    rejection_reason: str | None
    closure_reason: str | None
    version: int
    reported_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    timeline: list[StepOut] | None = None

    @classmethod
    def of(
        cls, stored: StoredCase, by: Principal, steps: list[StoredStep] | None = None
    ) -> CaseOut:
        case, person = stored.case, stored.person
        return cls(
            case_id=case.case_id, categories=list(case.categories), desa=case.desa,
            kecamatan=case.kecamatan, status=case.status.value, reported_by=case.reported_by,
            reporter_role=case.reporter_role.value, assigned_tksk_id=case.assigned_tksk_id,
            person_id=stored.person_id, person=_person_out(person, stored, by),
            description=case.description,
            risk_level=case.risk_level.value if case.risk_level else None,
            needs=list(case.needs),
            referrals=[
                ReferralOut(
                    referral_id=r.referral_id, service=r.service, consent=r.consent,
                    override_reason=r.override_reason, referred_at=r.referred_at,
                    referred_by=r.referred_by,
                )
                for r in case.referrals
            ],
            follow_ups=case.follow_ups,
            rejection_reason=case.rejection_reason.value if case.rejection_reason else None,
            closure_reason=case.closure_reason.value if case.closure_reason else None,
            version=case.version, reported_at=case.reported_at, updated_at=case.updated_at,
            closed_at=case.closed_at,
            timeline=None if steps is None else [StepOut.of(step) for step in steps],
        )  # fmt: skip


def _person_out(
    person: PersonDetails | None, stored: StoredCase, by: Principal
) -> PersonOut | None:
    if person is None:
        return None
    return PersonOut(
        nik=_nik_for(person.nik, stored, by), name=person.name, sex=person.sex,
        birth_date=person.birth_date.isoformat() if person.birth_date else None,
    )  # fmt: skip


def _nik_for(nik: str | None, stored: StoredCase, by: Principal) -> str | None:
    """Full NIK for Dinas staff and the case's TKSK; the last four digits for anyone else."""
    if nik is None:
        return None
    if by.role in {Role.ADMIN, Role.OPERATOR}:
        return nik
    if by.role is Role.TKSK and by.sub == stored.case.assigned_tksk_id:
        return nik
    return "*" * (len(nik) - 4) + nik[-4:]


class RekapRow(BaseModel):
    kecamatan: str
    category: str
    status: str
    count: int


class Rekap(BaseModel):
    wilayah: str
    items: list[RekapRow]
