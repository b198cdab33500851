"""Registry: a person may be in several duplicate pairs, so a review is one per kind, record
and other record (one per kind and record before: each other kind names one other). Two
indexes: the persons of a duplicate block (desa, sex, birth date), and every record of a NIK —
the unique index leaves out records under review, so a lookup of all of them read the table.

Revision ID: registry0006
Revises: registry0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "registry0006"
down_revision: str | Sequence[str] | None = "registry0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_registry_persons_block", "registry_persons", ["desa", "sex", "birth_date"])
    op.create_index("ix_registry_persons_nik", "registry_persons", ["nik"])
    with op.batch_alter_table("registry_reviews") as batch:
        batch.drop_index("uq_registry_reviews_record")
        batch.create_index(
            "uq_registry_reviews_record", ["kind", "record_id", "other_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("registry_reviews") as batch:
        batch.drop_index("uq_registry_reviews_record")
        batch.create_index("uq_registry_reviews_record", ["kind", "record_id"], unique=True)
    op.drop_index("ix_registry_persons_nik", table_name="registry_persons")
    op.drop_index("ix_registry_persons_block", table_name="registry_persons")
