"""Training: workers projection, batches, sessions, enrolments, attendance, certificates.

Revision ID: training0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "training0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("training",)
depends_on: str | Sequence[str] | None = None

BATCH_ID = "training_batches.batch_id"


def upgrade() -> None:
    _workers()
    _batches()
    _enrolments()
    _certificates()


def _workers() -> None:
    op.create_table(
        "training_workers",
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("wilayah", sa.String(20), nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("tier", sa.String(20)),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name="pk_training_workers"),
    )


def _batches() -> None:
    op.create_table(
        "training_batches",
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("organiser_wilayah", sa.String(20), nullable=False),
        sa.Column("organiser", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("venue", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("completion_rule", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("enrolled", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("batch_id", name="pk_training_batches"),
    )
    op.create_index(
        "ix_training_batches_organiser_wilayah", "training_batches", ["organiser_wilayah"]
    )
    op.create_index("ix_training_batches_listing", "training_batches", ["starts_on", "batch_id"])
    op.create_table(
        "training_sessions",
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_training_sessions"),
        sa.ForeignKeyConstraint(
            ["batch_id"], [BATCH_ID], name="fk_training_sessions_batch_id_training_batches"
        ),
    )
    op.create_index(
        "ix_training_sessions_batch", "training_sessions", ["batch_id", "position"], unique=True
    )


def _enrolments() -> None:
    op.create_table(
        "training_enrolments",
        sa.Column("enrolment_id", sa.String(36), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.Text),
        sa.PrimaryKeyConstraint("enrolment_id", name="pk_training_enrolments"),
        sa.ForeignKeyConstraint(
            ["batch_id"], [BATCH_ID], name="fk_training_enrolments_batch_id_training_batches"
        ),
    )
    live = sa.text("status != 'withdrawn'")
    op.create_index(
        "ux_training_enrolments_seat",
        "training_enrolments",
        ["batch_id", "worker_id"],
        unique=True,
        postgresql_where=live,
        sqlite_where=live,
    )
    op.create_index("ix_training_enrolments_worker", "training_enrolments", ["worker_id"])
    op.create_table(
        "training_attendance",
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("present", sa.Boolean, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "worker_id", name="pk_training_attendance"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.session_id"],
            name="fk_training_attendance_session_id_training_sessions",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], [BATCH_ID], name="fk_training_attendance_batch_id_training_batches"
        ),
    )
    op.create_index("ix_training_attendance_batch", "training_attendance", ["batch_id"])


def _certificates() -> None:
    op.create_table(
        "training_certificates",
        sa.Column("certificate_id", sa.String(36), nullable=False),
        sa.Column("number", sa.String(80), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("enrolment_id", sa.String(36), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("worker_wilayah", sa.String(20), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("organiser_wilayah", sa.String(20), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("issuer", sa.String(200), nullable=False),
        sa.Column("batch_title", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id", name="pk_training_certificates"),
        sa.UniqueConstraint("number", name="uq_training_certificates_number"),
        sa.ForeignKeyConstraint(
            ["batch_id"], [BATCH_ID], name="fk_training_certificates_batch_id_training_batches"
        ),
    )
    op.create_index("ix_training_certificates_worker", "training_certificates", ["worker_id"])
    op.create_index("ix_training_certificates_batch", "training_certificates", ["batch_id"])
    op.create_table(
        "training_certificate_series",
        sa.Column("series", sa.String(80), nullable=False),
        sa.Column("last_sequence", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("series", name="pk_training_certificate_series"),
    )


def downgrade() -> None:
    for table in (
        "training_certificate_series",
        "training_certificates",
        "training_attendance",
        "training_enrolments",
        "training_sessions",
        "training_batches",
        "training_workers",
    ):
        op.drop_table(table)  # their indexes go with them
