"""Cases: workers projection, cases and their steps (the timeline).

Revision ID: cases0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cases0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("cases",)
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    _workers()
    _cases()
    _steps()


def _workers() -> None:
    op.create_table(
        "cases_workers",
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("wilayah", sa.String(20), nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name="pk_cases_workers"),
    )
    op.create_index("ix_cases_workers_kecamatan", "cases_workers", ["kecamatan", "role", "status"])


def _cases() -> None:
    op.create_table(
        "cases_cases",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("desa", sa.String(20), nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("reported_by", sa.String(64), nullable=False),
        sa.Column("reporter_role", sa.String(20), nullable=False),
        sa.Column("assigned_tksk_id", sa.String(64)),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64)),
        sa.Column("person", sa.JSON, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("risk_level", sa.String(10)),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("referrals", sa.JSON, nullable=False),
        sa.Column("follow_ups", sa.Integer, nullable=False),
        sa.Column("rejection_reason", sa.String(40)),
        sa.Column("closure_reason", sa.String(40)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("reported_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN),
        sa.PrimaryKeyConstraint("case_id", name="pk_cases_cases"),
    )
    op.create_index("ix_cases_cases_desa", "cases_cases", ["desa"])
    op.create_index("ix_cases_cases_listing", "cases_cases", ["reported_at", "case_id"])
    op.create_index("ix_cases_cases_waiting", "cases_cases", ["kecamatan", "status"])
    op.create_index("ix_cases_cases_assigned", "cases_cases", ["assigned_tksk_id"])


def _steps() -> None:
    op.create_table(
        "cases_steps",
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_state", sa.String(30)),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("details", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "sequence", name="pk_cases_steps"),
    )


def downgrade() -> None:
    op.drop_table("cases_steps")
    op.drop_table("cases_cases")
    op.drop_table("cases_workers")
