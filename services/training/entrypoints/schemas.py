"""Request and response bodies of the training API, and their mapping to the domain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.training.domain.batches import Batch, BatchPlan, CompletionRule, Session, SessionKind
from services.training.domain.certificates import Certificate
from services.training.domain.enrolments import Attendance, Enrolment
from services.training.use_cases.completion import Completion
from services.training.use_cases.enrolments import Participant
from shared.web.bodies import Body, Count, Flag

Text = Field(min_length=1, max_length=200)


class NewSession(Body):
    kind: SessionKind = Field(description="classroom, pkl (field practice) or discussion")
    date: date
    title: str = Text
    location: str = Text


class CompletionRuleBody(Body):
    """What a participant must attend to be certified; the default is every session."""

    min_sessions: Count | None = Field(None, ge=1, description="null: every session")
    required_kinds: list[SessionKind] = Field(
        default_factory=list, max_length=3, description="every session of these kinds"
    )


class NewBatch(Body):
    tier: str = Field(min_length=1, max_length=20, description="a training tier code (dasar…)")
    organiser_wilayah: str = Field(
        min_length=2,
        max_length=20,
        description="dasar: a kabupaten/kota (63.05); madya: a province (63); pratama: ID",
    )
    organiser: str = Field(min_length=1, max_length=200, examples=["Dinas Sosial Kab. Tapin"])
    title: str = Text
    starts_on: date
    ends_on: date
    venue: str = Text
    capacity: Count = Field(ge=1, le=10_000)
    sessions: list[NewSession] = Field(min_length=1, max_length=60)
    completion_rule: CompletionRuleBody = Field(default_factory=CompletionRuleBody)

    def plan(self, new_id: Callable[[], str]) -> BatchPlan:
        rule = self.completion_rule
        return BatchPlan(
            tier=self.tier, organiser_wilayah=self.organiser_wilayah, organiser=self.organiser,
            title=self.title, starts_on=self.starts_on, ends_on=self.ends_on, venue=self.venue,
            capacity=self.capacity,
            sessions=tuple(
                Session(new_id(), s.kind, s.date, s.title, s.location) for s in self.sessions
            ),
            completion_rule=CompletionRule(rule.min_sessions, tuple(rule.required_kinds)),
        )  # fmt: skip


class NewEnrolment(Body):
    worker_id: str = Field(min_length=1, max_length=64)


class Withdrawal(Body):
    reason: str = Field(min_length=1, max_length=500)


class AttendanceMark(Body):
    session_id: str = Field(min_length=1, max_length=36)
    worker_id: str = Field(min_length=1, max_length=64)
    present: Flag

    def mark(self, batch_id: str, now: datetime) -> Attendance:
        return Attendance(batch_id, self.session_id, self.worker_id, self.present, now)


class SessionOut(BaseModel):
    session_id: str
    kind: SessionKind
    date: date
    title: str
    location: str


class CompletionRuleOut(BaseModel):
    min_sessions: int | None
    required_kinds: list[str]


class BatchOut(BaseModel):
    batch_id: str
    tier: str
    organiser_wilayah: str
    organiser: str
    title: str
    starts_on: date
    ends_on: date
    venue: str
    capacity: int
    sessions: list[SessionOut]
    completion_rule: CompletionRuleOut
    status: Literal["scheduled", "completed"]
    enrolled: int = Field(description="seats taken")
    version: int

    @classmethod
    def of(cls, batch: Batch) -> BatchOut:
        return cls(
            batch_id=batch.batch_id, tier=batch.tier, organiser_wilayah=batch.organiser_wilayah,
            organiser=batch.organiser, title=batch.title, starts_on=batch.starts_on,
            ends_on=batch.ends_on, venue=batch.venue, capacity=batch.capacity,
            sessions=[SessionOut(**_fields(s, SessionOut)) for s in batch.sessions],
            completion_rule=CompletionRuleOut(**batch.completion_rule.as_data()),
            status=batch.status.value, enrolled=batch.enrolled, version=batch.version,
        )  # fmt: skip


class SessionAttendance(BaseModel):
    session_id: str
    present: bool | None = Field(description="null: not marked yet")


class EnrolmentOut(BaseModel):
    enrolment_id: str
    batch_id: str
    worker_id: str
    status: Literal["enrolled", "withdrawn", "certified", "not_certified"]
    enrolled_at: datetime
    closed_at: datetime | None = None
    reason: str | None = None
    attendance: list[SessionAttendance] = Field(default_factory=list)

    @classmethod
    def of(
        cls, enrolment: Enrolment, attendance: list[SessionAttendance] | None = None
    ) -> EnrolmentOut:
        return cls(
            enrolment_id=enrolment.enrolment_id, batch_id=enrolment.batch_id,
            worker_id=enrolment.worker_id, status=enrolment.status.value,
            enrolled_at=enrolment.enrolled_at, closed_at=enrolment.closed_at,
            reason=enrolment.reason, attendance=attendance or [],
        )  # fmt: skip

    @classmethod
    def with_attendance(cls, batch: Batch, participant: Participant) -> EnrolmentOut:
        marks = participant.attendance
        per_session = [
            SessionAttendance(session_id=s.session_id, present=marks.get(s.session_id))
            for s in batch.sessions
        ]
        return cls.of(participant.enrolment, per_session)


class Enrolments(BaseModel):
    items: list[EnrolmentOut]


class AttendanceOut(BaseModel):
    batch_id: str
    session_id: str
    worker_id: str
    present: bool
    recorded_at: datetime

    @classmethod
    def of(cls, mark: Attendance) -> AttendanceOut:
        return cls(**_fields(mark, cls))


class Certified(BaseModel):
    worker_id: str
    certificate_id: str
    number: str


class CompletionOut(BaseModel):
    certified: list[Certified]
    not_certified: list[str] = Field(description="worker ids")

    @classmethod
    def of(cls, completion: Completion) -> CompletionOut:
        return cls(
            certified=[Certified(**_fields(c, Certified)) for c in completion.certified],
            not_certified=completion.not_certified,
        )


class CertificateOut(BaseModel):
    certificate_id: str
    number: str = Field(examples=["DASAR/63.05/2011/001"])
    batch_id: str
    worker_id: str
    tier: str
    organiser_wilayah: str
    issued_on: date
    issuer: str
    batch_title: str

    @classmethod
    def of(cls, certificate: Certificate) -> CertificateOut:
        return cls(**_fields(certificate, cls))


def _fields(source: object, model: type[BaseModel]) -> dict[str, Any]:
    return {name: getattr(source, name) for name in model.model_fields}
