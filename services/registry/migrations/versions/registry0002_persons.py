"""Registry: PMKS/PPKS persons and the cases linked to them.

Revision ID: registry0002
Revises: registry0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry0002"
down_revision: str | Sequence[str] | None = "registry0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NIK_RECORDED = sa.text("nik IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "registry_persons",
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("nik", sa.String(16)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_date", sa.Date),
        sa.Column("desa", sa.String(20), nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("categories", sa.String(300), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_registry_persons"),
        sa.CheckConstraint("sex IN ('L', 'P')", name="ck_registry_persons_sex"),
    )
    op.create_index(
        "uq_registry_persons_nik",
        "registry_persons",
        ["nik"],
        unique=True,
        postgresql_where=NIK_RECORDED,
        sqlite_where=NIK_RECORDED,
    )
    op.create_index("ix_registry_persons_desa", "registry_persons", ["desa"])
    op.create_table(
        "registry_case_links",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("matched_by", sa.String(10), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_registry_case_links"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["registry_persons.person_id"],
            name="fk_registry_case_links_person_id_registry_persons",
        ),
        sa.CheckConstraint(
            "matched_by IN ('new', 'nik', 'person_id')", name="ck_registry_case_links_matched_by"
        ),
    )
    op.create_index("ix_registry_case_links_person_id", "registry_case_links", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_registry_case_links_person_id", table_name="registry_case_links")
    op.drop_table("registry_case_links")
    op.drop_index("ix_registry_persons_desa", table_name="registry_persons")
    op.drop_index("uq_registry_persons_nik", table_name="registry_persons")
    op.drop_table("registry_persons")
