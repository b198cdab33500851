"""A participant's seat in a batch, their attendance, and how completion grades them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.training.domain.batches import Batch
from services.training.domain.errors import NotEnrolled


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WITHDRAWN = "withdrawn"
    CERTIFIED = "certified"
    NOT_CERTIFIED = "not_certified"


@dataclass(slots=True)
class Enrolment:
    enrolment_id: str
    batch_id: str
    worker_id: str
    enrolled_at: datetime
    status: EnrolmentStatus = EnrolmentStatus.ENROLLED
    version: int = 1
    closed_at: datetime | None = None  # withdrawn or graded
    reason: str | None = None  # why it was withdrawn

    @property
    def holds_seat(self) -> bool:
        return self.status is EnrolmentStatus.ENROLLED

    def withdraw(self, reason: str, now: datetime) -> None:
        if not self.holds_seat:
            raise NotEnrolled(f"enrolment {self.enrolment_id} is {self.status}")
        self._close(EnrolmentStatus.WITHDRAWN, now)
        self.reason = reason

    def grade(self, passed: bool, now: datetime) -> None:
        if not self.holds_seat:
            raise NotEnrolled(f"enrolment {self.enrolment_id} is {self.status}")
        self._close(EnrolmentStatus.CERTIFIED if passed else EnrolmentStatus.NOT_CERTIFIED, now)

    def _close(self, status: EnrolmentStatus, now: datetime) -> None:
        self.status = status
        self.closed_at = now
        self.version += 1


@dataclass(frozen=True, slots=True)
class Attendance:
    """Whether a participant was present at one session (recorded again → replaced)."""

    batch_id: str
    session_id: str
    worker_id: str
    present: bool
    recorded_at: datetime


def grade(
    batch: Batch, participants: Sequence[Enrolment], attended: Mapping[str, Collection[str]]
) -> tuple[list[Enrolment], list[Enrolment]]:
    """Split the seated participants by the batch's completion rule: (certified, not).

    `attended` maps a worker id to the sessions they were present at. Both lists keep enrolment
    order, so certificate numbers follow the order participants joined.
    """
    seated = sorted(
        (enrolment for enrolment in participants if enrolment.holds_seat),
        key=lambda enrolment: (enrolment.enrolled_at, enrolment.enrolment_id),
    )
    rule = batch.completion_rule
    verdicts = [(e, rule.is_met(batch.sessions, attended.get(e.worker_id, ()))) for e in seated]
    return [e for e, met in verdicts if met], [e for e, met in verdicts if not met]
