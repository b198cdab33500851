"""Events the training service publishes on `<namespace>.training.events`.

Diklat batches (angkatan), enrolments and certificates. They carry ids, codes and dates — no
personal data beyond the worker id (DESIGN.md §3).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.catalog import CATALOG
from shared.contracts.envelope import Event


class TrainingSession(BaseModel):
    """One day of a batch: classroom material, field practice (PKL) or the closing discussion."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    session_id: str
    kind: Literal["classroom", "pkl", "discussion"]
    date: date
    title: str
    location: str


@CATALOG.register
class BatchScheduled(Event):
    type: ClassVar[str] = "kesos.training.batch_scheduled.v1"
    subject_field: ClassVar[str] = "batch_id"

    batch_id: str
    tier: str
    organiser_wilayah: str
    organiser: str
    title: str
    starts_on: date
    ends_on: date
    venue: str
    capacity: int
    sessions: tuple[TrainingSession, ...]


@CATALOG.register
class ParticipantEnrolled(Event):
    type: ClassVar[str] = "kesos.training.participant_enrolled.v1"
    subject_field: ClassVar[str] = "enrolment_id"

    enrolment_id: str
    batch_id: str
    worker_id: str
    tier: str
    batch_title: str
    starts_on: date
    ends_on: date
    venue: str


@CATALOG.register
class ParticipantWithdrawn(Event):
    type: ClassVar[str] = "kesos.training.participant_withdrawn.v1"
    subject_field: ClassVar[str] = "enrolment_id"

    enrolment_id: str
    batch_id: str
    worker_id: str


@CATALOG.register
class CertificateIssued(Event):
    type: ClassVar[str] = "kesos.training.certificate_issued.v1"
    subject_field: ClassVar[str] = "certificate_id"

    certificate_id: str
    number: str
    batch_id: str
    worker_id: str
    tier: str
    issued_on: date
    issuer: str
    batch_title: str


@CATALOG.register
class BatchCompleted(Event):
    type: ClassVar[str] = "kesos.training.batch_completed.v1"
    subject_field: ClassVar[str] = "batch_id"

    batch_id: str
    certified: int
    not_certified: int


@CATALOG.register
class BatchStarting(Event):
    """A diklat batch starts tomorrow (or today, announced late after downtime): its
    participants are to be reminded. Published once per batch and start date by the one
    training replica keeping the reminder watch; worker ids only."""

    type: ClassVar[str] = "kesos.training.batch_starting.v1"
    subject_field: ClassVar[str] = "batch_id"

    batch_id: str
    tier: str
    batch_title: str
    starts_on: date
    ends_on: date
    venue: str
    participants: tuple[str, ...] = Field(description="worker ids of those enrolled now")
