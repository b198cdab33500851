"""Registry: reviews for the Dinas, and NIKs held in review instead of refused (ADR 0005).

A NIK registered again outside the registrant's wilayah is kept on the new record, marked as
under review, instead of answering a 409 that would confirm the NIK exists elsewhere: the
uniqueness rules now hold among records not under review.

Revision ID: registry0003
Revises: registry0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry0003"
down_revision: str | Sequence[str] | None = "registry0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSON_NIK = sa.text("nik IS NOT NULL AND nik_review IS NULL")
WORKER_NIK = sa.text("status = 'active' AND nik_review IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("registry_persons") as table:
        table.add_column(sa.Column("nik_review", sa.String(36)))
        table.add_column(sa.Column("merged_into", sa.String(36)))
    op.drop_index("uq_registry_persons_nik", table_name="registry_persons")
    op.create_index(
        "uq_registry_persons_nik", "registry_persons", ["nik"], unique=True,
        postgresql_where=PERSON_NIK, sqlite_where=PERSON_NIK,
    )  # fmt: skip
    with op.batch_alter_table("registry_workers") as table:
        table.add_column(sa.Column("nik_review", sa.String(36)))
    op.drop_index("uq_registry_workers_nik", table_name="registry_workers")
    op.create_index(
        "uq_registry_workers_nik", "registry_workers", ["nik"], unique=True,
        postgresql_where=WORKER_NIK, sqlite_where=WORKER_NIK,
    )  # fmt: skip
    op.create_index("ix_registry_workers_nik", "registry_workers", ["nik"])
    op.create_table(
        "registry_reviews",
        sa.Column("review_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("record_type", sa.String(10), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("other_id", sa.String(36)),
        sa.Column("wilayah", sa.String(20), nullable=False),
        sa.Column("other_wilayah", sa.String(20)),
        sa.Column("details", sa.Text),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.String(200)),
        sa.Column("decision", sa.String(30)),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("review_id", name="pk_registry_reviews"),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_registry_reviews_status"),
    )
    op.create_index(
        "ix_registry_reviews_listing", "registry_reviews", ["status", "opened_at", "review_id"]
    )
    op.create_index(
        "uq_registry_reviews_record", "registry_reviews", ["kind", "record_id"], unique=True
    )


def downgrade() -> None:
    op.drop_table("registry_reviews")
    op.drop_index("ix_registry_workers_nik", table_name="registry_workers")
    op.drop_index("uq_registry_workers_nik", table_name="registry_workers")
    op.create_index("uq_registry_workers_nik", "registry_workers", ["nik"], unique=True)
    with op.batch_alter_table("registry_workers") as table:
        table.drop_column("nik_review")
    op.drop_index("uq_registry_persons_nik", table_name="registry_persons")
    old = sa.text("nik IS NOT NULL")
    op.create_index(
        "uq_registry_persons_nik", "registry_persons", ["nik"], unique=True,
        postgresql_where=old, sqlite_where=old,
    )  # fmt: skip
    with op.batch_alter_table("registry_persons") as table:
        table.drop_column("merged_into")
        table.drop_column("nik_review")
