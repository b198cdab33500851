"""Shared kernel: break-the-glass grants on protected records (docs/adr/0005).

Revision ID: k0003
Revises: k0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "k0003"
down_revision: str | Sequence[str] | None = "k0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kesos_glass",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("grant_id", sa.String(36), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("record_type", sa.String(100), nullable=False),
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("wilayah", sa.String(20)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kesos_glass"),
        sa.UniqueConstraint("grant_id", name="uq_kesos_glass_grant_id"),
    )
    op.create_index(
        "ix_kesos_glass_holder", "kesos_glass", ["actor", "record_type", "record_id", "expires_at"]
    )
    op.create_index("ix_kesos_audit_actor", "kesos_audit", ["actor", "id"])


def downgrade() -> None:
    op.drop_index("ix_kesos_audit_actor", table_name="kesos_audit")
    op.drop_index("ix_kesos_glass_holder", table_name="kesos_glass")
    op.drop_table("kesos_glass")
