"""Registry: social workers (PSM, TKSK).

Revision ID: registry0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("registry",)
depends_on: str | Sequence[str] | None = None

ACTIVE_TKSK = sa.text("role = 'tksk' AND status = 'active'")


def upgrade() -> None:
    op.create_table(
        "registry_workers",
        sa.Column("worker_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("wilayah", sa.String(20), nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("tier", sa.String(20)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name="pk_registry_workers"),
        sa.CheckConstraint("role IN ('psm', 'tksk')", name="ck_registry_workers_role"),
        sa.CheckConstraint("status IN ('active', 'inactive')", name="ck_registry_workers_status"),
        sa.CheckConstraint("sex IN ('L', 'P')", name="ck_registry_workers_sex"),
    )
    op.create_index("uq_registry_workers_nik", "registry_workers", ["nik"], unique=True)
    op.create_index(
        "uq_registry_workers_active_tksk",
        "registry_workers",
        ["kecamatan"],
        unique=True,
        postgresql_where=ACTIVE_TKSK,
        sqlite_where=ACTIVE_TKSK,
    )
    op.create_index("ix_registry_workers_wilayah", "registry_workers", ["wilayah"])


def downgrade() -> None:
    op.drop_index("ix_registry_workers_wilayah", table_name="registry_workers")
    op.drop_index("uq_registry_workers_active_tksk", table_name="registry_workers")
    op.drop_index("uq_registry_workers_nik", table_name="registry_workers")
    op.drop_table("registry_workers")
