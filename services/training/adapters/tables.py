"""Training's own tables (mirrored exactly by `migrations/versions/training0001_batches.py`)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from shared.persistence.tables import NAMING

TABLES = MetaData(naming_convention=NAMING)

# Training's projection of registry's workers: only what eligibility reads.
workers = Table(
    "training_workers",
    TABLES,
    Column("worker_id", String(64), primary_key=True),
    Column("role", String(10), nullable=False),
    Column("wilayah", String(20), nullable=False),
    Column("kecamatan", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("tier", String(20)),
    Column("sequence", BigInteger, nullable=False),  # the worker's registry version
)

batches = Table(
    "training_batches",
    TABLES,
    Column("batch_id", String(36), primary_key=True),
    Column("tier", String(20), nullable=False),
    Column("organiser_wilayah", String(20), nullable=False),
    Column("organiser", String(200), nullable=False),
    Column("title", String(200), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("venue", String(200), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("completion_rule", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("enrolled", Integer, nullable=False),  # seats taken: read under the row lock
    Column("version", Integer, nullable=False),
    Column("scheduled_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
)
Index("ix_training_batches_organiser_wilayah", batches.c.organiser_wilayah)
Index("ix_training_batches_listing", batches.c.starts_on, batches.c.batch_id)

sessions = Table(
    "training_sessions",
    TABLES,
    Column("session_id", String(36), primary_key=True),
    Column("batch_id", String(36), ForeignKey("training_batches.batch_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("date", Date, nullable=False),
    Column("title", String(200), nullable=False),
    Column("location", String(200), nullable=False),
)
Index("ix_training_sessions_batch", sessions.c.batch_id, sessions.c.position, unique=True)

enrolments = Table(
    "training_enrolments",
    TABLES,
    Column("enrolment_id", String(36), primary_key=True),
    Column("batch_id", String(36), ForeignKey("training_batches.batch_id"), nullable=False),
    Column("worker_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("reason", Text),
)
# One live seat per worker and batch, even if the batch lock were bypassed; a withdrawn
# enrolment stays as history and the worker may enrol again.
_live = enrolments.c.status != "withdrawn"
Index(
    "ux_training_enrolments_seat",
    enrolments.c.batch_id,
    enrolments.c.worker_id,
    unique=True,
    postgresql_where=_live,
    sqlite_where=_live,
)
Index("ix_training_enrolments_worker", enrolments.c.worker_id)

attendance = Table(
    "training_attendance",
    TABLES,
    Column("session_id", String(36), ForeignKey("training_sessions.session_id"), primary_key=True),
    Column("worker_id", String(64), primary_key=True),
    Column("batch_id", String(36), ForeignKey("training_batches.batch_id"), nullable=False),
    Column("present", Boolean, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_training_attendance_batch", attendance.c.batch_id)

certificates = Table(
    "training_certificates",
    TABLES,
    Column("certificate_id", String(36), primary_key=True),
    Column("number", String(80), nullable=False, unique=True),
    Column("batch_id", String(36), ForeignKey("training_batches.batch_id"), nullable=False),
    Column("enrolment_id", String(36), nullable=False),
    Column("worker_id", String(64), nullable=False),
    Column("worker_wilayah", String(20), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("organiser_wilayah", String(20), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("issuer", String(200), nullable=False),
    Column("batch_title", String(200), nullable=False),
)
Index("ix_training_certificates_worker", certificates.c.worker_id)
Index("ix_training_certificates_batch", certificates.c.batch_id)

# The last number issued per series (tier/organiser/year): numbers run on, never reused.
certificate_series = Table(
    "training_certificate_series",
    TABLES,
    Column("series", String(80), primary_key=True),
    Column("last_sequence", Integer, nullable=False),
)

# The diklat reminders announced: one per batch and start date (a batch moved to another date is
# reminded again); written with the `batch_starting` event, in its transaction.
reminders = Table(
    "training_reminders",
    TABLES,
    Column("batch_id", String(36), primary_key=True),
    Column("starts_on", Date, primary_key=True),
    Column("reminded_at", DateTime(timezone=True), nullable=False),
)
