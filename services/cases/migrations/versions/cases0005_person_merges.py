"""Cases: the registry's merges of person records (a late link to a merged record follows it).

Revision ID: cases0005
Revises: cases0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cases0005"
down_revision: str | Sequence[str] | None = "cases0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cases_person_merges",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("merged_into", sa.String(64), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_cases_person_merges"),
    )


def downgrade() -> None:
    op.drop_table("cases_person_merges")
