"""Notifications: which TKSK each case waits on (whom a merge of two persons concerns).

Revision ID: notifications0002
Revises: notifications0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notifications0002"
down_revision: str | Sequence[str] | None = "notifications0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_assignees",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("tksk_id", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_assignees"),
    )


def downgrade() -> None:
    op.drop_table("case_assignees")
