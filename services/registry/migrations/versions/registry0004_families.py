"""Registry: families as on the Kartu Keluarga, and their members over time.

Revision ID: registry0004
Revises: registry0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry0004"
down_revision: str | Sequence[str] | None = "registry0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KK_RECORDED = sa.text("no_kk IS NOT NULL")
CURRENT = sa.text("left_at IS NULL")
CURRENT_HEAD = sa.text("left_at IS NULL AND relationship = 'kepala_keluarga'")
RELATIONSHIPS = (
    "kepala_keluarga", "suami", "istri", "anak", "menantu", "cucu", "orang_tua", "mertua",
    "famili_lain", "pembantu", "lainnya",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "registry_families",
        sa.Column("family_id", sa.String(36), nullable=False),
        sa.Column("no_kk", sa.String(16)),
        sa.Column("desa", sa.String(20), nullable=False),
        sa.Column("kecamatan", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("family_id", name="pk_registry_families"),
    )
    op.create_index(
        "uq_registry_families_no_kk", "registry_families", ["no_kk"], unique=True,
        postgresql_where=KK_RECORDED, sqlite_where=KK_RECORDED,
    )  # fmt: skip
    op.create_index("ix_registry_families_desa", "registry_families", ["desa"])
    op.create_table(
        "registry_family_members",
        sa.Column("family_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("relationship", sa.String(20), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint(
            "family_id", "person_id", "joined_at", name="pk_registry_family_members"
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["registry_families.family_id"],
            name="fk_registry_family_members_family_id_registry_families",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["registry_persons.person_id"],
            name="fk_registry_family_members_person_id_registry_persons",
        ),
        sa.CheckConstraint(
            "relationship IN (" + ", ".join(f"'{name}'" for name in RELATIONSHIPS) + ")",
            name="ck_registry_family_members_relationship",
        ),
    )
    op.create_index(
        "uq_registry_family_members_person", "registry_family_members", ["person_id"],
        unique=True, postgresql_where=CURRENT, sqlite_where=CURRENT,
    )  # fmt: skip
    op.create_index(
        "uq_registry_family_members_head", "registry_family_members", ["family_id"],
        unique=True, postgresql_where=CURRENT_HEAD, sqlite_where=CURRENT_HEAD,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_registry_family_members_head", table_name="registry_family_members")
    op.drop_index("uq_registry_family_members_person", table_name="registry_family_members")
    op.drop_table("registry_family_members")
    op.drop_index("ix_registry_families_desa", table_name="registry_families")
    op.drop_index("uq_registry_families_no_kk", table_name="registry_families")
    op.drop_table("registry_families")
