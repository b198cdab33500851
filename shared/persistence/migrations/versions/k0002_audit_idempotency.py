"""Shared kernel: audit trail and idempotency keys.

Revision ID: k0002
Revises: k0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "k0002"
down_revision: str | Sequence[str] | None = "k0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kesos_audit",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("record_type", sa.String(100), nullable=False),
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("wilayah", sa.String(20)),
        sa.Column("reason", sa.Text),
        sa.Column("correlation_id", sa.String(100)),
        sa.PrimaryKeyConstraint("id", name="pk_kesos_audit"),
    )
    op.create_index("ix_kesos_audit_record", "kesos_audit", ["record_type", "record_id", "id"])
    op.create_table(
        "kesos_idempotency",
        sa.Column("caller", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("caller", "key", name="pk_kesos_idempotency"),
    )


def downgrade() -> None:
    op.drop_table("kesos_idempotency")
    op.drop_index("ix_kesos_audit_record", table_name="kesos_audit")
    op.drop_table("kesos_audit")
