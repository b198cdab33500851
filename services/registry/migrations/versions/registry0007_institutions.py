"""Registry: receiving institutions (panti sosial, puskesmas, Dukcapil, BPJS, LKS …) a case's
referral names.

Revision ID: registry0007
Revises: registry0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry0007"
down_revision: str | Sequence[str] | None = "registry0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_institutions",
        sa.Column("institution_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("wilayah", sa.String(20), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(30), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("institution_id", name="pk_registry_institutions"),
    )
    op.create_index("ix_registry_institutions_wilayah", "registry_institutions", ["wilayah"])


def downgrade() -> None:
    op.drop_table("registry_institutions")
