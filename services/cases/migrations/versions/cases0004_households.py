"""Cases: its projection of registry's families (a case shows its person's household size).

Revision ID: cases0004
Revises: cases0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cases0004"
down_revision: str | Sequence[str] | None = "cases0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cases_households",
        sa.Column("family_id", sa.String(36), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("family_id", name="pk_cases_households"),
    )
    op.create_table(
        "cases_household_members",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("family_id", sa.String(36), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_cases_household_members"),
    )
    op.create_index(
        "ix_cases_household_members_family_id", "cases_household_members", ["family_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_cases_household_members_family_id", table_name="cases_household_members")
    op.drop_table("cases_household_members")
    op.drop_table("cases_households")
