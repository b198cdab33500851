"""Training: the diklat reminders announced (one per batch and start date).

Revision ID: training0002
Revises: training0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "training0002"
down_revision: str | Sequence[str] | None = "training0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_reminders",
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", "starts_on", name="pk_training_reminders"),
    )


def downgrade() -> None:
    op.drop_table("training_reminders")
