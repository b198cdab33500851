"""Notifications: contacts projection and deliveries.

Revision ID: notifications0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notifications0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("notifications",)
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("wilayah", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name="pk_contacts"),
    )
    op.create_index("ix_contacts_wilayah", "contacts", ["wilayah"])
    op.create_table(
        "deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("cause_event_id", sa.String(36), nullable=False),
        sa.Column("correlation_id", sa.String(100)),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("template", sa.String(60), nullable=False),
        sa.Column("variables", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("text", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("delivery_id", name="uq_deliveries_delivery_id"),
        sa.UniqueConstraint(
            "cause_event_id", "recipient_id", "channel", name="uq_deliveries_cause"
        ),
    )
    op.create_index("ix_deliveries_status_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_recipient", "deliveries", ["recipient_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_recipient", table_name="deliveries")
    op.drop_index("ix_deliveries_status_due", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_contacts_wilayah", table_name="contacts")
    op.drop_table("contacts")
