"""Cases: a case's intervention plan, the projection of registry's receiving institutions a
referral names (a referral's own life is kept with the case's referrals), and the profiles (sex,
birth date) of persons with a case, for the rekap by sex and age band; each referral to an
institution, which its client lists.

Revision ID: cases0007
Revises: cases0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cases0007"
down_revision: str | Sequence[str] | None = "cases0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases_cases") as batch:
        batch.add_column(sa.Column("plan", sa.JSON(none_as_null=True), nullable=True))
    op.create_table(
        "cases_institutions",
        sa.Column("institution_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("wilayah", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("institution_id", name="pk_cases_institutions"),
    )
    op.create_table(
        "cases_profiles",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_cases_profiles"),
    )
    op.create_table(
        "cases_referrals",
        sa.Column("referral_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("institution_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("referral_id", name="pk_cases_referrals"),
    )
    op.create_index(
        "ix_cases_referrals_institution", "cases_referrals", ["institution_id", "referred_at"]
    )


def downgrade() -> None:
    op.drop_table("cases_referrals")
    op.drop_table("cases_profiles")
    op.drop_table("cases_institutions")
    with op.batch_alter_table("cases_cases") as batch:
        batch.drop_column("plan")
