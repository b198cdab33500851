"""Registry: import jobs, their bad rows, and the persons without a NIK they registered.

Revision ID: registry0005
Revises: registry0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry0005"
down_revision: str | Sequence[str] | None = "registry0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYED = sa.text("idempotency_key IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "registry_imports",
        sa.Column("import_id", sa.String(36), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("wilayah", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("next_line", sa.Integer, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("persons_created", sa.Integer, nullable=False),
        sa.Column("persons_updated", sa.Integer, nullable=False),
        sa.Column("families", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("failure", sa.Text),
        sa.Column("idempotency_key", sa.String(200)),
        sa.PrimaryKeyConstraint("import_id", name="pk_registry_imports"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_registry_imports_status"
        ),
    )
    op.create_index("ix_registry_imports_status", "registry_imports", ["status", "submitted_at"])
    op.create_index(
        "uq_registry_imports_key", "registry_imports", ["submitted_by", "idempotency_key"],
        unique=True, postgresql_where=KEYED, sqlite_where=KEYED,
    )  # fmt: skip
    op.create_table(
        "registry_import_errors",
        sa.Column("import_id", sa.String(36), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(60), nullable=False),
        sa.Column("column_name", sa.String(40)),
        sa.PrimaryKeyConstraint("import_id", "line", name="pk_registry_import_errors"),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["registry_imports.import_id"],
            name="fk_registry_import_errors_import_id_registry_imports",
        ),
    )
    op.create_table(
        "registry_import_duplicates",
        sa.Column("import_id", sa.String(36), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("other_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(
            "import_id", "line", "other_id", name="pk_registry_import_duplicates"
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["registry_imports.import_id"],
            name="fk_registry_import_duplicates_import_id_registry_imports",
        ),
    )
    op.create_table(
        "registry_import_chunks",
        sa.Column("import_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("import_id", "seq", name="pk_registry_import_chunks"),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["registry_imports.import_id"],
            name="fk_registry_import_chunks_import_id_registry_imports",
        ),
    )
    op.create_table(
        "registry_import_keys",
        sa.Column("row_key", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("row_key", name="pk_registry_import_keys"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["registry_persons.person_id"],
            name="fk_registry_import_keys_person_id_registry_persons",
        ),
    )


def downgrade() -> None:
    op.drop_table("registry_import_keys")
    op.drop_table("registry_import_chunks")
    op.drop_table("registry_import_duplicates")
    op.drop_table("registry_import_errors")
    op.drop_index("uq_registry_imports_key", table_name="registry_imports")
    op.drop_index("ix_registry_imports_status", table_name="registry_imports")
    op.drop_table("registry_imports")
