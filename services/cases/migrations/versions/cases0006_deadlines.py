"""Cases: each open case's next deadline and the notices announced of it.

Revision ID: cases0006
Revises: cases0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cases0006"
down_revision: str | Sequence[str] | None = "cases0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cases_deadlines",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(30), nullable=False),
        sa.Column("awaiting_role", sa.String(10), nullable=False),
        sa.Column("awaiting_id", sa.String(64), nullable=True),
        sa.Column("desa", sa.String(20), nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_day", sa.Date(), nullable=False),
        sa.Column("due_soon_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holidays_known", sa.Boolean(), nullable=False),
        sa.Column("announced", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_cases_deadlines"),
    )
    op.create_index("ix_cases_deadlines_next_at", "cases_deadlines", ["next_at"])
    op.create_index(
        "ix_cases_deadlines_awaiting", "cases_deadlines", ["awaiting_role", "awaiting_id", "due_at"]
    )
    op.create_index("ix_cases_deadlines_due_at", "cases_deadlines", ["due_at"])
    # Cases open before this revision get their deadline with their next step; the deadline
    # watch then announces what is already late (DESIGN: catch-up after downtime).


def downgrade() -> None:
    op.drop_table("cases_deadlines")
