"""The training events (shared/contracts/training.py) as the use cases publish them."""

from __future__ import annotations

from services.training.domain.batches import Batch
from services.training.domain.certificates import Certificate
from services.training.domain.enrolments import Enrolment
from shared.contracts.training import (
    BatchCompleted,
    BatchScheduled,
    CertificateIssued,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    TrainingSession,
)


def batch_scheduled(batch: Batch) -> BatchScheduled:
    return BatchScheduled(
        batch_id=batch.batch_id,
        tier=batch.tier,
        organiser_wilayah=batch.organiser_wilayah,
        organiser=batch.organiser,
        title=batch.title,
        starts_on=batch.starts_on,
        ends_on=batch.ends_on,
        venue=batch.venue,
        capacity=batch.capacity,
        sessions=tuple(
            TrainingSession(
                session_id=s.session_id,
                kind=s.kind,
                date=s.date,
                title=s.title,
                location=s.location,
            )
            for s in batch.sessions
        ),
    )


def participant_enrolled(batch: Batch, enrolment: Enrolment) -> ParticipantEnrolled:
    return ParticipantEnrolled(
        enrolment_id=enrolment.enrolment_id,
        batch_id=batch.batch_id,
        worker_id=enrolment.worker_id,
        tier=batch.tier,
        batch_title=batch.title,
        starts_on=batch.starts_on,
        ends_on=batch.ends_on,
        venue=batch.venue,
    )


def participant_withdrawn(enrolment: Enrolment) -> ParticipantWithdrawn:
    return ParticipantWithdrawn(
        enrolment_id=enrolment.enrolment_id,
        batch_id=enrolment.batch_id,
        worker_id=enrolment.worker_id,
    )


def certificate_issued(certificate: Certificate) -> CertificateIssued:
    return CertificateIssued(
        certificate_id=certificate.certificate_id,
        number=certificate.number,
        batch_id=certificate.batch_id,
        worker_id=certificate.worker_id,
        tier=certificate.tier,
        issued_on=certificate.issued_on,
        issuer=certificate.issuer,
        batch_title=certificate.batch_title,
    )


def batch_completed(batch: Batch, certified: int, not_certified: int) -> BatchCompleted:
    return BatchCompleted(batch_id=batch.batch_id, certified=certified, not_certified=not_certified)
