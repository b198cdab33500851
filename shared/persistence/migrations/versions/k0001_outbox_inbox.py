"""Shared kernel: outbox and inbox tables.

Revision ID: k0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "k0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("kernel",)
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kesos_outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("stream", sa.String(200), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200)),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_kesos_outbox"),
    )
    pending = sa.text("published_at IS NULL")
    op.create_index(
        "ix_kesos_outbox_pending",
        "kesos_outbox",
        ["id"],
        postgresql_where=pending,
        sqlite_where=pending,
    )
    op.create_index("ix_kesos_outbox_published_at", "kesos_outbox", ["published_at"])
    op.create_table(
        "kesos_inbox",
        sa.Column("handler", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("stream", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("handler", "event_id", name="pk_kesos_inbox"),
    )


def downgrade() -> None:
    op.drop_table("kesos_inbox")
    op.drop_index("ix_kesos_outbox_published_at", table_name="kesos_outbox")
    op.drop_index("ix_kesos_outbox_pending", table_name="kesos_outbox")
    op.drop_table("kesos_outbox")
